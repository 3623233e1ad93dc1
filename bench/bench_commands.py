"""The commands on a big library: `librarystatus`, `checklibrary` (every file missing, so every row
is a finding), `pregenerate --queue`, and how soon `pregenerate` starts and how soon it stops on
Ctrl-C. Wall time and peak memory (the command's own process) of each, from the outside.

The library's rows are bulk-created as bench_gallery makes them (no files), and half the photos
get a cached-thumbnail record (20 kB each), so the status has something to sum.

    .venv/bin/python bench/run.py commands        # 50,000 photos (--small: 5,000)
    .venv/bin/python bench/bench_commands.py      # alone
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

ROWS = 50_000
SMALL_ROWS = 5_000


def run(corpus, report):
    from bench.run import PYTHON, django_env, new_library

    rows = SMALL_ROWS if report.small else ROWS
    report.section(f"Commands on {rows:,} photos in the database (SQLite)")
    root = new_library(report, "library")
    subprocess.run([PYTHON, __file__, "--generate", str(rows)], env=django_env(root), cwd=REPO_ROOT, check=True,
                   timeout=1800)
    report.row("rows", count(root, "library_photo"))
    for label, args in [("manage.py check (start-up floor)", ["check"]),
                        ("librarystatus", ["librarystatus"]),
                        ("checklibrary (every file missing)", ["checklibrary", "--no-progress"]),
                        ("checklibrary --json (every file missing)", ["checklibrary", "--json", "--no-progress"]),
                        ("pregenerate --queue", ["pregenerate", "--queue"])]:
        seconds, megabytes = timed_command(root, args, django_env)
        report.row(f"{label}: time", seconds, "s")
        report.row(f"{label}: peak memory", megabytes, "MB")
    started, stopped = pregenerate_start_and_stop(root, django_env)
    report.row("pregenerate --jobs 2: first thumbnail row after", started, "s")
    report.row("pregenerate --jobs 2: exit after Ctrl-C", stopped, "s")


def sqlite_file(root) -> Path:
    from library.paths import SQLITE_FILE  # after REPO_ROOT is on sys.path

    return Path(root) / SQLITE_FILE


def count(root, table, where="1=1"):
    with sqlite3.connect(sqlite_file(root), timeout=30) as connection:
        return connection.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def launch(root, args, django_env, **kwargs):
    from bench.run import PYTHON

    return subprocess.Popen([PYTHON, str(REPO_ROOT / "manage.py"), *args], cwd=REPO_ROOT, env=django_env(root),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)


def timed_command(root, args, django_env):
    """(seconds, peak resident MB) of one run: wait4 reports the child's own peak, not this process's."""
    started = time.perf_counter()
    process = launch(root, args, django_env)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped here; keeps Popen from waiting again
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def pregenerate_start_and_stop(root, django_env):
    """Seconds until the first thumbnail row is written, then from a Ctrl-C (to the whole group,
    as a terminal sends it) to the exit. The rows have no files, so each thumbnail fails at once."""
    with sqlite3.connect(sqlite_file(root), timeout=30) as connection:
        connection.execute("DELETE FROM django_q_ormq")
        connection.execute("DELETE FROM thumbnails_rendition WHERE state != 'ready'")
    started = time.perf_counter()
    process = launch(root, ["pregenerate", "--jobs", "2", "--no-progress"], django_env, start_new_session=True)
    first = count(root, "thumbnails_rendition")
    while count(root, "thumbnails_rendition") == first:
        time.sleep(0.01)
    first_row = time.perf_counter() - started
    os.killpg(process.pid, signal.SIGINT)
    interrupted = time.perf_counter()
    process.wait(timeout=60)
    return first_row, time.perf_counter() - interrupted


def generate(rows):
    import django

    django.setup()
    from django.utils import timezone

    from bench.bench_gallery import generate as generate_photos
    from library.models import MediaKind, Photo
    from thumbnails.formats import made_ahead_spec
    from thumbnails.models import Rendition, RenditionState

    generate_photos(rows)
    spec, now = str(made_ahead_spec()), timezone.now()
    photos = Photo.objects.filter(kind=MediaKind.PHOTO).values_list("pk", "sha256").order_by("pk")
    Rendition.objects.bulk_create(
        (Rendition(photo_id=pk, spec=spec, state=RenditionState.READY, name=f"{sha256}-{spec}.webp", bytes=20_000,
                   generated_at=now, generations=1)
         for index, (pk, sha256) in enumerate(photos.iterator()) if index % 2 == 0),
        batch_size=5000)
    print(json.dumps({"photos": Photo.objects.count(), "thumbnails": Rendition.objects.count()}))


def main():
    if sys.argv[1:2] == ["--generate"]:
        generate(int(sys.argv[2]))
        return 0
    from bench import run as harness

    return harness.main(["commands", *sys.argv[1:]])


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photosite.settings")
    sys.exit(main())
