"""Favourites, albums and the gallery's selection in a real browser (Playwright driving Debian's
Chromium) against a real uvicorn-served site, as a user who is not staff: a heart on a tile puts
the photo in /favourites/; a shift-click selects across days and the selection becomes a new
album, whose page shows exactly those photos; the album shared with another user is theirs to
see. Screenshots (family-*.png, at 1440×900 and 390×844) land in tests/.artifacts/."""
from contextlib import contextmanager
from datetime import datetime

import pytest
from test_gallery_browser import ON_SCREEN_IMAGES_LOADED as IMAGES_LOADED

import factories
from browser import GRID_SETTLED, log_in, screenshot, signed_in_page, watched_context
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

# Four photos a day over three days: a range picked from the second photo of the newest day to
# the second of the day before spans the two days' boundary.
PHOTOS = [datetime(2024, 6, day, hour) for day in (14, 15, 16) for hour in (9, 11, 13, 15)]
USERS = {"mia": "mia-password-123", "leo": "leo-password-123"}
DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("family-site")
    media = root / "media"
    media.mkdir()
    for index, taken in enumerate(PHOTOS):
        factories.make_jpeg(media / f"IMG_{index:02d}.jpg", 640, 480 if index % 3 else 640, taken=taken)
    with running_site(root / "library", database_url="sqlite", imports=[media]) as site:
        for username, password in USERS.items():
            site.create_user(username, password)
        yield site


@contextmanager
def page_as(browser, site, username, viewport=DESKTOP, **options):
    """A page signed in as `username` (not staff); CSP violations fail the test."""
    context = watched_context(browser, base_url=site.base_url, viewport=viewport, **options)
    page = context.new_page()
    log_in(page, site, username, USERS[username])
    yield page
    context.close()
    context.csp.assert_none()


def grid_drawn(page):
    """The grid has drawn the tiles (the library fits on a screen)."""
    page.wait_for_function(GRID_SETTLED)


def tile_ids(page):
    grid_drawn(page)
    return page.locator("#gallery .tile").evaluate_all("(tiles) => tiles.map((tile) => tile.dataset.id)")


def test_a_heart_on_a_tile_puts_the_photo_in_favourites(browser, site):
    with page_as(browser, site, "mia") as page:
        # given the gallery
        grid_drawn(page)
        tile = page.locator("#gallery .tile").nth(2)
        photo_id = tile.get_attribute("data-id")
        # when the heart on the tile is clicked (a tile gets its controls when the pointer comes over it)
        assert tile.locator(".tile-heart").count() == 0
        tile.hover()
        heart = tile.locator(".tile-heart")
        heart.click()
        # then it is set, the viewer did not open, and the photo is in Mia's favourites only
        page.wait_for_function("(id) => document.querySelector(`.tile[data-id='${id}'] .tile-heart`)"
                               ".getAttribute('aria-pressed') === 'true'", arg=photo_id)
        assert not page.locator("#viewer").is_visible()
        page.mouse.move(0, 0)
        page.wait_for_function(IMAGES_LOADED)
        screenshot(page, "family-gallery-heart")
        page.goto("/favourites/")
        assert tile_ids(page) == [photo_id]
        page.wait_for_function("() => document.querySelectorAll('.tile-heart[aria-pressed=true]').length === 1")
        page.wait_for_function(IMAGES_LOADED)
        screenshot(page, "family-favourites")
    with page_as(browser, site, "leo") as page:
        page.goto("/favourites/")
        page.locator(".empty").wait_for()  # shown once the grid's summary says there is nothing
        assert page.locator("#gallery .tile").count() == 0 and "No favourites yet" in page.locator(".empty").inner_text()


def test_a_shift_click_range_across_days_becomes_a_new_album_shared_with_another_user(browser, site):
    with page_as(browser, site, "mia") as page:
        # given the gallery
        grid_drawn(page)
        ids = tile_ids(page)
        first, last = page.locator(f".tile[data-id='{ids[1]}']"), page.locator(f".tile[data-id='{ids[5]}']")
        assert first.evaluate("(tile) => tile.closest('section.day').dataset.day") != last.evaluate(
            "(tile) => tile.closest('section.day').dataset.day")
        # when a photo is checked, and one on the day before shift-clicked
        first.hover()
        first.locator(".tile-check").click()
        last.click(modifiers=["Shift"])
        # then both and those between are selected, across the days
        page.wait_for_function("() => document.querySelector('.selection-count').textContent === '5 selected'")
        chosen = page.locator(".tile.selected").evaluate_all("(tiles) => tiles.map((tile) => tile.dataset.id)")
        assert chosen == ids[1:6]
        assert not page.locator("#viewer").is_visible()
        screenshot(page, "family-selection")
        # when they are added to a new album
        page.click("#selection-bar [data-action=album]")
        page.fill("#album-picker input[name=title]", "Summer at the lake")
        screenshot(page, "family-album-picker")
        page.click("#album-picker .album-create button[type=submit]")
        note = page.locator("#selection-note")
        note.locator("text=Open the album").wait_for()
        assert "5 photos added to “Summer at the lake”" in note.inner_text()
        assert page.locator(".tile.selected").count() == 0 and page.locator("#selection-bar").is_hidden()
        # then the album's page shows exactly those photos, with its count and date span
        note.locator("a").click()
        page.wait_for_url("**/albums/*/")
        assert tile_ids(page) == chosen
        assert page.locator(".album-facts").inner_text() == "5 photos · 15 – 16 June 2024"
        page.wait_for_function(IMAGES_LOADED)
        screenshot(page, "family-album")
        # when Mia renames it
        page.click(".album-panel summary >> text=Rename")
        page.fill(".album-rename input[name=title]", "Summer at the lake, 2024")
        page.click(".album-rename button[type=submit]")
        page.wait_for_function("() => document.querySelector('.album-title').textContent === 'Summer at the lake, 2024'")
        # and shares it with Leo, to view
        page.click(".album-share summary")
        page.select_option(".album-share-form select[name=username]", "leo")
        page.click(".album-share-form button[type=submit]")
        page.wait_for_function("() => document.querySelector('.album-members')?.textContent.includes('leo')")
        page.click(".album-share summary")
        screenshot(page, "family-album-shared")
        album_url = page.url
    with page_as(browser, site, "leo") as page:
        # then Leo sees it among his albums, and its photos
        page.goto("/albums/")
        card = page.locator(".album-card", has_text="Summer at the lake, 2024")
        assert "Shared by mia" in card.inner_text() and "5 photos" in card.inner_text()
        page.wait_for_function(IMAGES_LOADED)
        screenshot(page, "family-albums-shared-with-leo")
        card.click()
        page.wait_for_url(album_url)
        assert tile_ids(page) == chosen
        assert page.locator(".album-tools").count() == 0  # only its owner changes it
        assert page.locator("#selection-bar [data-action=remove]").count() == 0


def test_the_pages_on_a_phone(browser, site):
    with page_as(browser, site, "mia", viewport=PHONE, has_touch=True, is_mobile=True) as page:
        # given the gallery on a phone: a long press selects, and then a tap picks another
        grid_drawn(page)
        tiles = page.locator("#gallery .tile")
        long_press(page, tiles.nth(0))
        page.wait_for_function("() => document.querySelector('.selection-count').textContent === '1 selected'")
        tiles.nth(1).tap()
        page.wait_for_function("() => document.querySelector('.selection-count').textContent === '2 selected'")
        assert not page.locator("#viewer").is_visible()
        page.wait_for_function(IMAGES_LOADED)
        screenshot(page, "family-phone-selection")
        widths = page.locator("#selection-bar button").evaluate_all(
            "(buttons) => buttons.filter((b) => b.offsetParent).map((b) => b.getBoundingClientRect().right)")
        assert max(widths) <= PHONE["width"]
        # and they become an album
        page.locator("#selection-bar [data-action=album]").tap()
        page.fill("#album-picker input[name=title]", "From the phone")
        page.locator("#album-picker .album-create button[type=submit]").tap()
        page.locator("#selection-note >> text=Open the album").wait_for()
        page.goto("/albums/")
        page.wait_for_function(IMAGES_LOADED)
        screenshot(page, "family-phone-albums")
        page.locator(".album-card", has_text="From the phone").click()
        assert len(tile_ids(page)) == 2
        page.wait_for_function(IMAGES_LOADED)
        screenshot(page, "family-phone-album")


def long_press(page, tile):
    """A finger held on the tile: touch pointer events, as Chromium sends them, through CDP."""
    box = tile.bounding_box()
    point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    session = page.context.new_cdp_session(page)
    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
    page.wait_for_function("() => document.body.classList.contains('selecting')")
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_staff_move_a_selection_to_the_trash(browser, site):
    with signed_in_page(browser, site, viewport=DESKTOP) as page:
        # given the staff's gallery, a photo checked: the bar offers the trash beside the download
        before = tile_ids(page)
        tile = page.locator("#gallery .tile").last
        photo_id = tile.get_attribute("data-id")
        tile.hover()
        tile.locator(".tile-check").click()
        assert page.locator("#selection-bar [data-action=download]").is_visible()
        # when
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#selection-bar [data-action=trash]")
        # then the tile leaves the page and the photo the gallery
        page.locator("#selection-note", has_text="1 photo moved to the trash.").wait_for()
        assert page.locator(f".tile[data-id='{photo_id}']").count() == 0
        assert tile_ids(page) == [each for each in before if each != photo_id]  # the others stay, in order
        assert site.client().get("/api/timeline/summary").json()["tiles"] == len(before) - 1
        assert site.client("mia", USERS["mia"]).get(f"/photo/{photo_id}/").status_code == 404  # the trash is staff's
