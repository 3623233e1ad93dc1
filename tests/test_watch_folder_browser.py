"""A photo dropped into a watch folder shows up in the gallery, in a real browser (Playwright
driving Debian's Chromium) against the real uvicorn-served site and a real watcher process.
The screenshot lands in tests/.artifacts/watch-folder-gallery.png."""
import signal
from datetime import datetime

import pytest

import factories
from browser import GRID_SETTLED, log_in, screenshot, watched_context
from fault_helpers import start_manage
from live_site import LiveSite
from polling import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]


@pytest.fixture
def site(tmp_path):
    site = LiveSite(tmp_path / "library", extra_env={"PHOTOSITE_WATCH_SETTLE_SECONDS": "0.5"})
    site.root.mkdir()
    try:
        yield site.prepare().start_web()
    finally:
        site.stop()


def test_a_photo_dropped_into_the_watch_folder_appears_in_the_gallery(browser, site, tmp_path):
    # given: a watcher on an inbox, and a person looking at the (empty) gallery
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watcher = start_manage(site, "import", "--watch", "--no-progress", str(inbox), log_name="watch")
    context = watched_context(browser, viewport={"width": 1000, "height": 640}, base_url=site.base_url)
    try:
        page = context.new_page()
        log_in(page, site)
        assert page.locator(".tile").count() == 0
        # when: a scanner writes a picture into the folder under a temporary name, then renames it
        made = factories.make_jpeg(tmp_path / "scan.jpg", 800, 600, taken=datetime(2024, 6, 1, 10, 30))
        partial = inbox / "scan_0001.jpg.part"
        partial.write_bytes(made.read_bytes())
        partial.rename(inbox / "scan_0001.jpg")
        # then: after a reload it is there, its thumbnail made and shown
        wait_for(lambda: reloaded_tiles(page) == 1, 40, "the tile in the gallery")
        page.wait_for_function("() => [...document.images].every((image) => image.complete && image.naturalWidth > 0)")
        assert page.locator("#gallery .day-label").first.get_attribute("title") == "Saturday 1 June 2024"
        screenshot(page, "watch-folder-gallery")
    finally:
        context.close()
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(timeout=30)
    context.csp.assert_none()


def reloaded_tiles(page) -> int:
    """The gallery's tiles after a reload, once the grid has drawn them or said it has none."""
    page.reload()
    page.wait_for_function(f"() => document.querySelector('#gallery .empty')?.hidden === false || ({GRID_SETTLED})()")
    return page.locator("#gallery .tile").count()
