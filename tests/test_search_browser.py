"""The gallery's search in a real browser (Debian's Chromium) against the real uvicorn-served site,
used as a person does: a camera picked and a date range typed in the search bar, only the
matching photos in the day-grouped grid, the filters in the address (a bookmark), the same result
on reloading it, and a result opened in the viewer and closed back onto the search. Photos are
Pillow JPEGs with EXIF Make/Model/DateTimeOriginal, imported through the real import.
Screenshots: tests/.artifacts/search-*.png."""
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

import factories
from browser import GRID_SETTLED, screenshot, signed_in_page
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

# (file, camera make, camera model, taken): two June days with the EOS R6 match the search; the
# same camera in August, and another camera in the same June, do not.
PHOTOS = [
    ("IMG_0001.jpg", "Canon", "EOS R6", datetime(2023, 6, 10, 9, 0)),
    ("IMG_0002.jpg", "Canon", "EOS R6", datetime(2023, 6, 10, 17, 30)),
    ("IMG_0003.jpg", "Canon", "EOS R6", datetime(2023, 6, 24, 12, 0)),
    ("IMG_0004.jpg", "Canon", "EOS R6", datetime(2023, 8, 5, 12, 0)),
    ("IMG_1001.jpg", "Apple", "iPhone 13", datetime(2023, 6, 12, 8, 0)),
    ("IMG_1002.jpg", "Apple", "iPhone 13", datetime(2022, 12, 31, 23, 0)),
]
MATCHING = ["IMG_0003.jpg", "IMG_0002.jpg", "IMG_0001.jpg"]  # newest first, as the grid shows them
VIEWER_ON = ("(id) => document.querySelector('#viewer').matches(':modal')"
             " && document.querySelector('#viewer').dataset.photoId === id")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("search-site")
    media = root / "media"
    media.mkdir()
    for name, make, model, taken in PHOTOS:
        factories.make_jpeg(media / name, 480, 360, taken=taken, make=make, model=model)
    with running_site(root / "library", database_url="sqlite", imports=[media]) as site:
        yield site


def grid(page) -> tuple[list[str], list[str]]:
    """(the tiles' file names in grid order, the days labelled), once the grid has settled."""
    page.wait_for_function(GRID_SETTLED)
    names = page.locator("#gallery .tile img").evaluate_all("(images) => images.map((image) => image.alt)")
    # a day of its own has a heading; sparse days share a row, each with its small label
    days = page.locator("#gallery section.day:not(.days-pack), #gallery .day-label").evaluate_all(
        "(elements) => elements.map((element) => element.dataset.day)")
    return names, sorted(set(days))


def test_a_camera_and_a_date_range_find_only_their_photos_and_the_address_keeps_them(browser, site):
    with signed_in_page(browser, site, viewport={"width": 1100, "height": 700}) as page:
        # given the whole library in the grid
        assert len(grid(page)[0]) == len(PHOTOS)
        # when a person types a date range and picks a camera in the search bar
        page.fill(".search input[name=since]", "2023-06-01")
        page.fill(".search input[name=until]", "2023-06-30")
        page.select_option(".search select[name=camera]", "EOS R6")
        page.click(".search button[type=submit]")
        page.wait_for_url("**/?*camera=EOS+R6*")
        # then only the matching photos show, grouped by their days
        names, days = grid(page)
        assert names == MATCHING
        assert days == ["2023-06-10", "2023-06-24"]
        screenshot(page, "search-camera-and-dates")
        # and the address says what was searched (a bookmark)
        query = parse_qs(urlsplit(page.url).query)
        assert query["since"] == ["2023-06-01"] and query["until"] == ["2023-06-30"] and query["camera"] == ["EOS R6"]
        searched = page.url
        # when the address is opened again, then the same photos, with the bar filled in as searched
        page.reload()
        assert grid(page) == (MATCHING, ["2023-06-10", "2023-06-24"])
        assert page.input_value(".search input[name=since]") == "2023-06-01"
        assert page.input_value(".search select[name=camera]") == "EOS R6"
        # when a result is opened, then the viewer shows it, steps through the results only, and
        # closing it returns to the search
        first = page.locator("#gallery .tile").first
        first_id = first.get_attribute("data-id")
        first.click()
        page.wait_for_function(VIEWER_ON, arg=first_id)
        page.wait_for_function("() => document.querySelector('#viewer .viewer-stage img')?.naturalWidth > 0")
        page.wait_for_url(lambda url: urlsplit(url).path == f"/photo/{first_id}/")
        assert page.locator("#viewer .viewer-caption").inner_text().startswith(MATCHING[0])
        screenshot(page, "search-result-in-viewer")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(name) => document.querySelector('#viewer .viewer-caption').textContent.startsWith(name)",
                               arg=MATCHING[1])
        page.keyboard.press("Escape")
        page.wait_for_function("() => !document.querySelector('#viewer').open")
        page.wait_for_url(searched)  # closing goes back in history, which lands a moment later
