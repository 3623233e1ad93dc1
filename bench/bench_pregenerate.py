"""Issue 6: background pre-generation through django-q2, measured in the same run.

- Throughput: the corpus's thumbnails made by a running `qcluster` with 1 worker and with 2,
  timed from queuing to the last thumbnail recorded. Goal: 2 workers at least 1.7x faster.
- Per-thumbnail cost: the 1-worker cluster against calling the generator directly in a loop
  (the same files, one process). Goal: within 1.2x — the queue adds no real overhead. The
  worker's figure includes the cache's share too: the atomic, fsynced write and the row updates.
- Import while busy: as on a real site, one library: half the corpus is in it and 2 workers are
  busy remaking its thumbnails while the other half is imported into it; against importing that
  half into a library with no workers. Goal: within 1.3x (the workers run at the lowest CPU
  priority and step aside while an import is running).

Django work runs in subprocesses (`manage.py shell -c "…drive(MODE)"`, see `drive` below), whose
start-up is never timed; each library has its own SQLite database and ORM queue. The machine
is shared: the steps are interleaved and the best of `--repeat` runs is kept."""
import json
import os
import signal
import subprocess
import sys
import time

from bench.run import PYTHON, REPO_ROOT, django_env, manage, new_library
from library import paths

THROUGHPUT_GOAL = 1 / 1.7  # 2-worker time / 1-worker time
OVERHEAD_GOAL = 1.2
IMPORT_GOAL = 1.3
# Rounds of forced remaking queued for the busy library, so its workers outlast the import.
BUSY_ROUNDS = 3
READY_TIMEOUT = 60
WAIT_LIMIT = 900


def run(corpus, report):
    corpus.warm()
    library = new_library(report, "pregenerate")
    manage(library, "import", corpus.root, "--no-progress")
    items = len(corpus.all_files)
    throughput_figures(report, library, items)
    import_figures(corpus, report)


def throughput_figures(report, library, items):
    report.section(f"Pre-generation of {items} thumbnails (best of {report.repeat})")
    # Interleaved, so that a burst of load from elsewhere on the machine hits all three alike.
    direct, ensured, one, two = [], [], [], []
    for _ in range(report.repeat):
        direct.append(driver(library, "direct")["seconds"])
        ensured.append(driver(library, "ensure")["seconds"])
        for workers, times in ((1, one), (2, two)):
            # At the generator's own priority: this measures the queue's overhead, not `nice`.
            with Cluster(library, workers, PHOTOSITE_WORKER_NICENESS=0):
                times.append(driver(library, "queue-and-wait")["seconds"])
    direct, ensured, one, two = min(direct), min(ensured), min(one), min(two)
    report.row("generator called directly, 1 process", direct, "s")
    report.row("thumbnail_renditions.ensure() called directly (+ fsynced write, rows)", ensured, "s")
    report.row("queue + 1 worker", one, "s")
    report.row("queue + 2 workers", two, "s")
    report.row("1 worker: ms per thumbnail", one / items * 1000, "ms")
    report.ratio("2 workers / 1 worker (time)", two, one, goal=THROUGHPUT_GOAL)
    report.ratio("1 worker / generator directly (per thumbnail)", one, direct, goal=OVERHEAD_GOAL)
    report.ratio("1 worker / thumbnail_renditions.ensure() directly (the queue alone)", one, ensured)


def import_figures(corpus, report):
    kept, imported = corpus.all_files[::2], corpus.all_files[1::2]
    report.section(f"CLI import of {len(imported)} files into a library whose 2 workers are busy")

    def import_once(library):
        started = time.perf_counter()
        manage(library, "import", *imported, "--no-progress")
        return time.perf_counter() - started

    alone, busy, left_over = [], [], []
    for _ in range(report.repeat):
        alone.append(import_once(new_library(report, "import-alone")))
        shared = new_library(report, "import-busy")
        manage(shared, "import", *kept, "--no-progress")
        with Cluster(shared, workers=2):
            driver(shared, "queue-busy")
            busy.append(import_once(shared))
            left_over.append(driver(shared, "queued")["tasks"])
    report.row("import alone", min(alone), "s")
    report.row("import while workers are busy", min(busy), "s")
    report.row("tasks still queued when the import ended (min)", min(left_over))
    report.ratio("import while busy / alone", min(busy), min(alone), goal=IMPORT_GOAL)


class Cluster:
    """A `manage.py qcluster` for the library, ready (idle) on entry, killed on exit."""

    def __init__(self, library, workers, **env):
        self.library = library
        self.env = {"PHOTOSITE_WORKERS": workers, **env}
        self.process = None

    def __enter__(self):
        driver(self.library, "reset")  # nothing queued or half-done from an earlier step
        log = self.library / paths.LOGS_DIR / "photosite.log"
        before = running_lines(log)
        self.process = subprocess.Popen(
            [PYTHON, str(REPO_ROOT / "manage.py"), "qcluster"], cwd=REPO_ROOT, start_new_session=True,
            env=django_env(self.library, **self.env), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while running_lines(log) == before:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the cluster did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc_info):
        os.killpg(self.process.pid, signal.SIGKILL)  # its tasks are this bench's; nothing to keep
        self.process.wait()


def running_lines(log):
    return log.read_text().count(" running.") if log.exists() else 0


def driver(library, mode):
    completed = manage(library, "shell", "-c", f"from bench.bench_pregenerate import drive; drive({mode!r})")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# -- the driver, inside a Django process ------------------------------------------------------

def drive(mode):
    """Runs in `manage.py shell` for the library; prints one JSON line."""
    from django_q.brokers import get_broker

    from library.models import Photo
    from thumbnails import store, thumbnail_renditions
    from thumbnails.formats import made_ahead_spec, made_ahead_specs
    from thumbnails.models import Rendition, RenditionState
    from thumbnails.tasks import queue_photos

    spec = made_ahead_spec()
    photos = list(Photo.objects.order_by("-taken_at", "-id"))
    ids = [photo.pk for photo in photos]
    broker = get_broker()
    result = {}
    if mode in ("reset", "queue-and-wait", "ensure"):
        broker.purge_queue()
        for photo in photos:
            store.delete_all(photo)
    if mode == "direct":
        started = time.perf_counter()
        for photo in photos:
            thumbnail_renditions.generate(photo, spec)
        result["seconds"] = time.perf_counter() - started
    elif mode == "ensure":
        started = time.perf_counter()
        for photo in photos:
            thumbnail_renditions.ensure(photo, spec)
        result["seconds"] = time.perf_counter() - started
    elif mode == "queue-and-wait":
        started = time.perf_counter()
        queue_photos(Photo.objects.all(), len(ids), made_ahead_specs(), workers=2)  # the same tasks for 1 and 2 workers
        deadline = time.monotonic() + WAIT_LIMIT
        while Rendition.objects.exclude(state=RenditionState.PENDING).count() < len(ids):
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not finish in time")
            time.sleep(0.1)  # light polling: the driver must not compete with the worker
        result["failed"] = Rendition.objects.filter(state=RenditionState.FAILED).count()
        result["seconds"] = time.perf_counter() - started
    elif mode == "queue-busy":
        for _ in range(BUSY_ROUNDS):
            queue_photos(Photo.objects.all(), len(ids), made_ahead_specs(), force=True, workers=2)
    elif mode == "queued":
        result["tasks"] = broker.queue_size()
    print(json.dumps(result))


if __name__ == "__main__":
    from bench.run import main

    sys.exit(main(["pregenerate", *sys.argv[1:]]))
