"""The gallery's first screen in Chromium (1440×900) on a library of a million files in
PostgreSQL whose newest photos, those the first screen shows, are real 12-megapixel JPEGs.

    .venv/bin/python bench/run.py firstscreen [--rows N] [--repeat N]

The library is filled once with bench/library_rows.py (COPY, ~45 s) into a database of its own
(PHOTOSITE_BENCH_POSTGRES, default the local server; database `firstscreen_bench`) and kept for
the next run (filled again when it holds another number of rows). The newest REAL_TILES tiles
become 4000×3000 JPEGs with EXIF, written where their rows say, their rows matching (a photo,
its size and shape). The real site serves it (tests/live_site.py: uvicorn as in production,
Redis as its cache), with no worker running.

Timed from the navigation's start, in a fresh browser context each time (no browser cache):
  - cold: no thumbnail made (their records and files removed), the cache emptied (the summary
    is counted anew);
  - warm: the same page again, every thumbnail and the summary cached;
  - a return visit: warm, loaded twice in one context and timed the second time, as a person
    opening the gallery again finds it (scripts, style sheets and thumbnails in the browser's cache);
  - warm after a pause: a fresh context once the fast path has forgotten the session (longer than
    PHOTOSITE_THUMBNAIL_FAST_PATH_TTL since it was last seen), as a new device finds the gallery:
    the page teaches the fast path the session again, and the thumbnails of the library's own
    storage are still known to it. The warm load above follows the cold one within seconds.
For each: when the screen is full of tiles (each drawn with its ThumbHash or its neutral box),
and when every tile on the screen has its real image (loaded, naturalWidth > 0); and the
server's time for the first requests (time to first byte of the page, which carries the summary
and the newest tiles; of the tiles the grid asks after those, and of the thumbnails).

The goals are absolute (the issue's), so two floors from the same run say what this machine
allows at the time: the page's first contentful paint (its header, before any script: the
server's page and the browser's start) for the screen of placeholders, and the screen's
thumbnails made by Pillow alone on the generation pool's threads for the cold screen's images.

Before the browser, the day summary itself, in this process through the test client: uncached
(counted and encoded), best of at least five, against its goal, with the part spent in the
database and this process's CPU time."""
import io
import os
import random
import shutil
import statistics
import sys
import time

import psycopg

from bench.run import REPO_ROOT, chromium_or_skip

sys.path.insert(0, str(REPO_ROOT / "tests"))

from browser import CHROMIUM_ARGS
from live_site import LiveSite

USES_CORPUS = False
SERVER = os.environ.get("PHOTOSITE_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = "firstscreen_bench"
REDIS_URL = os.environ.get("PHOTOSITE_BENCH_REDIS", "redis://127.0.0.1:6379/2")
REAL_TILES = 60
PHOTO_SIZE = (4000, 3000)
VIEWPORT = {"width": 1440, "height": 900}
PLACEHOLDERS_GOAL_MS = 300
TILES_GOAL_MS = 800
WARM_GOAL_MS = 300
SUMMARY_GOAL_MS = 20
WAIT_MS = 60_000

# Injected into every page before its own scripts: watches each frame for the screen full of
# tiles and for every tile on it showing its real image, as times since the navigation started.
WATCH_FIRST_SCREEN = """
window.firstScreen = { placeholders: null, images: null, tiles: 0, drawn: 0 };
(() => {
  const onScreen = (element) => {
    const box = element.getBoundingClientRect();
    return box.bottom > 0 && box.top < innerHeight && box.width > 0;
  };
  const watch = () => {
    const drawn = [...document.querySelectorAll("#gallery a.tile")];
    const tiles = drawn.filter(onScreen);
    const state = window.firstScreen;
    const grid = document.getElementById("gallery");
    const gridEnds = grid && grid.getBoundingClientRect().bottom <= innerHeight;
    if (state.placeholders === null && tiles.length
        && (gridEnds || Math.max(...tiles.map((tile) => tile.getBoundingClientRect().bottom)) >= innerHeight)) {
      state.placeholders = performance.now();
    }
    if (state.placeholders !== null && tiles.every((tile) => {
      const image = tile.querySelector("img");
      return image && image.complete && image.naturalWidth > 0;
    })) {
      state.images = performance.now();
      state.tiles = tiles.length;
      state.drawn = drawn.length;
      return;
    }
    requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
})();
"""

# The server's share of the first requests: time to first byte (request sent to first byte back).
SERVER_TIMES = r"""() => {
  const ttfb = (entry) => entry.responseStart - entry.requestStart;
  const resources = performance.getEntriesByType("resource");
  const named = (part) => resources.filter((entry) => entry.name.includes(part));
  return {
    page: ttfb(performance.getEntriesByType("navigation")[0]),
    // when the page was in and its scripts ran (DOMContentLoaded), and each question to the
    // timeline API's [asked at, answered at]: what the placeholders waited for, in turn or at once
    pageDone: performance.getEntriesByType("navigation")[0].responseEnd,
    scriptsRan: performance.getEntriesByType("navigation")[0].domContentLoadedEventStart,
    timeline: named("/api/timeline/").map((entry) => [entry.name.includes("/summary") ? "summary" : "tiles",
                                                       entry.startTime, entry.responseEnd]),
    summary: named("/api/timeline/summary").map(ttfb),
    tiles: named("/api/timeline/tiles").map(ttfb),
    thumbnails: named("/thumbnail").map(ttfb),
    thumbnailsDone: Math.max(0, ...named("/thumbnail").map((entry) => entry.responseEnd)),
    // [photo id, asked at, done at] of each thumbnail, in the order asked
    thumbnailTimes: named("/thumbnail").map((entry) => [Number(entry.name.match(/photo\/(\d+)\//)[1]),
                                                        entry.startTime, entry.responseEnd]),
  };
}"""


def run(corpus, report):
    report.section(f"First screen of a {report.rows:,}-file library in Chromium, {VIEWPORT['width']}×{VIEWPORT['height']}")
    executable = chromium_or_skip(report)
    if not executable:
        return
    from playwright.sync_api import sync_playwright

    root = the_million_library(report)
    real = make_first_screen_real(root)
    report.row("first-screen photos made real (4000×3000 JPEG)", len(real), "files")
    measure_summary(report)
    site = LiveSite(root, f"{SERVER}/{DATABASE}", extra_env={"REDIS_URL": REDIS_URL}).prepare()
    try:
        site.start_web()
        cookie = site.client().cookies["sessionid"]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            for attempt in range(report.repeat):
                forget_thumbnails(root, real)
                cold = first_screen(browser, site.base_url, cookie, f"cold-{attempt}")
                warm = first_screen(browser, site.base_url, cookie, f"warm-{attempt}")
                returning = first_screen(browser, site.base_url, cookie, f"returning-{attempt}", returning=True)
                paused = first_screen_after_a_pause(browser, site.base_url, cookie, f"paused-{attempt}")
                show_run(report, attempt, cold, warm, set(real))
                show_return(report, attempt, returning)
                show_paused(report, attempt, paused)
                floor = generation_floor(root, cold["on_screen"])
                report.row(f"run {attempt + 1} floor: the screen's {len(cold['on_screen'])} thumbnails made by Pillow alone",
                           floor * 1000, "ms")
                report.ratio(f"run {attempt + 1} cold: every tile real / floor", cold["images"], floor * 1000)
            browser.close()
    finally:
        site.stop()


def the_million_library(report):
    """The benches' library of `report.rows` files (this one's and bench_scrolling's), filled or
    kept, with Django set up on it in this process; its root."""
    root = REPO_ROOT / "bench" / ".work" / "firstscreen" / "library"
    root.mkdir(parents=True, exist_ok=True)
    configure_django(root)
    ensure_library(report)
    return root


def signed_in_context(browser, base_url, session_cookie):
    """A fresh browser context (no cache) at the benches' screen size, signed in."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_cookies([{"name": "sessionid", "value": session_cookie, "url": base_url}])
    return context


def configure_django(library_root):
    import django
    from django.conf import settings

    if settings.configured:
        raise RuntimeError("Django is already set up in this process: run `bench/run.py firstscreen` on its own")
    os.environ.update(DJANGO_SETTINGS_MODULE="photosite.settings", PHOTOSITE_LIBRARY_ROOT=str(library_root),
                      DATABASE_URL=f"{SERVER}/{DATABASE}",
                      PHOTOSITE_REMEMBERED_FILE=str(library_root.parent / "photosite.env"))
    os.environ.pop("REDIS_URL", None)  # this process counts the summary itself, uncached
    # Playwright's sync API keeps an event loop in this thread; the ORM calls between page loads
    # are the only ones then (as in tests/conftest.py).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()


def ensure_library(report):
    """The bench's database, migrated, holding `report.rows` files: kept from the last run, or filled."""
    from django.core.management import call_command
    from django.db import connection

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as server:
        if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            server.execute(f"CREATE DATABASE {DATABASE}")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM library_photo")
        held = cursor.fetchone()[0]
    if held == report.rows:
        report.row("library kept from the last run", held, "rows")
        return
    from bench import library_rows

    started = time.perf_counter()
    filled = library_rows.fill(report.rows)
    report.row(f"library filled ({filled.photos:,} files)", time.perf_counter() - started, "s")


def make_first_screen_real(root) -> list[int]:
    """The ids of the newest REAL_TILES tiles, each now a 12-MP JPEG on disk with its row saying so."""
    from library import paths
    from library.models import Photo
    from library.services.timeline import ORDER

    photos = list(Photo.objects.gallery_tiles().order_by(*ORDER)[:REAL_TILES])
    for number, photo in enumerate(photos):
        name = paths.photo_name(photo.taken_on, photo.sha256, "jpg")
        target = root / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(twelve_megapixel_jpeg(number, photo.camera_make, photo.camera_model))
        Photo.objects.filter(pk=photo.pk).update(
            kind="photo", path=name, format="jpeg", mime_type="image/jpeg", size=target.stat().st_size,
            width=PHOTO_SIZE[0], height=PHOTO_SIZE[1], orientation=1, duration=None, video_codecs="", playback="",
            embedded_video_offset=None, embedded_video_length=None)
    return [photo.pk for photo in photos]


def twelve_megapixel_jpeg(seed: int, make: str, model: str) -> bytes:
    """A 4000×3000 JPEG about as heavy to decode as a phone's (~3–4 MB at quality 90): broad
    shapes of colour with a sensor's grain, and the EXIF a camera writes."""
    from PIL import Image

    rng = random.Random(seed)
    bands = [Image.effect_noise((16, 12), rng.randint(40, 90)) for _ in range(3)]
    picture = Image.merge("RGB", bands).resize(PHOTO_SIZE, Image.Resampling.BICUBIC)
    grain = Image.effect_noise(PHOTO_SIZE, 25).convert("RGB")
    picture = Image.blend(picture, grain, 0.25)
    exif = Image.Exif()
    exif.update({0x010F: make or "Apple", 0x0110: model or "iPhone 15 Pro", 0x0112: 1,
                 0x0132: "2025:06:30 12:00:00"})
    data = io.BytesIO()
    picture.save(data, "JPEG", quality=90, exif=exif.tobytes())
    return data.getvalue()


def forget_thumbnails(root, photo_ids):
    """Cold: no thumbnail of the first screen made (records and files gone) and the cache empty."""
    import redis

    from library import paths
    from thumbnails.models import Rendition

    Rendition.objects.filter(photo_id__in=photo_ids).delete()
    shutil.rmtree(root / paths.THUMBNAILS_DIR, ignore_errors=True)
    redis.from_url(REDIS_URL).flushdb()


def first_screen(browser, base_url, session_cookie, name, returning=False) -> dict:
    """One load of the gallery in a fresh context (`returning`: its second, the browser's cache
    holding what the first kept): its first-screen times and the server's."""
    context = signed_in_context(browser, base_url, session_cookie)
    context.add_init_script(WATCH_FIRST_SCREEN)
    page = context.new_page()
    if returning:
        page.goto(base_url + "/")
        page.wait_for_function("() => window.firstScreen.images !== null", timeout=WAIT_MS)
    thumbnails, fast = [], []
    page.on("request", lambda request: "/thumbnail" in request.url and thumbnails.append(request.url))
    page.on("response", lambda response: "/thumbnail" in response.url
            and fast.append(response.headers.get("x-thumbnail-served-by") == "fast-path"))
    page.goto(base_url + "/")
    page.wait_for_function("() => window.firstScreen.images !== null", timeout=WAIT_MS)
    measured = page.evaluate("() => window.firstScreen")
    measured["server"] = page.evaluate(SERVER_TIMES)
    measured["first_paint"] = page.evaluate(
        """() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? 0""")
    measured["requested"] = thumbnails
    measured["fast_path"] = sum(fast)
    measured["on_screen"] = page.evaluate(
        """() => [...document.querySelectorAll("#gallery a.tile")].filter((tile) => {
             const box = tile.getBoundingClientRect(); return box.bottom > 0 && box.top < innerHeight;
           }).map((tile) => Number(tile.dataset.id))""")
    from browser import screenshot

    screenshot(page, f"bench-firstscreen-{name}", full_page=False)
    context.close()
    return measured


def first_screen_after_a_pause(browser, base_url, session_cookie, name) -> dict:
    """The warm load a person most often makes: a fresh browser (a new device, a cleared cache)
    once the session has not been seen for longer than the fast path trusts it
    (`PHOTOSITE_THUMBNAIL_FAST_PATH_TTL`). The other warm load follows the cold one within
    seconds."""
    from django.conf import settings

    time.sleep(settings.PHOTOSITE_THUMBNAIL_FAST_PATH_TTL + 1)
    return first_screen(browser, base_url, session_cookie, name)


def generation_floor(root, photo_ids) -> float:
    """Seconds to make the thumbnails of the tiles on the screen with Pillow alone, as the site
    makes them (a DCT-scaled decode, the resize, WebP) on as many threads as the site's
    generation pool, and nothing else: no server, no database, no browser."""
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings
    from PIL import Image

    from library.models import Photo
    from thumbnails.generators.encoding import WEBP_METHOD, WEBP_QUALITY, fitted_size
    from thumbnails.specs import DEFAULT_SIZE, ThumbnailSpec

    box = ThumbnailSpec.for_size(DEFAULT_SIZE, "webp").box
    sources = [root / path for path in Photo.objects.filter(pk__in=photo_ids).values_list("path", flat=True)]

    def make(source):
        with Image.open(source) as image:
            target = fitted_size(image.size, box)
            image.draft("RGB", target)
            small = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        small.save(io.BytesIO(), "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)

    with ThreadPoolExecutor(settings.PHOTOSITE_GENERATION_THREADS) as pool:
        started = time.perf_counter()
        list(pool.map(make, sources))
        return time.perf_counter() - started


def show_run(report, attempt, cold, warm, real):
    label = f"run {attempt + 1}"
    missing = [tile for tile in cold["on_screen"] if tile not in real]
    if missing:
        print(f"    {len(missing)} tiles on the screen are not real photos: raise REAL_TILES")
    report.row(f"{label}: load average (1 min) on this machine", os.getloadavg()[0])
    report.row(f"{label}: tiles on the screen / drawn / thumbnails asked", f"{cold['tiles']} / {cold['drawn']} / "
               f"{len(cold['requested'])}")
    report.limit(f"{label} cold: screen full of placeholders", cold["placeholders"], PLACEHOLDERS_GOAL_MS, "ms")
    report.limit(f"{label} cold: every tile on the screen real", cold["images"], TILES_GOAL_MS, "ms")
    report.limit(f"{label} warm: screen full of placeholders", warm["placeholders"], WARM_GOAL_MS, "ms")
    report.row(f"{label} warm: the page's first paint (its header; the floor)", warm["first_paint"], "ms")
    report.ratio(f"{label} warm: screen full of placeholders / first paint", warm["placeholders"], warm["first_paint"])
    report.limit(f"{label} warm: every tile on the screen real", warm["images"], WARM_GOAL_MS, "ms")
    for kind, measured in (("cold", cold), ("warm", warm)):
        server = measured["server"]
        thumbs = server["thumbnails"] or [0]
        asked = "".join(f", {name} {', '.join(f'{t:.0f}' for t in server[name])} ms" for name in ("summary", "tiles")
                        if server[name])
        print(f"    {kind} server: page {server['page']:.0f} ms{asked}, {len(server['thumbnails'])}"
              f" thumbnails {min(thumbs):.0f}–{max(thumbs):.0f} ms (median {statistics.median(thumbs):.0f}),"
              f" the last done at {server['thumbnailsDone']:.0f} ms", flush=True)
        print(f"    {kind}: page in at {server['pageDone']:.0f} ms, scripts ran at {server['scriptsRan']:.0f} ms; "
              + ", ".join(f"{name} {start:.0f}–{end:.0f} ms" for name, start, end in server["timeline"])
              + f"; placeholders at {measured['placeholders']:.0f} ms", flush=True)
        on_screen = set(measured["on_screen"])
        times = server["thumbnailTimes"]
        done = [end for photo, _, end in times if photo in on_screen]
        print(f"    {kind}: the screen's thumbnails asked {min(start for photo, start, _ in times if photo in on_screen):.0f}"
              f"–{max(start for photo, start, _ in times if photo in on_screen):.0f} ms, done {min(done):.0f}–{max(done):.0f} ms;"
              f" order done: {' '.join('S' if photo in on_screen else '.' for photo, _, _ in sorted(times, key=lambda t: t[2]))}",
              flush=True)


def show_return(report, attempt, returning):
    label = f"run {attempt + 1} warm, a return visit (scripts, styles and thumbnails in the browser's cache)"
    report.limit(f"{label}: screen full of placeholders", returning["placeholders"], WARM_GOAL_MS, "ms")
    report.limit(f"{label}: every tile on the screen real", returning["images"], WARM_GOAL_MS, "ms")
    server = returning["server"]
    print(f"    return visit: page in at {server['pageDone']:.0f} ms, first paint at {returning['first_paint']:.0f} ms,"
          f" scripts ran at {server['scriptsRan']:.0f} ms; "
          + ", ".join(f"{name} {start:.0f}–{end:.0f} ms" for name, start, end in server["timeline"]), flush=True)


def show_paused(report, attempt, paused):
    label = f"run {attempt + 1} warm, a fresh browser after a pause"
    report.limit(f"{label}: screen full of placeholders", paused["placeholders"], WARM_GOAL_MS, "ms")
    report.limit(f"{label}: every tile on the screen real", paused["images"], WARM_GOAL_MS, "ms")
    server = paused["server"]
    thumbs = server["thumbnails"] or [0]
    print(f"    after a pause: page in at {server['pageDone']:.0f} ms, scripts ran at {server['scriptsRan']:.0f} ms;"
          f" {len(server['thumbnails'])} thumbnails {min(thumbs):.0f}–{max(thumbs):.0f} ms (median"
          f" {statistics.median(thumbs):.0f}), {paused['fast_path']} of them from the fast path,"
          f" the last done at {server['thumbnailsDone']:.0f} ms", flush=True)


def measure_summary(report):
    """The summary of the whole library, counted and encoded anew each time (no shared cache in
    this process), best of at least five, and its queries' time in that run; and the least CPU
    time this process spent on one (a figure the machine's load shifts less)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user, _ = get_user_model().objects.get_or_create(username="firstscreen-bench", defaults={"is_superuser": True,
                                                                                            "is_staff": True})
    client = Client()
    client.force_login(user)
    runs = []
    for _ in range(max(5, report.repeat)):
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.thread_time()
            response = client.get("/api/timeline/summary")
            elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
        runs.append((elapsed, sum(float(query["time"]) for query in queries.captured_queries), len(response.content),
                     cpu))
    elapsed, in_database, size, _ = min(runs)
    days = len(response.json()["days"]) // 2
    report.row("summary: days with photos / bytes on the wire", f"{days:,} / {size:,}")
    report.row("summary: bytes per day", size / days, "B")
    report.row("summary: of which in the database", in_database * 1000, "ms")
    report.row("summary: this process's CPU (best)", min(run[3] for run in runs) * 1000, "ms")
    report.limit("summary, uncached, whole request", elapsed * 1000, SUMMARY_GOAL_MS, "ms")
