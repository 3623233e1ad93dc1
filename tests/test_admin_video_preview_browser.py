"""The admin's preview of a video plays what the gallery plays: an iPhone's HEVC video, whose
original Debian's Chromium (like Firefox) shows no picture of, plays from its web rendition in the
photo's change page. Screenshot: tests/.artifacts/admin-video-preview.png."""
import pytest

import factories
from browser import screenshot, shows_frames, signed_in_page
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

NAME = factories.CAMERA_VIDEOS["iphone-hevc"][0]
PREVIEW = "video.photo-preview"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("admin-video-site")
    media = root / "media"
    media.mkdir()
    factories.make_camera_video(media, "iphone-hevc", seconds=3, width=640, height=360)
    with running_site(root / "library", database_url="sqlite", imports=[media]) as site:
        yield site


def test_the_admin_preview_of_an_hevc_video_shows_its_picture(browser, site):
    with signed_in_page(browser, site, viewport={"width": 1200, "height": 900}) as page:
        # given: the video's change page in the admin
        page.goto("/")
        photo_id = page.locator(f'.tile[data-name="{NAME}"]').get_attribute("data-id")
        page.goto(f"/admin/library/photo/{photo_id}/change/")
        # when: it is played
        page.locator(PREVIEW).evaluate("video => { video.muted = true; video.play(); }")
        # then: frames, not HEVC's sound over no picture
        page.wait_for_function(shows_frames(PREVIEW), timeout=30000)
        assert "/video?" in page.locator(PREVIEW).get_attribute("src")
        screenshot(page, "admin-video-preview")
