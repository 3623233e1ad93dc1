"""The viewer in a real browser (Debian's Chromium) against the real uvicorn-served site: each
photo has its address (opening pushes /photo/<id>/, Back closes, the address opens the same photo
in a fresh page and closing it leaves the gallery), the info panel, the keys' overlay, a favourite
toggled, a swipe on a phone, and a click that zooms and a drag that
pans. Screenshots: tests/.artifacts/viewer-*.png."""
from datetime import datetime, timedelta

import pytest

import factories
from browser import GRID_SETTLED, screenshot, signed_in_page
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

TAKEN = datetime(2024, 5, 1, 10, 0)
# Modal: opened by viewer.js (a photo's own page arrives with the dialog open, not modal, for a
# browser without JavaScript).
VIEWER_ON = "(id) => document.querySelector('#viewer').matches(':modal') && document.querySelector('#viewer').dataset.photoId === id"
PICTURE_SHOWN = "() => document.querySelector('#viewer .viewer-stage img')?.naturalWidth > 0"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Six photos from one camera, a minute apart, with their exposure and lens in EXIF; and a
    video the day before (the last tile)."""
    root = tmp_path_factory.mktemp("viewer-site")
    media = root / "media"
    media.mkdir()
    for index in range(6):
        factories.make_jpeg(media / f"IMG_{index}.jpg", 2400, 1600, taken=TAKEN + timedelta(minutes=index),
                            offset="+02:00", make="Apple", model="iPhone 13", exposure=factories.exposure_exif(),
                            gps=factories.gps_exif(43.463, 11.88, altitude=250))
    factories.make_video(media / "clip.mp4", seconds=3, creation_time="2024-04-30T10:00:00Z")
    with running_site(root / "library", database_url="sqlite", imports=[media]) as site:
        yield site


@pytest.fixture
def page(browser, site):
    with signed_in_page(browser, site, viewport={"width": 1100, "height": 700}) as page:
        yield page


def tile_ids(page):
    """The tiles' ids in grid order, once the grid has drawn them (the library fits on a screen)."""
    page.wait_for_function(GRID_SETTLED)
    return page.locator(".tile").evaluate_all("(tiles) => tiles.map((tile) => tile.dataset.id)")


def test_opening_a_photo_gives_it_its_address_and_back_closes_it(page, site):
    # given
    ids = tile_ids(page)
    # when
    page.locator(".tile").nth(1).click()
    # then
    page.wait_for_url(f"{site.base_url}/photo/{ids[1]}/")
    page.wait_for_function(VIEWER_ON, arg=ids[1])
    # and stepping keeps the address in step (without adding history entries)
    page.keyboard.press("ArrowRight")
    page.wait_for_url(f"{site.base_url}/photo/{ids[2]}/")
    # when
    page.go_back()
    # then
    page.wait_for_function("() => !document.querySelector('#viewer').open")
    assert page.url == f"{site.base_url}/"


def test_an_address_opens_its_photo_in_a_fresh_page_and_closing_leaves_the_gallery_there(page, site):
    # given
    ids = tile_ids(page)
    # when
    page.goto(f"/photo/{ids[3]}/")
    # then
    page.wait_for_function(VIEWER_ON, arg=ids[3])
    page.wait_for_function(PICTURE_SHOWN)
    assert page.locator(".viewer-caption").inner_text() == "IMG_2.jpg · Wednesday 1 May 2024, 10:02"
    assert page.locator(".viewer-fallback").count() == 0
    screenshot(page, "viewer-photo-address")
    # when
    page.keyboard.press("Escape")
    # then the gallery, with that photo's tile in view and focused
    page.wait_for_function("() => !document.querySelector('#viewer').open")
    page.wait_for_url(f"{site.base_url}/")  # the dialog's close event, a task after Escape, sets the address
    page.wait_for_function("(id) => document.activeElement?.matches(`#gallery .tile[data-id='${id}']`)", arg=ids[3])
    box = page.locator(f".tile[data-id='{ids[3]}']").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 700
    # and the previous photo is there to step to
    page.goto(f"/photo/{ids[3]}/")
    page.wait_for_function(VIEWER_ON, arg=ids[3])
    page.keyboard.press("ArrowRight")
    page.wait_for_function(VIEWER_ON, arg=ids[4])


def test_i_shows_the_camera_and_its_exposure(page):
    # given
    page.locator(".tile").first.click()
    page.wait_for_function(PICTURE_SHOWN)
    # when
    page.keyboard.press("i")
    # then
    info = page.locator(".viewer-info")
    info.locator("[data-fact=exposure]").wait_for()
    assert info.locator("[data-fact=camera]").inner_text() == "Apple iPhone 13"
    assert info.locator("[data-fact=exposure]").inner_text() == "f/1.8 · 1/250 s · ISO 200 · 4.2 mm (26 mm in 35 mm terms)"
    assert info.locator("[data-fact=lens]").inner_text() == "Apple iPhone 13 back camera 4.2mm f/1.8"
    assert info.locator("[data-fact=taken]").inner_text() == "Wednesday 1 May 2024, 10:05:00 (UTC+02:00, Europe/Rome)"
    assert info.locator("[data-fact=size]").inner_text() == "2400 × 1600 (3.8 MP)"
    assert info.locator("[data-fact=coordinates]").inner_text() == "43.46300° N, 11.88000° E, 250 m"
    assert "Ital" in info.locator("[data-fact=place]").inner_text()
    screenshot(page, "viewer-info")
    # and it follows the photo shown, and hides again
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('[data-fact=name]')?.textContent === 'IMG_4.jpg'")
    page.keyboard.press("i")
    assert info.is_hidden()


def test_question_mark_lists_the_keys(page):
    # given
    page.locator(".tile").first.click()
    # when
    page.keyboard.press("?")
    # then
    keys = page.locator(".viewer-keys")
    assert keys.is_visible()
    assert keys.locator("kbd").all_inner_texts() == ["←", "→", "Esc", "i", "f", "Space", "x", "?"]
    screenshot(page, "viewer-keys")
    page.keyboard.press("?")
    assert keys.is_hidden()


def test_space_pauses_and_plays_a_video(page):
    # given a video playing
    page.locator(".tile[data-kind=video]").click()
    page.wait_for_function("() => document.querySelector('#viewer video')?.currentTime > 0.3", timeout=15000)
    # when / then
    page.keyboard.press("Space")
    page.wait_for_function("() => document.querySelector('#viewer video').paused")
    page.keyboard.press("Space")
    page.wait_for_function("() => !document.querySelector('#viewer video').paused")


def test_f_toggles_the_favourite_and_announces_it(page, site):
    # given
    page.locator(".tile").first.click()
    page.evaluate("""() => document.addEventListener('photosite:favourite',
                                                    (event) => { window.announced = event.detail.favourite; })""")
    button = page.locator(".viewer-favourite")
    # when
    with page.expect_response("**/api/favourites/") as answer:
        page.keyboard.press("f")
    # then
    assert answer.value.request.method == "POST" and answer.value.ok
    page.wait_for_function("() => document.querySelector('.viewer-favourite').getAttribute('aria-pressed') === 'true'")
    assert page.evaluate("() => window.announced") is True and button.inner_text() == "★"
    # and it is kept: shown again when the photo is opened again, and undone by f
    page.keyboard.press("Escape")
    page.wait_for_url(f"{site.base_url}/")  # closed: back over the photo's history entry
    page.locator(".tile").first.click()
    page.wait_for_function("() => document.querySelector('.viewer-favourite').getAttribute('aria-pressed') === 'true'")
    page.keyboard.press("f")
    page.wait_for_function("() => window.announced === false")
    assert button.get_attribute("aria-pressed") == "false"


def test_a_click_zooms_into_the_preview_and_a_drag_pans_it(page):
    # given
    page.locator(".tile").first.click()
    page.wait_for_function(PICTURE_SHOWN)
    stage = page.locator("#viewer .viewer-stage").bounding_box()
    fitted = page.locator("#viewer .zoom img").evaluate("(image) => image.getBoundingClientRect().width")
    # when
    page.locator("#viewer .zoom").click()
    # then the preview is drawn larger than the stage
    page.wait_for_function("""(width) => {
        const image = document.querySelector('#viewer .zoom img');
        return image.getBoundingClientRect().width >= 2 * width && !image.getAnimations().length;
    }""", arg=fitted)
    screenshot(page, "viewer-zoomed")
    before = page.locator("#viewer .zoom img").bounding_box()
    # when dragged left and up
    centre_x, centre_y = stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2
    page.mouse.move(centre_x, centre_y)
    page.mouse.down()
    page.mouse.move(centre_x - 150, centre_y - 80, steps=5)
    page.mouse.up()
    # then the picture moved with the pointer, and is still zoomed (a drag is no click)
    after = page.locator("#viewer .zoom img").bounding_box()
    assert after["x"] == pytest.approx(before["x"] - 150, abs=2) and after["y"] == pytest.approx(before["y"] - 80, abs=2)
    assert page.locator("#viewer .zoom.zoomed").count() == 1
    # and a double-click zooms back out
    page.locator("#viewer .zoom").dblclick()
    page.wait_for_function("() => document.querySelector('#viewer .zoom').dataset.scale === '1'")


def touch(page, *paths):
    """Fingers on the touch screen, through Chromium's own touch input (pointer events follow):
    each path a list of (x, y) the finger goes through, all in step."""
    def points(step):
        return [{"x": x, "y": y, "id": finger} for finger, (x, y) in enumerate(path[step] for path in paths)]

    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points(0)})
    for step in range(1, len(paths[0])):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": points(step)})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def swipe(page, from_x, to_x, y):
    touch(page, [(from_x + (to_x - from_x) * step / 5, y) for step in range(6)])


def test_a_swipe_on_a_phone_moves_to_the_next_photo(browser, site):
    with signed_in_page(browser, site, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True) as page:
        # given
        ids = tile_ids(page)
        page.locator(".tile").first.tap()
        page.wait_for_function(VIEWER_ON, arg=ids[0])
        page.wait_for_function(PICTURE_SHOWN)
        # when
        swipe(page, 320, 60, 400)
        # then
        page.wait_for_function(VIEWER_ON, arg=ids[1])
        page.wait_for_url(f"**/photo/{ids[1]}/")
        # and back the other way
        swipe(page, 60, 320, 400)
        page.wait_for_function(VIEWER_ON, arg=ids[0])
        # and a double tap zooms in and out, a pinch zooms in
        scale = "() => document.querySelector('#viewer .zoom').dataset.scale"
        for _ in range(2):
            touch(page, [(195, 400)])
        page.wait_for_function(f"{scale} > 1")
        touch(page, [(195, 400)])
        touch(page, [(195, 400)])
        page.wait_for_function(f"{scale} === '1'")
        touch(page, [(180 - step * 20, 400) for step in range(6)], [(210 + step * 20, 400) for step in range(6)])
        page.wait_for_function(f"{scale} > 2")
        page.keyboard.press("x")
        page.wait_for_function(f"{scale} === '1'")
        page.keyboard.press("i")
        page.locator(".viewer-info [data-fact=exposure]").wait_for()
        screenshot(page, "viewer-phone-info")


def test_without_javascript_an_address_shows_its_photo_and_links_its_neighbours(browser, site):
    with signed_in_page(browser, site, viewport={"width": 1100, "height": 700}) as page:
        ids = tile_ids(page)
    with signed_in_page(browser, site, viewport={"width": 1100, "height": 700}, java_script_enabled=False) as page:
        # when
        page.goto(f"/photo/{ids[3]}/")
        # then
        assert page.locator("#viewer .viewer-stage img").is_visible()
        page.click("a[rel=next]")
        page.wait_for_url(f"**/photo/{ids[4]}/")
        screenshot(page, "viewer-without-javascript")
