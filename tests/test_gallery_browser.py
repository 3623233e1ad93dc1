"""The gallery and the admin in a real browser (Playwright driving Debian's Chromium) against a
real uvicorn-served site: log in, day headings, tiles drawn as they scroll into view, the viewer and its keys, a
video that plays, and an admin action that moves a file to the trash. Screenshots land in
tests/.artifacts/ (gallery-*.png) for a person to look at."""
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

import factories
from browser import GRID_SETTLED, log_in, screenshot, signed_in_page, watched_context
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

PAGE_SIZE = 4
MEMBER_PASSWORD = "member-of-the-family"
# Sixty photos over five days (landscape and portrait): more than a screen and its look-ahead,
# so scrolling has tiles to draw; and one video on the newest day.
PHOTOS = [(datetime(2024, 5, day, hour), (640, 480) if hour % 3 else (480, 640))
          for day in (8, 9, 10, 11, 12) for hour in range(8, 20)]
VIDEO_TAKEN = "2024-05-12T21:00:00Z"
DAYS = ["Sunday 12 May 2024", "Saturday 11 May 2024", "Friday 10 May 2024", "Thursday 9 May 2024",
        "Wednesday 8 May 2024"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One live site for the module, with a small page size so that scrolling has pages to load."""
    root = tmp_path_factory.mktemp("gallery-site")
    media = root / "media"
    media.mkdir()
    for index, (taken, (width, height)) in enumerate(PHOTOS):
        factories.make_jpeg(media / f"IMG_{index}.jpg", width, height, taken=taken)
    factories.make_video(media / "clip.mp4", seconds=3, creation_time=VIDEO_TAKEN)
    extra_env = {"PHOTOSITE_GALLERY_PAGE_SIZE": str(PAGE_SIZE)}
    with running_site(root / "library", database_url="sqlite", extra_env=extra_env, imports=[media]) as site:
        yield site


@pytest.fixture
def page(browser, site):
    with signed_in_page(browser, site, viewport={"width": 1100, "height": 700}) as page:
        yield page


# Each tile has its photo's aspect ratio (portrait and landscape alike), within a pixel's rounding.
TILE_SHAPES_MATCH_THEIR_PHOTOS = """() => [...document.querySelectorAll(".tile")].every((tile) => {
    const image = tile.querySelector("img"), box = tile.getBoundingClientRect();
    return Math.abs(box.width / box.height - image.getAttribute("width") / image.getAttribute("height")) < 0.02;
})"""


def test_grid_has_day_headings_and_draws_tiles_as_they_come_into_view(page):
    # given the first screen
    page.wait_for_function(GRID_SETTLED)
    headings = page.locator("section.day h2")
    assert headings.first.inner_text() == "Sunday 12 May 2024"
    assert page.request.get("/").text().count("data-id=") == PAGE_SIZE  # the server's pages, for no script
    assert page.locator(".tile").count() < len(PHOTOS) + 1
    box = page.locator(".tile").first.bounding_box()
    assert box["width"] > 50 and box["height"] > 50  # sized before its picture arrives
    assert page.evaluate(TILE_SHAPES_MATCH_THEIR_PHOTOS)  # set by gallery.js, not a style attribute
    # when scrolling to the end, a little at a time
    seen, days = set(), []
    while True:
        seen |= set(page.locator(".tile").evaluate_all("(tiles) => tiles.map((tile) => tile.dataset.id)"))
        days += [day for day in headings.all_inner_texts() if day not in days]
        if page.evaluate("() => scrollY + innerHeight >= document.documentElement.scrollHeight - 1"):
            break
        page.mouse.wheel(0, 500)
        page.wait_for_function(GRID_SETTLED)
    # then every photo and the video were drawn, each day once, in order
    assert len(seen) == len(PHOTOS) + 1
    assert days == DAYS
    page.keyboard.press("Home")
    page.wait_for_function(GRID_SETTLED)
    assert page.locator(".tile[data-kind=video] .badge").inner_text() == "▶ 0:03"
    page.wait_for_function("() => [...document.images].every((image) => image.complete && image.naturalWidth > 0)")
    screenshot(page, "gallery-grid", full_page=False)


def test_the_page_carries_the_summary_and_the_newest_tiles_the_grid_starts_from(page):
    # given the gallery opened afresh, every request to the timeline API counted
    asked = []
    page.on("request", lambda request: "/api/timeline/" in request.url and asked.append(request.url))
    # when it draws its first screen
    page.goto("/")
    page.wait_for_function(GRID_SETTLED)
    # then it drew the newest tiles the page carries, and asked neither them nor the summary: of the
    # newest day, only the tiles after them (the page's PAGE_SIZE newest fill less than a screen)
    carried = page.evaluate("() => JSON.parse(document.getElementById('newest-tiles').textContent)")
    assert [tile["id"] for tile in carried["tiles"]] == page.locator("#gallery .tile").evaluate_all(
        f"(tiles) => tiles.slice(0, {PAGE_SIZE}).map((tile) => Number(tile.dataset.id))")
    assert not [url for url in asked if "/summary" in url or "from=9999-12-31" in url], asked
    newest_day = [url for url in asked if "from=2024-05-12" in url]
    assert newest_day and all(parse_qs(urlsplit(url).query)["after"] == [carried["next"]] for url in newest_day), asked
    screenshot(page, "gallery-newest-tiles-first", full_page=False)

def test_the_carried_tiles_know_their_hearts_so_the_grid_asks_only_about_the_others(page):
    # given the newest photo is the signed-in user's favourite
    page.wait_for_function(GRID_SETTLED)
    carried = page.evaluate("() => JSON.parse(document.getElementById('newest-tiles').textContent).tiles.map((tile) => tile.id)")
    newest = carried[0]
    csrf = page.locator("#zip-download input[name=csrfmiddlewaretoken]").get_attribute("value")
    set_favourite = "([csrf, id, favourite]) => window.photositeApi(csrf)('/api/favourites/', 'POST', { ids: [id], favourite })"
    page.evaluate(set_favourite, [csrf, newest, True])
    asked = []
    page.on("request", lambda request: "/api/favourites/?ids=" in request.url and asked.append(request.url))
    try:
        # when the gallery is opened again
        page.reload()
        page.wait_for_function(GRID_SETTLED)
        # then its tile shows the heart, and the hearts asked for are only those of tiles the page did not carry
        page.wait_for_function(f"""() => document.querySelector('.tile[data-id="{newest}"] .tile-heart')
                                       ?.getAttribute('aria-pressed') === 'true'""")
        screenshot(page, "gallery-carried-heart", full_page=False)
        asked_ids = {int(id) for url in asked for id in parse_qs(urlsplit(url).query)["ids"][0].split(",")}
        assert not asked_ids & set(carried), (asked, carried)
    finally:
        page.evaluate(set_favourite, [csrf, newest, False])


EVERY_IMAGE_SHOWN = "() => [...document.images].every((image) => image.complete && image.naturalWidth > 0)"
# Each script and style sheet the page loaded, from the browser's own record: whether its answer
# came from the browser's cache.
STATIC_LOADED = """() => performance.getEntriesByType("resource")
    .filter((entry) => entry.name.includes("/static/"))
    .map((entry) => ({ url: entry.name.replace(location.origin, ""),
                       cached: entry.transferSize === 0 && entry.decodedBodySize > 0 }))"""


def test_a_return_visit_takes_every_script_and_style_sheet_from_the_browser_s_cache(page):
    # given the gallery once
    page.wait_for_function(GRID_SETTLED)
    first = page.evaluate(STATIC_LOADED)
    # when it is opened again
    page.reload()
    page.wait_for_function(GRID_SETTLED)
    page.wait_for_function(EVERY_IMAGE_SHOWN)
    again = page.evaluate(STATIC_LOADED)
    screenshot(page, "gallery-return-visit", full_page=False)
    # then every script and style sheet the page names by its version came from the cache (the
    # grid's script, the first time, from the server)
    named = [entry for entry in again if "?v=" in entry["url"]]
    assert len(named) >= 8 and all(entry["cached"] for entry in named), named
    assert [entry["cached"] for entry in first if "/gallery.js?v=" in entry["url"]] == [False], first

def test_a_new_device_gets_its_first_screen_of_thumbnails_from_the_fast_path(browser, site, page):
    # given the gallery's first screen shown on one device, its thumbnails made and served by Django
    page.wait_for_function(GRID_SETTLED)
    page.wait_for_function(EVERY_IMAGE_SHOWN)
    shown = set(page.evaluate("() => [...document.images].map((image) => image.currentSrc)"))
    # when another device signs in (a session of its own) and opens the gallery
    context = watched_context(browser, base_url=site.base_url, viewport={"width": 1100, "height": 700})
    other = context.new_page()
    served_by = {}
    other.on("response", lambda response: response.url in shown
             and served_by.setdefault(response.url, response.headers.get("x-thumbnail-served-by")))
    log_in(other, site)
    other.wait_for_function(GRID_SETTLED)
    other.wait_for_function(EVERY_IMAGE_SHOWN)
    screenshot(other, "gallery-new-device", full_page=False)
    context.close()
    context.csp.assert_none()
    # then the gallery page taught the fast path its session: every one of those thumbnails came from it
    assert len(served_by) >= 8 and set(served_by.values()) == {"fast-path"}, served_by


def test_viewer_steps_with_the_keyboard_and_closes_with_escape(page):
    # given
    page.wait_for_function(GRID_SETTLED)
    tiles = page.locator(".tile")
    names = [tiles.nth(index).get_attribute("data-name") for index in range(3)]
    # when
    tiles.nth(1).click()
    # then
    viewer = page.locator("#viewer")
    assert viewer.is_visible()
    assert names[1] in page.locator(".viewer-caption").inner_text()
    page.wait_for_function("() => document.querySelector('#viewer img')?.naturalWidth > 0")
    screenshot(page, "gallery-viewer")
    page.keyboard.press("ArrowRight")
    assert names[2] in page.locator(".viewer-caption").inner_text()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert names[0] in page.locator(".viewer-caption").inner_text()
    assert page.locator(".viewer-download").get_attribute("href").endswith("/original?download=1")
    page.keyboard.press("Escape")
    assert not viewer.is_visible()


def test_a_video_plays_in_the_page_and_can_seek(page):
    # when
    page.locator(".tile[data-kind=video]").click()
    # then it plays, from the original, with Range requests behind the seeking
    page.wait_for_function("() => document.querySelector('#viewer video')?.currentTime > 0.3", timeout=15000)
    page.evaluate("document.querySelector('#viewer video').currentTime = 2.5")
    page.wait_for_function("() => document.querySelector('#viewer video').currentTime >= 2.5", timeout=15000)
    screenshot(page, "gallery-video")


ON_SCREEN_IMAGES_LOADED = """() => [...document.images]
    .filter((image) => image.getBoundingClientRect().top < innerHeight)
    .every((image) => image.complete && image.naturalWidth > 0)"""


def test_phone_sized_screen(browser, site, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_function(GRID_SETTLED)
    page.wait_for_function(ON_SCREEN_IMAGES_LOADED)
    widths = page.locator(".tile").evaluate_all("(tiles) => tiles.map((tile) => tile.getBoundingClientRect().right)")
    assert max(widths) <= 390
    screenshot(page, "gallery-phone", full_page=False)


def test_admin_delete_moves_the_file_to_the_trash(page, site):
    # given the admin list
    page.goto("/admin/library/photo/?q=IMG_0.jpg")
    page.wait_for_function(ON_SCREEN_IMAGES_LOADED)
    screenshot(page, "gallery-admin-list")
    photo_id = page.get_attribute("input[name=_selected_action]", "value")
    site.create_user("member", MEMBER_PASSWORD)
    member = site.client("member", MEMBER_PASSWORD)
    assert member.get(f"/photo/{photo_id}/").status_code == 200
    # when
    page.check("input[name=_selected_action]")
    page.select_option("select[name=action]", "trash_photos")
    page.click("button[name=index]")
    # then
    assert "1 item(s) moved to the trash" in page.locator(".messagelist").inner_text()
    trashed = list((site.root / ".trash").rglob("*.jpg"))
    assert len(trashed) == 1
    # and gone for everyone but the staff (photo_is_visible: the trash is for the staff's eyes)
    assert member.get(f"/photo/{photo_id}/").status_code == 404
    assert site.client().get(f"/photo/{photo_id}/").status_code == 200
