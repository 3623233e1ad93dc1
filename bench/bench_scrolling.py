"""Scrolling and scrubbing through a library of a million files in Chromium (1440×900): no
main-thread task over 50 ms of CPU, and the DOM bounded however far one goes.

    .venv/bin/python bench/run.py scrolling [--rows N]

The library is bench_firstscreen's (its database `firstscreen_bench`, filled once with
bench/library_rows.py and kept), served by the real site (tests/live_site.py) with no worker.
The rows have no files behind them: every thumbnail is answered by one small JPEG in the
browser, as in tests/test_timeline_browser.py, which checks the same rule at 20,000 rows in CI
(the grid is under test here, not the thumbnail pipeline).

The walk, after the page's load: 120 wheel steps of a screen and a half, a drag of the scrubber's handle down its whole
rail and back, ten clicks at random places on the rail, End, Home and 20 PageDowns, each step
waiting for the grid to settle. Reported, for each part: the longest main-thread task's CPU time (a trace's
`tdur`, the thread's own time: wall time on a shared machine counts other work too) and its wall
time as the Long Tasks API saw it, the most tiles the DOM held, and the height of the scroll
space (a layout taller than the grid's cap is paged: docs/gallery.md)."""
import io
import json
import random
import sys

from bench.run import REPO_ROOT, chromium_or_skip

sys.path.insert(0, str(REPO_ROOT / "tests"))

from bench.bench_firstscreen import DATABASE, REDIS_URL, SERVER, VIEWPORT, signed_in_context, the_million_library

from browser import (
    CHROMIUM_ARGS,
    GRID_SETTLED,
    TRACE_CATEGORIES,
    WATCH_LONG_TASKS,
    longest_task_cpu_ms,
    screenshot,
)
from live_site import LiveSite

USES_CORPUS = False
LONG_TASK_GOAL_MS = 50
TILES_GOAL = 500
WHEEL_STEPS = 120
RAIL_CLICKS = 10
PAGE_DOWNS = 20
TILE_COUNT = "() => document.querySelectorAll('#gallery .tile').length"


def run(corpus, report):
    report.section(f"Scrolling and scrubbing a {report.rows:,}-file library in Chromium, "
                   f"{VIEWPORT['width']}×{VIEWPORT['height']}")
    executable = chromium_or_skip(report)
    if not executable:
        return
    from playwright.sync_api import sync_playwright

    root = the_million_library(report)
    site = LiveSite(root, f"{SERVER}/{DATABASE}", extra_env={"REDIS_URL": REDIS_URL}).prepare()
    try:
        site.start_web()
        cookie = site.client().cookies["sessionid"]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            walked = walk(browser, site.base_url, cookie)
            browser.close()
    finally:
        site.stop()
    report.row("scroll space (the layout is paged above the cap)", walked["scroll_height"], "px")
    report.row("steps taken (wheel, scrubber, keys)", walked["steps"], "")
    report.row("most tiles in the DOM", walked["most_tiles"], "tiles")
    report.row("longest task the Long Tasks API saw (wall)", max(walked["long_tasks"], default=0), "ms")
    for part, cpu_ms in walked["longest_cpu_ms"].items():
        report.ratio(f"{part}: longest main-thread task's CPU / 50 ms", cpu_ms, LONG_TASK_GOAL_MS, goal=1.0)
    report.ratio("most tiles in the DOM / 500", walked["most_tiles"], TILES_GOAL, goal=1.0)


def walk(browser, base_url, session_cookie) -> dict:
    """The gallery walked through by wheel, scrubber and keys, each part traced on its own."""
    context = signed_in_context(browser, base_url, session_cookie)
    context.add_init_script(WATCH_LONG_TASKS)
    thumbnail = a_jpeg()
    context.route("**/thumbnail**", lambda route: route.fulfill(body=thumbnail, content_type="image/jpeg"))
    page = context.new_page()
    most, steps = 0, 0

    def settled():
        nonlocal most, steps
        page.wait_for_function(GRID_SETTLED, timeout=60_000)
        most = max(most, page.evaluate(TILE_COUNT))
        steps += 1

    def load():
        page.goto(base_url + "/")
        settled()

    def wheel():
        for _ in range(WHEEL_STEPS):
            page.mouse.wheel(0, VIEWPORT["height"] * 1.5)
            settled()

    def drag():
        rail = page.locator(".scrubber").bounding_box()
        x = rail["x"] + rail["width"] / 2
        page.mouse.move(x, rail["y"] + 2)
        page.mouse.down()
        page.mouse.move(x, rail["y"] + rail["height"] - 2, steps=40)
        page.mouse.move(x, rail["y"] + 2, steps=40)
        page.mouse.up()
        settled()

    def clicks():
        rail = page.locator(".scrubber").bounding_box()
        places = random.Random(7)
        for _ in range(RAIL_CLICKS):
            page.mouse.click(rail["x"] + rail["width"] / 2, rail["y"] + places.random() * rail["height"])
            settled()

    def keys():
        for key in ["End", "Home"] + ["PageDown"] * PAGE_DOWNS:
            page.keyboard.press(key)
            settled()

    longest = {}
    for name, part in [("the page's load", load), ("wheel", wheel), ("scrubber dragged", drag),
                       ("scrubber clicked", clicks), ("End, Home, PageDown", keys)]:
        browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
        part()
        longest[name] = longest_task_cpu_ms(json.loads(browser.stop_tracing()))
    screenshot(page, "bench-scrolling", full_page=False)
    walked = {"steps": steps, "most_tiles": most, "longest_cpu_ms": longest,
              "long_tasks": page.evaluate("() => window.photositeLongTasks"),
              "scroll_height": page.evaluate("() => document.documentElement.scrollHeight")}
    context.close()
    return walked


def a_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 150, 180)).save(buffer, "JPEG")
    return buffer.getvalue()
