"""The gallery's first page at 100,000 photos: server time to render it, against a floor.

A library of 100,000 tiles (bulk-created, no files: rendering a page never opens a file), one
in ten a Live Photo whose motion is one more row shown through it, is made once per run; a
measuring subprocess (this file run as a script, so it has its own settings and database) then
times whole requests through Django's handler, middleware and session included, with a
logged-in user:

- the first page (the goal: under 50 ms), a page 90,000 photos deep (keyset: the same cost),
  the infinite-scroll fragment, and the query count at two page sizes (must be equal);
- floor: the login-required empty view Django serves for the same user (handler, middleware,
  session and user lookups), so the ratio is what the gallery itself adds.

    .venv/bin/python bench/run.py gallery        # through the harness
    .venv/bin/python bench/bench_gallery.py      # alone
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

ROWS = 100_000
SMALL_ROWS = 10_000
GOAL_SECONDS = 0.050
TIMED_RUNS = 30


def run(corpus, report):
    from bench.run import PYTHON, django_env, new_library

    rows = SMALL_ROWS if report.small else ROWS
    report.section(f"Gallery first page with {rows:,} photos in the database")
    root = new_library(report, "library")
    output = subprocess.run(
        [PYTHON, __file__, "--measure", str(rows)], env=django_env(root), cwd=REPO_ROOT,
        check=True, stdout=subprocess.PIPE, text=True, timeout=1800,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    report.row("rows generated", figures["rows"])
    report.row("page size (tiles)", figures["page_size"])
    report.row("floor: empty login-required view", figures["floor"] * 1000, "ms")
    report.row("first page", figures["first_page"] * 1000, "ms")
    report.row("page 90% deep", figures["deep_page"] * 1000, "ms")
    report.row("scroll fragment", figures["fragment"] * 1000, "ms")
    report.row("queries, page size 60 / 240", f"{figures['queries_small']} / {figures['queries_large']}")
    report.ratio("first page / 50 ms goal", figures["first_page"], GOAL_SECONDS, goal=1.0)
    report.ratio("page 90% deep / first page", figures["deep_page"], figures["first_page"], goal=1.5)
    report.ratio("first page / floor", figures["first_page"], figures["floor"])
    if figures["queries_small"] != figures["queries_large"]:
        report.goals_missed.append("constant query count")


# --- the measuring subprocess ---------------------------------------------------------------

def generate(rows):
    from datetime import UTC, datetime, timedelta

    from library.media.dates import dating
    from library.models import ImportSession, MediaKind, Photo

    session = ImportSession.objects.create(source="cli")
    newest = datetime(2026, 6, 1, 12, tzinfo=UTC)
    batch = []
    for index in range(rows):
        video = index % 25 == 0
        batch.append(Photo(
            sha256=f"{index:064x}", kind=MediaKind.VIDEO if video else MediaKind.PHOTO,
            original_name=f"IMG_{index:06d}.jpg", path=f"x/{index}.jpg", size=4_500_000,
            format="mp4" if video else "jpeg", mime_type="video/mp4" if video else "image/jpeg",
            width=(4000, 3000)[index % 2], height=(3000, 4000)[index % 2], duration=12.5 if video else None,
            **dating(newest - timedelta(minutes=37 * index)), taken_at_source="exif", import_session=session,
        ))
        if len(batch) == 5000:
            Photo.objects.bulk_create(batch)
            batch = []
    Photo.objects.bulk_create(batch)
    add_live_motions(session)


def add_live_motions(session, every=10):
    """One photo in `every` gets a motion: a 2 s HEVC video row shown through its tile (a Live
    Photo, played from its web rendition as an iPhone's is)."""
    from datetime import timedelta

    from library.media.dates import dating
    from library.media.video_playback import Playback
    from library.models import MediaKind, Photo

    stills = Photo.objects.filter(kind=MediaKind.PHOTO).values_list("pk", "taken_at", "sha256")
    motions = [
        Photo(sha256=f"f{sha256[1:]}", kind=MediaKind.VIDEO, original_name=f"IMG_{pk:06d}.mov", path=f"x/{pk}.mov",
              size=3_000_000, format="mov", mime_type="video/quicktime", width=1920, height=1440, duration=2.0,
              video_codecs="hevc yuv420p + aac", playback=Playback.RENDITION,
              **dating(taken_at + timedelta(seconds=1)), taken_at_source="container", import_session=session,
              shown_with_id=pk)
        for index, (pk, taken_at, sha256) in enumerate(stills.order_by("pk").iterator()) if index % every == 0
    ]
    Photo.objects.bulk_create(motions, batch_size=5000)


def best(fn):
    times = []
    for _ in range(TIMED_RUNS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(rows):
    import django

    django.setup()
    from django.contrib.auth.decorators import login_required
    from django.contrib.auth.models import User
    from django.db import connection
    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import path

    from library.models import Photo
    from library.services.timeline import Cursor

    generate(rows)
    User.objects.create_user("bench", password="bench")
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="bench"))
    deep = Photo.objects.gallery_tiles().order_by("-taken_on", "-taken_at", "-id")[int(rows * 0.9)]
    after = str(Cursor.of(deep))

    def get(url, status=200):
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        return response

    get("/")  # warm: templates compiled, connection open
    figures = {
        "rows": Photo.objects.count(),
        "page_size": get("/").content.decode().count("data-id="),
        "first_page": best(lambda: get("/")),
        "deep_page": best(lambda: client.get("/", {"after": after})),
        "fragment": best(lambda: client.get("/", {"after": after, "fragment": "1"})),
    }
    for label, size in [("queries_small", 60), ("queries_large", 240)]:
        with override_settings(PHOTOSITE_GALLERY_PAGE_SIZE=size), CaptureQueriesContext(connection) as queries:
            get("/")
        figures[label] = len(queries.captured_queries)
    empty = login_required(lambda request: HttpResponse("ok"))
    urls = type("urls", (), {"urlpatterns": [path("", empty)]})
    with override_settings(ROOT_URLCONF=urls):
        figures["floor"] = best(lambda: get("/"))
    print(json.dumps(figures))


def main():
    if sys.argv[1:2] == ["--measure"]:
        measure(int(sys.argv[2]))
        return 0
    from bench import run as harness

    return harness.main(["gallery", *sys.argv[1:]])


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photosite.settings")
    sys.exit(main())
