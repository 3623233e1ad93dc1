"""A selection downloaded as a ZIP from the gallery page in Chromium (Playwright's download
event), against a real uvicorn-served site: the page shows the size first, and the file the
browser saves is exactly that long and holds the originals with their moments' other files."""
import zipfile
from datetime import datetime

import pytest

import factories
from browser import GRID_SETTLED, screenshot, signed_in_page
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

TAKEN = datetime(2024, 5, 1, 10, 0, 0)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("zip-site")
    media = root / "media"
    media.mkdir()
    factories.make_jpeg(media / "IMG_0100.jpg", taken=datetime(2024, 5, 2, 9, 0, 0))
    factories.make_live_still(media / "IMG_0001.JPG", "LIVE-0001", taken=TAKEN)
    factories.make_live_motion(media / "IMG_0001.MOV", "LIVE-0001", creation_time=TAKEN)
    with running_site(root / "library", database_url="sqlite", imports=[media]) as site:
        yield site


ASK_FOR_DOWNLOAD = """(ids) => document.dispatchEvent(new CustomEvent("photosite:download", {detail: {ids}}))"""


def test_a_selection_downloads_with_its_size_shown_first(browser, site, tmp_path):
    with signed_in_page(browser, site, viewport={"width": 1000, "height": 700}, accept_downloads=True) as page:
        # given the two tiles of the gallery (a Live Photo shows as one), once the grid drew them
        page.wait_for_function(GRID_SETTLED)
        ids = [int(tile.get_attribute("data-id")) for tile in page.locator(".tile").all()]
        assert len(ids) == 2
        # when the selection asks for its download
        with page.expect_download() as download_info:
            page.evaluate(ASK_FOR_DOWNLOAD, ids)
        download = download_info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        status = page.locator("#zip-download-status")
        # then the page said how large it is, and that is what arrived
        assert status.is_visible()
        assert "Downloading 3 files" in status.inner_text()
        screenshot(page, "zip-download-status")
        assert saved.stat().st_size == int(status.get_attribute("data-bytes"))
        assert download.suggested_filename.startswith("photosite-") and saved.name.endswith("-2.zip")
        with zipfile.ZipFile(saved) as archive:
            assert archive.testzip() is None
            assert sorted(archive.namelist()) == ["IMG_0001.JPG", "IMG_0001.MOV", "IMG_0100.jpg"]
            assert archive.read("IMG_0100.jpg") == (site.root.parent / "media" / "IMG_0100.jpg").read_bytes()
