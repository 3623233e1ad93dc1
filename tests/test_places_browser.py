"""The place a photo was taken, in the admin's photo detail, in a real browser (Debian's Chromium)
against the real uvicorn-served site. Screenshot: tests/.artifacts/places-admin-photo.png."""
import pytest

import factories
from browser import log_in, screenshot, watched_context
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A UTC site holding a photo taken at 08:00 on 1 January 2024 in Tokyo, on a clock without offset."""
    root = tmp_path_factory.mktemp("places-site")
    media = root / "media"
    media.mkdir()
    factories.make_jpeg(media / "shrine.jpg", taken=factories.a_date(2024, 1, 1, 8, 0),
                        gps=factories.gps_exif(35.6895, 139.6917, 40.0))
    with running_site(root / "library", database_url="sqlite", extra_env={"TIME_ZONE": "UTC"}, imports=[media]) as site:
        yield site


def test_the_admin_photo_detail_shows_where_it_was_taken(browser, site):
    context = watched_context(browser, viewport={"width": 1100, "height": 1400}, base_url=site.base_url)
    page = context.new_page()
    log_in(page, site)
    # when the photo's admin page is opened
    page.goto("/admin/library/photo/")
    page.get_by_role("link", name="shrine.jpg").click()
    # then it shows the place, its position and zone, and Tokyo's clock
    assert page.locator(".field-place .readonly").inner_text() == "Tokyo, Japan"
    assert page.locator(".field-place_country_code .readonly").inner_text() == "JP"
    assert page.locator(".field-position .readonly").inner_text() == "35.68950° N, 139.69170° E, 40 m"
    assert page.locator(".field-time_zone .readonly").inner_text() == "Asia/Tokyo"
    assert page.locator(".field-zone_source .readonly").inner_text() == "The time zone at the GPS position"
    assert page.locator(".field-taken .readonly").inner_text() == "2024-01-01 08:00"
    screenshot(page, "places-admin-photo")
    context.close()
    context.csp.assert_none()
