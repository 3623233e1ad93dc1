"""Issue 27: a library on an S3-compatible object store, SeaweedFS on loopback (started here as
the tests start it, tests/object_store.py), against floors measured in the same run.

- Import: `manage.py import` of the corpus into the store (`PHOTOSITE_STORAGE_URL`), against the
  floor of boto3 uploading the same files (`upload_file`, as many at once as the import's
  `--jobs`) with each file's SHA-256 computed (hashlib, reading it once). Each round gets a
  fresh library and a fresh prefix in the bucket; rounds alternate, the best of each is kept.
  Goal: within 1.3x.
- A cached thumbnail: requests/s of one thumbnail URL on a site whose library is on the store,
  browsers not sent to it (`PHOTOSITE_S3_REDIRECT=0`: the copy on this machine, answered by the
  fast path), against the fast path of a library on the local disk, both served while both are
  up, turn by turn. Goal: time per request within 2x. With redirects, a browser's thumbnail is
  the site's 302 and then the store's answer to the presigned link: both rates are shown, and
  the time of the pair against the local fast path, without a goal (the store is the browser's
  to reach then, not the site's).

Run with bench/run.py, or alone: `python -m bench.bench_object_store [--small]`."""
import hashlib
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench.bench_thumbnails import (
    GOAL_ROUNDS,
    HIT_CONCURRENCY,
    fetch,
    load_tool_name,
    logged_in_session,
    requests_per_second,
)
from bench.run import PYTHON, REPO_ROOT, django_env, manage, new_library

sys.path.insert(0, str(REPO_ROOT / "tests"))
from object_store import start_object_store

from live_site import uvicorn

IMPORT_GOAL = 1.3
THUMBNAIL_GOAL = 2.0
IMPORT_JOBS = 4
# The redirect goes through Django (tens of requests/s on a loaded machine): fewer requests of it.
REDIRECT_REQUESTS = 800
HASH_CHUNK_BYTES = 1024 * 1024
# Room for the corpus a few times over (SeaweedFS allocates a volume when it first writes to it).
VOLUME_SIZE_MB = 1024
VOLUMES = 16


def run(corpus, report):
    corpus.warm()
    store = start_object_store(report.workdir("seaweedfs"), volume_size_mb=VOLUME_SIZE_MB, volumes=VOLUMES)
    try:
        import_figures(corpus, report, store)
        thumbnail_figures(corpus, report, store)
    finally:
        store.stop()


# -- import ------------------------------------------------------------------------------------

def import_figures(corpus, report, store):
    report.section(f"Import into SeaweedFS ({corpus.describe()}, best of {report.repeat})")
    rounds = {"import": [], "floor": []}
    for round_number in range(report.repeat):
        prefix = f"floor-{round_number}"
        rounds["floor"].append(timed(lambda prefix=prefix: upload_and_hash(store, corpus.all_files, prefix)))
        library = new_library(report, f"library-{round_number}")
        environment = store.environment(store.bucket, prefix=f"import-{round_number}")
        rounds["import"].append(timed(lambda library=library, environment=environment: manage_with(
            library, environment, "import", "--no-progress", "--jobs", str(IMPORT_JOBS), corpus.root)))
        check_imported(library, environment, len(corpus.all_files))
        shutil.rmtree(library)
    ours, floor = min(rounds["import"]), min(rounds["floor"])
    megabytes = corpus.total_bytes / 1e6
    report.row("manage.py import into the store", ours, "s")
    report.row("  throughput", megabytes / ours, "MB/s")
    report.row(f"floor: boto3 upload_file + SHA-256, {IMPORT_JOBS} at once", floor, "s")
    report.row("  throughput", megabytes / floor, "MB/s")
    report.ratio("import / floor", ours, floor, goal=IMPORT_GOAL)


def upload_and_hash(store, paths, prefix):
    """The floor: every file's SHA-256 computed and the file uploaded by boto3's own transfer."""
    client = store.client()

    def one(path):
        digest = hashlib.sha256()
        with open(path, "rb") as source:
            while chunk := source.read(HASH_CHUNK_BYTES):
                digest.update(chunk)
        client.upload_file(str(path), store.bucket, f"{prefix}/{digest.hexdigest()[:16]}-{path.name}")

    with ThreadPoolExecutor(IMPORT_JOBS) as pool:
        list(pool.map(one, paths))


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def manage_with(library, environment, *args):
    completed = subprocess.run([PYTHON, str(REPO_ROOT / "manage.py"), *map(str, args)], cwd=REPO_ROOT,
                               env=django_env(library, **environment), capture_output=True, text=True, timeout=3600)
    if completed.returncode:
        print(completed.stdout, completed.stderr, sep="\n", file=sys.stderr)
        completed.check_returncode()
    return completed


def check_imported(library, environment, expected):
    counted = manage_with(library, environment, "shell", "-c",
                          "from library.models import Photo; print(Photo.objects.count())").stdout.split()[-1]
    assert int(counted) == expected, f"the import kept {counted} of {expected} files"


# -- a cached thumbnail ------------------------------------------------------------------------

def thumbnail_figures(corpus, report, store):
    report.section(f"A cached thumbnail: requests/s, {HIT_CONCURRENCY} concurrent, best of "
                   f"{report.repeat + GOAL_ROUNDS}, redirects of {report.repeat} ({load_tool_name()})")
    photo = corpus.photos[0]
    local = site_library(report, "local-site", photo, {})
    on_store = site_library(report, "store-site", photo, store.environment(store.bucket, prefix="served"))
    path = thumbnail_path(local, {})
    store_env = store.environment(store.bucket, prefix="served")
    with uvicorn(["photosite.asgi:application"], django_env(local)) as local_url, \
            uvicorn(["photosite.asgi:application"], django_env(on_store, **store_env,
                                                               PHOTOSITE_S3_REDIRECT="0")) as copy_url, \
            uvicorn(["photosite.asgi:application"], django_env(on_store, **store_env,
                                                               PHOTOSITE_S3_REDIRECT="1")) as redirect_url:
        local_session, copy_session = logged_in_session(local_url), logged_in_session(copy_url)
        redirect_session = logged_in_session(redirect_url)
        for base_url, session in ((local_url, local_session), (copy_url, copy_session)):
            fetch(base_url + path, session)  # made (or copied here), and offered to the fast path
            fetch(base_url + path, session, fast_path=True)
        best = dict.fromkeys(("local", "copy", "redirect", "store"), 0.0)
        for round_number in range(report.repeat + GOAL_ROUNDS):
            best["local"] = max(best["local"], requests_per_second(local_url + path, local_session))
            best["copy"] = max(best["copy"], requests_per_second(copy_url + path, copy_session))
            if round_number < report.repeat:  # no goal: fewer rounds of the slow one
                best["redirect"] = max(best["redirect"],
                                       requests_per_second(redirect_url + path, redirect_session, status=302,
                                                           requests=REDIRECT_REQUESTS))
                link = presigned_link(redirect_url + path, redirect_session, store)  # fresh: links expire
                best["store"] = max(best["store"], requests_per_second(link, None, requests=REDIRECT_REQUESTS))
    report.row("local library, fast path", best["local"], "req/s")
    report.row("library on the store, copy here, fast path", best["copy"], "req/s")
    report.row("library on the store, the site's 302", best["redirect"], "req/s")
    report.row("  the store answering the presigned link", best["store"], "req/s")
    pair = 1 / (1 / best["redirect"] + 1 / best["store"])
    report.row("  302 and then the store, per thumbnail", pair, "req/s")
    report.ratio("store (copy here) / local fast path (time per request)", best["local"], best["copy"],
                 goal=THUMBNAIL_GOAL)
    report.ratio("store (redirect + store) / local fast path", best["local"], pair)


def presigned_link(url, session, store) -> str:
    link = httpx.get(url, cookies={"sessionid": session}).headers["location"]
    assert link.startswith(store.endpoint_url), f"expected a redirect to the store, got {link}"
    return link


def site_library(report, name, photo, environment):
    library = new_library(report, name)
    manage_with(library, environment, "import", "--no-progress", photo)
    manage(library, "shell", "-c", "from django.contrib.auth.models import User; "
                                   "User.objects.create_user('bench', password='bench-password')")
    return library


def thumbnail_path(library, environment):
    printed = manage_with(library, environment, "shell", "-c", "from library.models import Photo; "
                          "from thumbnails.links import thumbnail_url; print(thumbnail_url(Photo.objects.get()))")
    return printed.stdout.strip().splitlines()[-1]


def main(argv):
    from bench.run import Report, install_requirements, loaded_corpus

    install_requirements()
    small = "--small" in argv
    report = Report("object_store", small=small)
    run(loaded_corpus(small), report)
    return 1 if report.goals_missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
