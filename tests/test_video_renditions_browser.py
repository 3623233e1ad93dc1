"""Every kind of video phones and cameras make plays in the viewer, in Debian's Chromium over the
real uvicorn server with no worker running: HEVC from iPhones (8-bit rotated, 10-bit HLG, both
`hvc1`), AVCHD's H.264 in MPEG-TS, MJPEG AVIs — through a web rendition streamed while it is made
on their first play — and VP9 WebM and H.264 MP4 from their originals. A video ffmpeg cannot
decode keeps its poster and says so, offering the original. Screenshots: tests/.artifacts/video-*.png.

Debian's Chromium is built with its proprietary codecs (H.264, AAC, via the system's ffmpeg):
`canPlayType` says so below, as Chrome, Edge, Firefox and Safari do. Its HEVC is another matter:
like Chrome on a machine without a hardware decoder, it plays HEVC's sound over no picture
(readyState 4, videoWidth 0) — which is why HEVC gets a rendition."""
import pytest

import factories
from browser import screenshot, signed_in_page
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

# kind → whether it is played from a rendition (else from its original)
KINDS = {
    "iphone-hevc": True, "iphone-hevc-10bit-hdr": True, "avchd-mts": True, "mjpeg-avi": True,
    "vp9-webm": False, "android-h264": False,
}
BROKEN_NAME = "MVI_BROKEN.AVI"

PLAYING = """() => {
  const video = document.querySelector('#viewer video');
  return video && video.readyState >= 2 && video.videoWidth > 0 && video.currentTime > 0.3;
}"""


def make_undecodable_avi(folder):
    """An MJPEG AVI whose header reads but whose frames are zeros: imported, never decoded."""
    scratch = folder / "scratch"
    scratch.mkdir()
    path = factories.make_camera_video(scratch, "mjpeg-avi", seconds=1).rename(folder / BROKEN_NAME)
    scratch.rmdir()
    data = bytearray(path.read_bytes())
    data[8192:-4096] = bytes(len(data) - 8192 - 4096)
    path.write_bytes(bytes(data))
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("video-site")
    media = root / "media"
    media.mkdir()
    for kind in KINDS:
        factories.make_camera_video(media, kind, seconds=4, width=640, height=360)
    make_undecodable_avi(media)
    with running_site(root / "library", database_url="sqlite", imports=[media]) as site:
        yield site


@pytest.fixture
def page(browser, site):
    with signed_in_page(browser, site, viewport={"width": 1000, "height": 700}) as page:
        yield page


def open_video(page, name):
    page.locator(f'.tile[data-name="{name}"]').click()


def test_debian_chromium_plays_h264_and_aac(page):
    assert page.evaluate("document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.640028, mp4a.40.2\"')") \
        == "probably"


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_shows_a_frame_and_plays(page, kind):
    # given
    name = factories.CAMERA_VIDEOS[kind][0]
    tile = page.locator(f'.tile[data-name="{name}"]')
    assert ("/video?" in tile.get_attribute("data-play")) is KINDS[kind]
    # when
    open_video(page, name)
    # then it shows a picture and its clock runs
    page.wait_for_function(PLAYING, timeout=20000)
    first = page.evaluate("document.querySelector('#viewer video').currentTime")
    page.wait_for_function(f"() => document.querySelector('#viewer video').currentTime > {first + 0.3}", timeout=10000)
    size = page.evaluate("[document.querySelector('#viewer video').videoWidth, document.querySelector('#viewer video').videoHeight]")
    assert size == ([360, 640] if kind == "iphone-hevc" else [640, 360])  # the phone's rotation applied
    screenshot(page, f"video-{kind}")
    # and it seeks back within what it received (a rendition may still be streaming) and plays on
    page.evaluate("document.querySelector('#viewer video').currentTime = 0.2")
    page.wait_for_function("() => { const v = document.querySelector('#viewer video');"
                           " return !v.seeking && v.currentTime > 0.4 && v.currentTime < 2; }", timeout=10000)


def test_a_video_ffmpeg_cannot_decode_keeps_its_poster_and_offers_the_original(page):
    # when
    open_video(page, BROKEN_NAME)
    # then
    note = page.locator("#viewer .unplayable figcaption")
    note.wait_for(timeout=20000)
    assert "can't be played in the browser" in note.inner_text()
    assert note.locator("a").get_attribute("href").endswith("/original?download=1")
    assert page.locator("#viewer .unplayable img").evaluate("(image) => image.complete && image.naturalWidth > 0")
    assert page.locator("#viewer .viewer-download").inner_text() == "Download original"
    screenshot(page, "video-unplayable")
