"""The virtualized grid in Chromium over a library of 20,000 rows: the DOM stays small however far
one scrolls, the scrubber lands on the day it shows, PageDown/End/Home move through it, sparse days
share a row under their own labels, nothing on screen moves when tiles above it arrive, and no
task holds the main thread for more than CI_TASK_CPU_MS of CPU; the screen's images are asked before those drawn
below it. The rows have no files: their thumbnails are
answered by one small JPEG (the grid is under test, not the thumbnail pipeline)."""
import io
import json
import re
from contextlib import contextmanager
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image

from browser import GRID_SCREEN_FILLED as SCREEN_FILLED
from browser import GRID_SETTLED as SETTLED
from browser import TRACE_CATEGORIES, WATCH_LONG_TASKS, longest_task_cpu_ms, screenshot, signed_in_page
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

ROWS = 20_000
# 20,000 rows over about six years: 16 photos a day on most days, and runs of days with one or two.
MAKE_ROWS = """
from datetime import datetime, timedelta, UTC
from library.models import Photo
rows, start, index = [], datetime(2024, 6, 30, 12, tzinfo=UTC), 0
day = 0
while index < {rows}:
    per_day = 1 + day % 2 if (day // 5) % 4 == 3 else 16
    for hour in range(per_day):
        taken = start - timedelta(days=day) - timedelta(minutes=20 * hour)
        wide = (index % 5) != 0
        rows.append(Photo(sha256=f"{{index:064x}}", kind="photo", original_name=f"IMG_{{index}}.jpg",
                          path=f"x/{{index}}.jpg", size=1, format="jpeg", mime_type="image/jpeg",
                          width=4000 if wide else 3000, height=3000 if wide else 4000, taken_at=taken,
                          taken_at_offset=0, taken_on=taken.date(), taken_at_source="exif"))
        index += 1
        if index == {rows}:
            break
    day += 1
Photo.objects.bulk_create(rows, batch_size=2000)
"""
# The most CPU one main-thread task may take here. The goal is 50 ms (judged on a million photos by
# bench/run.py scrolling); CI runs two test passes and their browsers on two cores, where a frame's
# CPU time grows with the cores' contention (one read 50.2 ms there): a frame twice the goal is a
# regression whatever the load.
CI_TASK_CPU_MS = 100
# The scaled tests' scroll space: a sixth or so of the 20,000 rows' layout.
SCALED_CAP = 100_000
GRID_READY = "() => document.querySelectorAll('#gallery .tile.loaded').length > 0"
TILE_COUNT = "() => document.querySelectorAll('#gallery .tile').length"
# The days (YYYY-MM-DD) of the tiles on screen, top to bottom.
DAYS_ON_SCREEN = """() => [...document.querySelectorAll('#gallery .tile')]
  .map((tile) => [tile.getBoundingClientRect(), window.photositeGrid.tile(tile.dataset.id).day])
  .filter(([box]) => box.bottom > 0 && box.top < innerHeight)
  .sort(([a], [b]) => a.top - b.top).map(([, day]) => day)"""
# Where the section or label of day `day` starts, in the viewport.
DAY_TOP = """(day) => {
  const label = document.querySelector(`#gallery .day-label[data-day="${day}"]`)
    || document.querySelector(`#gallery section.day[data-day="${day}"]:not(.days-pack)`);
  return label && label.getBoundingClientRect().top;
}"""


def a_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 150, 180)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("timeline-site")
    with running_site(root / "library", database_url="sqlite") as site:
        site.manage("shell", "-c", MAKE_ROWS.format(rows=ROWS))
        yield site


@pytest.fixture
def page(browser, site):
    """The gallery at 1440×900; afterwards, no task may have held the main thread for over CI_TASK_CPU_MS."""
    with gallery_page(browser, site) as page:
        yield page


@pytest.fixture
def scaled_page(browser, site):
    """The same gallery in a scroll space capped at SCALED_CAP pixels, far below its layout's height
    (the cap a browser needs at a million photos, lowered by the test)."""
    with gallery_page(browser, site, max_scroll=SCALED_CAP) as page:
        yield page


@pytest.fixture(params=["plain", "scaled"])
def either_page(request, browser, site):
    """For what must hold alike in a plain and a scaled scroll space."""
    with gallery_page(browser, site, max_scroll=SCALED_CAP if request.param == "scaled" else None) as page:
        yield page


@contextmanager
def gallery_page(browser, site, max_scroll=None):
    with signed_in_page(browser, site, viewport={"width": 1440, "height": 900}) as page:
        thumbnail = a_jpeg()
        page.context.route("**/thumbnail**", lambda route: route.fulfill(body=thumbnail, content_type="image/jpeg"))
        if max_scroll:
            page.context.route("**/gallery.css?*", lambda route: capped_stylesheet(route, max_scroll))
        page.context.add_init_script(WATCH_LONG_TASKS)
        page.reload()
        page.wait_for_function(GRID_READY)
        browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
        yield page
        trace = json.loads(browser.stop_tracing())
        long_tasks = page.evaluate("() => window.photositeLongTasks")
    cpu = longest_task_cpu_ms(trace)
    assert long_tasks == [] or cpu <= CI_TASK_CPU_MS, f"long tasks of {long_tasks} ms; the longest used the CPU {cpu} ms"


def capped_stylesheet(route, max_scroll):
    """The grid's stylesheet as served, with its scroll space capped at `max_scroll` pixels."""
    response = route.fetch()
    route.fulfill(response=response, body=response.text() + f"\n#gallery {{ --max-scroll: {max_scroll}px; }}\n")


def test_the_long_task_measure_sees_a_busy_main_thread(browser):
    # given a page whose button gives the main thread a fixed sum to work out (~130 ms of CPU here,
    # however busy the machine: a loop timed by the clock would count other processes' turns)
    page = browser.new_page()
    page.set_content("<button onclick='let x = 0; for (let i = 0; i < 1e8; i++) x += i % 7; document.title = x'>busy</button>")
    browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
    # when it is clicked
    page.click("button")
    trace = json.loads(browser.stop_tracing())
    page.close()
    # then the trace holds a task of its CPU time (a measure that found no task would pass every grid)
    assert longest_task_cpu_ms(trace) > 30


def summary_days(site):
    numbers = site.client().get("/api/timeline/summary").json()["days"]
    days, number = [], None
    for index in range(0, len(numbers), 2):
        number = numbers[index] if number is None else number - numbers[index]
        days.append((date.fromordinal(date(1970, 1, 1).toordinal() + number), numbers[index + 1]))
    return days


def test_the_dom_stays_small_however_far_one_scrolls(page):
    # when scrolling through a sixth of the library, a screen at a time, and jumping to its end
    most = 0
    for _ in range(40):
        page.mouse.wheel(0, 2500)
        page.wait_for_function(SETTLED)
        most = max(most, page.evaluate(TILE_COUNT))
    page.keyboard.press("End")
    page.wait_for_function(SETTLED)
    most = max(most, page.evaluate(TILE_COUNT))
    # then
    assert 0 < most <= 500


def test_the_scrubber_lands_on_the_day_it_shows(page):
    # given the scrubber's rail
    rail = page.locator(".scrubber").bounding_box()
    x = rail["x"] + rail["width"] / 2
    # when dragging down it and letting go two thirds of the way
    page.mouse.move(x, rail["y"] + 10)
    page.mouse.down()
    page.mouse.move(x, rail["y"] + rail["height"] * 2 / 3, steps=8)
    shown = page.locator(".scrubber-date")
    assert shown.is_visible()
    label, day = shown.inner_text(), shown.get_attribute("data-day")
    page.mouse.up()
    page.wait_for_function(SETTLED)
    # then the day shown is the first on screen, its heading at the top
    screenshot(page, "timeline-scrubbed", full_page=False)
    assert page.evaluate(DAYS_ON_SCREEN)[0] == day
    assert abs(page.evaluate(DAY_TOP, day)) <= 2
    assert label.endswith(day[:4])


def test_page_down_end_and_home(page, site):
    # given
    days = summary_days(site)
    # when / then
    page.keyboard.press("PageDown")
    page.wait_for_function(SETTLED)
    assert page.evaluate("() => scrollY") >= 0.85 * page.viewport_size["height"]
    page.keyboard.press("End")
    page.wait_for_function(f"() => ({DAYS_ON_SCREEN})().includes('{days[-1][0]}')")
    page.keyboard.press("Home")
    page.wait_for_function(SETTLED)
    assert page.evaluate(DAYS_ON_SCREEN)[0] == days[0][0].isoformat()
    assert page.evaluate("() => scrollY") == 0


def test_sparse_days_share_a_row_under_their_own_labels(page):
    # when scrolling to the first run of days with one or two photos
    while not page.locator("#gallery .days-pack .day-label").count():
        page.keyboard.press("PageDown")
        page.wait_for_function(SETTLED)
    pack = page.locator("#gallery .days-pack").first
    pack.scroll_into_view_if_needed()
    page.wait_for_function(SETTLED)
    # then several days sit side by side on one line, each under its label, and a full day keeps its heading
    tops = pack.locator(".day-label").evaluate_all("(labels) => labels.map((label) => label.getBoundingClientRect().top)")
    assert len(tops) >= 2 and tops[0] == tops[1]
    assert pack.locator(".day-label").first.inner_text() != ""
    assert page.locator("#gallery section.day:not(.days-pack) h2").count() >= 1
    screenshot(page, "timeline-sparse-days", full_page=False)


def test_nothing_on_screen_moves_when_the_tiles_above_it_arrive(either_page):
    page = either_page
    # given the requests for days newer than where the scrubber lands held back
    landing, held = {"day": None}, []

    def hold_newer_days(route):
        oldest_asked = parse_qs(urlparse(route.request.url).query)["to"][0]
        if landing["day"] and oldest_asked <= landing["day"]:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/timeline/tiles?*", hold_newer_days)
    rail = page.locator(".scrubber").bounding_box()
    page.mouse.click(rail["x"] + rail["width"] / 2, rail["y"] + rail["height"] / 2)
    landing["day"] = page.locator(".scrubber-date").get_attribute("data-day")
    for route in [route for route in held if parse_qs(urlparse(route.request.url).query)["to"][0] <= landing["day"]]:
        held.remove(route)
        route.continue_()
    page.wait_for_function(SCREEN_FILLED)
    assert held, "days above the landing place were asked for"
    tile = page.evaluate("""(day) => [...document.querySelectorAll('#gallery .tile')]
        .find((tile) => window.photositeGrid.tile(tile.dataset.id).day === day).dataset.id""", landing["day"])
    where = f"() => document.querySelector('#gallery .tile[data-id=\"{tile}\"]').getBoundingClientRect().top"
    before, scrolled = page.evaluate(where), page.evaluate("() => scrollY")
    # when the tiles above arrive (the estimate of their height was not exact)
    landing["day"] = "9999-12-31"
    while held:
        held.pop().continue_()
    page.wait_for_function(SETTLED)
    page.wait_for_function("() => document.querySelectorAll('#gallery .day.pending').length === 0")
    # then the tile is where it was on screen, though the page above it changed height
    assert abs(page.evaluate(where) - before) <= 1
    assert page.evaluate("() => scrollY") != scrolled


def test_the_grid_answers_its_contract(page):
    # given the newest tile
    first = page.evaluate("() => Number(document.querySelector('#gallery .tile').dataset.id)")
    # when asking the grid for tiles further on, back, between and before the first
    answer = page.evaluate("""async (first) => {
        const grid = window.photositeGrid;
        const far = await grid.neighbour(first, 40);
        return {tile: grid.tile(first), far, back: (await grid.neighbour(far.id, -40)).id,
                between: await grid.idsBetween(far.id, first), before: await grid.neighbour(first, -1)};
    }""", first)
    # then
    assert set(answer["tile"]) >= {"id", "kind", "name", "time", "day", "width", "height", "thumbnail", "preview",
                                   "original", "play", "moment", "motion", "raw", "placeholder", "favourite"}
    assert answer["far"]["day"] < answer["tile"]["day"]  # 40 tiles on is days later
    assert answer["back"] == first and answer["before"] is None
    assert len(answer["between"]) == 41 and answer["between"][0] == first
    assert answer["between"][-1] == answer["far"]["id"]
    # and a plain click is announced as photosite:open, which the viewer answers
    page.evaluate("() => { window.opened = []; document.addEventListener('photosite:open', (e) => window.opened.push(e.detail.id)); }")
    page.locator(f"#gallery .tile[data-id='{first}']").click()
    assert page.evaluate("() => window.opened") == [first]
    assert page.locator("#viewer").is_visible()
    page.keyboard.press("Escape")


def test_a_photos_own_page_steps_and_closes_where_the_grid_has_not_loaded_yet(either_page, site):
    page = either_page
    # given a photo half-way through the library, far below the tiles the grid loads at its top
    days = summary_days(site)
    day = next(day for day, count in days[len(days) // 2:] if count == 16)
    tiles = site.client().get(f"/api/timeline/tiles?from={day}&to={day}").json()["tiles"]
    photo, after = tiles[7]["id"], tiles[8]["id"]
    viewer_on = "(id) => document.querySelector('#viewer').matches(':modal') && document.querySelector('#viewer').dataset.photoId === id"
    # when its address is opened
    page.goto(f"/photo/{photo}/")
    # then the viewer shows it, and steps on to the photo after it in the grid's order
    page.wait_for_function(viewer_on, arg=str(photo))
    page.keyboard.press("ArrowRight")
    page.wait_for_function(viewer_on, arg=str(after))
    page.wait_for_url(f"{site.base_url}/photo/{after}/")
    # and closing leaves the gallery with that tile on screen and focused
    page.keyboard.press("Escape")
    page.wait_for_function("(id) => document.activeElement?.matches(`#gallery .tile[data-id='${id}']`)", arg=str(after))
    box = page.locator(f"#gallery .tile[data-id='{after}']").bounding_box()
    page.wait_for_url(f"{site.base_url}/")
    assert box["y"] >= 0 and box["y"] + box["height"] <= 900


# The ThumbHash of a 64×48 picture, red on its left half and blue on its right (made by
# thumbnails/generators/thumbhash.py of the `thumbhash` branch).
RED_AND_BLUE = "laYCpZpJTHaLiIiFiLiIgI+I+Ih4"


def test_a_placeholder_is_drawn_from_its_thumbhash(page):
    # when
    drawn = page.evaluate("""(hash) => {
        const canvas = document.createElement('canvas');
        const ok = window.photositePlaceholder.draw(canvas, hash);
        const pixel = (x) => [...canvas.getContext('2d').getImageData(x, canvas.height / 2, 1, 1).data];
        return {ok, width: canvas.width, height: canvas.height, left: pixel(2), right: pixel(canvas.width - 3),
                refused: window.photositePlaceholder.draw(document.createElement('canvas'), 'not base64!')};
    }""", RED_AND_BLUE)
    # then
    assert drawn["ok"] and not drawn["refused"]
    assert drawn["width"] == 32 and 22 <= drawn["height"] <= 24  # a ThumbHash keeps the shape roughly
    (red, _, blue, _), (red_right, _, blue_right, _) = drawn["left"], drawn["right"]
    assert red > 2 * blue and blue_right > 2 * red_right


def test_tiles_show_their_colour_at_once_and_their_placeholder_in_the_next_frames(page):
    # given tiles that carry a ThumbHash (those the page carries, and those asked after) and
    # thumbnails that never arrive
    def with_placeholders(tiles):
        for tile in tiles["tiles"]:
            tile["placeholder"] = RED_AND_BLUE
        return tiles

    def tiles_with_placeholders(route):
        answer = route.fetch()
        route.fulfill(response=answer, json=with_placeholders(answer.json()))

    def page_with_placeholders(route):
        answer = route.fetch()
        carried = re.compile(r'(<script id="newest-tiles" type="application/json">)(.*?)(</script>)', re.S)
        body = carried.sub(lambda found: found[1] + json.dumps(with_placeholders(json.loads(found[2]))).replace(
            "<", "\\u003C") + found[3], answer.text())
        route.fulfill(response=answer, body=body)
    page.route("**/api/timeline/tiles**", tiles_with_placeholders)
    page.route(lambda url: urlparse(url).path == "/", page_with_placeholders)
    page.route("**/thumbnail**", lambda route: route.abort())
    # when the gallery is drawn
    page.reload()
    page.wait_for_function(SETTLED)
    # then every tile on the screen is painted in the hash's average colour, and soon holds its
    # drawn placeholder (a few a frame, so that no frame is spent making them all)
    page.wait_for_function("""() => {
        const tiles = [...document.querySelectorAll('#gallery .tile')].filter((tile) => {
            const box = tile.getBoundingClientRect(); return box.bottom > 0 && box.top < innerHeight; });
        return tiles.length > 0 && tiles.every((tile) => tile.style.backgroundColor
                                                          && tile.querySelector('canvas.placeholder'));
    }""")
    screenshot(page, "timeline-placeholders", full_page=False)
    colour = page.evaluate("() => document.querySelector('#gallery .tile').style.backgroundColor")
    red, green, blue = (int(part) for part in colour[colour.index("(") + 1:-1].split(","))
    assert min(red, blue) > green + 30  # red and blue halves: a purple average


def test_the_images_on_the_screen_are_asked_before_those_drawn_below_it(page):
    # when the grid has drawn its first screen and the tiles just below it
    page.wait_for_function(SETTLED)
    tiles = page.evaluate("""() => [...document.querySelectorAll('#gallery .tile')].map((tile) => {
        const box = tile.getBoundingClientRect();
        return [box.top < innerHeight && box.bottom > 0, tile.querySelector('img').fetchPriority];
    })""")
    # then the screen's images ask with a high priority, the others with a low one
    assert {priority for on_screen, priority in tiles if on_screen} == {"high"}
    assert {priority for on_screen, priority in tiles if not on_screen} == {"low"}


def test_phone_sized_screen(browser, site):
    with signed_in_page(browser, site, viewport={"width": 390, "height": 844}) as page:
        thumbnail = a_jpeg()
        page.context.route("**/thumbnail**", lambda route: route.fulfill(body=thumbnail, content_type="image/jpeg"))
        page.reload()
        page.wait_for_function(SETTLED)
        right = page.locator("#gallery .tile").evaluate_all("(tiles) => Math.max(...tiles.map((tile) => tile.getBoundingClientRect().right))")
        assert right <= 390 - page.locator(".scrubber").bounding_box()["width"] + 1
        screenshot(page, "timeline-phone", full_page=False)
        page.keyboard.press("PageDown")
        page.wait_for_function(SETTLED)
        screenshot(page, "timeline-phone-scrolled", full_page=False)


# The on-screen top of the tile with id `id` (null when it is not in the page).
TILE_TOP = "(id) => document.querySelector(`#gallery .tile[data-id='${id}']`)?.getBoundingClientRect().top ?? null"
# Sets `window.scrollEnded` once the next scroll, however it is animated, has come to rest.
AWAIT_SCROLL_END = """() => { window.scrollEnded = false;
  addEventListener('scrollend', () => { window.scrollEnded = true; }, { once: true }); }"""
# A tile in the lower half of the screen: the one to follow while scrolling down.
LOWER_TILE = """() => [...document.querySelectorAll('#gallery .tile')]
  .find((tile) => { const top = tile.getBoundingClientRect().top; return top > innerHeight / 2 && top < innerHeight * 0.8; })
  ?.dataset.id"""


def test_a_layout_taller_than_the_cap_is_scrolled_in_a_capped_space(scaled_page, site):
    # given a layout far taller than the scroll space
    page, days = scaled_page, summary_days(site)
    heights = page.evaluate("() => [document.querySelector('#gallery').offsetHeight, document.documentElement.scrollHeight]")
    assert heights[0] == SCALED_CAP and heights[1] < SCALED_CAP + 2000
    # when pressing End, then Home
    page.keyboard.press("End")
    page.wait_for_function(f"() => ({DAYS_ON_SCREEN})().includes('{days[-1][0]}')")
    page.wait_for_function(SETTLED)
    screenshot(page, "timeline-scaled-end", full_page=False)
    # then the end shows the oldest day, its last tiles above the screen's bottom
    bottom = page.locator("#gallery .tile").evaluate_all("(tiles) => Math.max(...tiles.map((tile) => tile.getBoundingClientRect().bottom))")
    assert bottom <= 900
    page.keyboard.press("Home")
    page.wait_for_function(SETTLED)
    assert page.evaluate(DAYS_ON_SCREEN)[0] == days[0][0].isoformat()
    assert page.evaluate("() => scrollY") == 0


def test_the_scrubber_lands_on_its_day_in_a_scaled_space(scaled_page):
    # given
    page = scaled_page
    rail = page.locator(".scrubber").bounding_box()
    x = rail["x"] + rail["width"] / 2
    # when dragging three quarters of the way down the rail
    page.mouse.move(x, rail["y"] + 10)
    page.mouse.down()
    page.mouse.move(x, rail["y"] + rail["height"] * 3 / 4, steps=8)
    day = page.locator(".scrubber-date").get_attribute("data-day")
    page.mouse.up()
    page.wait_for_function(SETTLED)
    # then that day is at the top of the screen, though the scroll position is nowhere near its layout top
    screenshot(page, "timeline-scaled-scrubbed", full_page=False)
    assert page.evaluate(DAYS_ON_SCREEN)[0] == day
    assert abs(page.evaluate(DAY_TOP, day)) <= 2
    assert page.evaluate("() => scrollY") < SCALED_CAP


def test_wheel_scrolling_moves_the_grid_one_to_one_across_pages_of_a_scaled_space(scaled_page):
    # given
    page = scaled_page
    page.wait_for_function(SETTLED)
    turned = False
    # when scrolling down by the wheel, far enough to cross several pages of the scroll space
    for _ in range(30):
        tile = page.evaluate(LOWER_TILE)
        before, scrolled = page.evaluate(TILE_TOP, tile), page.evaluate("() => scrollY")
        page.evaluate(AWAIT_SCROLL_END)
        page.mouse.wheel(0, 300)
        page.wait_for_function("() => window.scrollEnded")
        page.wait_for_function(SETTLED)
        # then each tile moved up as far as the wheel asked, no more, no less
        assert abs(page.evaluate(TILE_TOP, tile) - (before - 300)) <= 1
        turned |= page.evaluate("() => scrollY") < scrolled
    # and the scroll position went back at least once (a new page) while the grid went on down
    assert turned
