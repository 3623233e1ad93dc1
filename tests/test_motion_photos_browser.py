"""Motion photos move everywhere: a Galaxy's motion photo whose video is HEVC — which Chromium,
like Firefox and Chrome without a hardware decoder, plays as sound over no picture — shows
frames in Debian's Chromium, from its web rendition streamed on its first play (no worker runs);
one with H.264 inside still plays its original bytes. Over the real uvicorn server, on Debian's
ffmpeg and (the route alone) on the bundled one. Screenshots: tests/.artifacts/motion-*.png."""
import json
import subprocess

import imageio_ffmpeg
import pytest

import factories
from browser import screenshot, signed_in_page
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

HEVC_NAME, H264_NAME = "20240602_093000.jpg", "20240602_080000.jpg"
BUNDLED_ONLY = {"PHOTOSITE_FFMPEG": imageio_ffmpeg.get_ffmpeg_exe(), "PHOTOSITE_FFPROBE": "none"}

# Frames shown (a picture, not sound over nothing) and the clock running.
SHOWS_FRAMES = """() => {
    const video = document.querySelector("#viewer .live video");
    return video && video.readyState >= 2 && video.videoWidth > 0 && video.currentTime > 0.3;
}"""
CURRENT_TIME = "() => document.querySelector('#viewer .live video').currentTime"


def make_motion_photos(folder):
    """Galaxy motion photos (Samsung's trailer), one with HEVC inside as the phones write it,
    one with H.264; 4 s each, so that there is time to watch the clock run."""
    hevc = factories.make_video(folder / "hevc.mp4", seconds=4, width=640, height=480, audio=True, **factories.HEVC)
    h264 = factories.make_video(folder / "h264.mp4", seconds=4, width=640, height=480)
    media = folder / "DCIM"
    media.mkdir()
    factories.make_samsung_motion_photo(media / HEVC_NAME, hevc, taken=factories.a_date(2024, 6, 2, 9, 30))
    factories.make_samsung_motion_photo(media / H264_NAME, h264, taken=factories.a_date(2024, 6, 2, 8, 0))
    return media


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("motion-site")
    with running_site(root / "library", database_url="sqlite", imports=[make_motion_photos(root)]) as site:
        yield site


@pytest.fixture
def page(browser, site):
    with signed_in_page(browser, site, viewport={"width": 1000, "height": 700}) as page:
        yield page


def served_video_codec(site, name, tmp_path) -> str:
    """What the motion route sends for the motion photo called `name`: its first video stream's codec."""
    client = site.client()
    try:
        listing = client.get("/").text
        motion = listing.split(f'data-name="{name}"', 1)[1].split('data-motion="', 1)[1].split('"', 1)[0]
        response = client.get(motion.replace("&amp;", "&"))
    finally:
        client.close()
    assert response.status_code == 200 and response.headers["content-type"] == "video/mp4"
    path = tmp_path / "served.mp4"
    path.write_bytes(response.content)
    summary = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                             capture_output=True, text=True).stderr
    return summary.split("Video: ", 1)[1].split(" ", 1)[0] if "Video: " in summary else summary


def test_a_galaxy_hevc_motion_photo_shows_frames_in_chromium(page):
    # given Chromium shows no picture of HEVC
    assert page.evaluate("document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.640028\"')") == "probably"
    # when the HEVC motion photo is opened
    page.locator(f'.tile[data-name="{HEVC_NAME}"]').click()
    # then its motion shows frames, and its clock runs
    page.wait_for_function(SHOWS_FRAMES, timeout=30000)
    first = page.evaluate(CURRENT_TIME)
    page.wait_for_function(f"() => document.querySelector('#viewer .live video').currentTime > {first + 0.5}",
                           timeout=10000)
    size = page.evaluate("() => { const v = document.querySelector('#viewer .live video'); return [v.videoWidth, v.videoHeight]; }")
    assert size == [640, 480]
    page.evaluate("() => document.querySelector('#viewer .live video').pause()")
    screenshot(page, "motion-hevc-playing")
    assert "/motion?v=" in page.evaluate("() => document.querySelector('#viewer .live video').currentSrc")


def test_an_h264_motion_photo_shows_frames_from_its_original_bytes(page, site, tmp_path):
    # when
    page.locator(f'.tile[data-name="{H264_NAME}"]').click()
    # then
    page.wait_for_function(SHOWS_FRAMES, timeout=15000)
    first = page.evaluate(CURRENT_TIME)
    page.wait_for_function(f"() => document.querySelector('#viewer .live video').currentTime > {first + 0.5}",
                           timeout=10000)
    screenshot(page, "motion-h264-playing")
    # and what it played was the original's bytes: no rendition of it exists
    assert not rendition_rows(site, H264_NAME)


def test_the_route_serves_h264_for_the_hevc_one(site, tmp_path):
    assert served_video_codec(site, HEVC_NAME, tmp_path) == "h264"
    assert served_video_codec(site, H264_NAME, tmp_path) == "h264"


def rendition_rows(site, name) -> list:
    listing = site.manage("shell", "-c", "import json; from thumbnails.models import Rendition; print(json.dumps("
                                         f"list(Rendition.objects.filter(photo__original_name={name!r},"
                                         " spec__startswith='v').values_list('spec', flat=True))))")
    return json.loads(listing.stdout.strip().splitlines()[-1])


@pytest.mark.bundled_ffmpeg
def test_the_bundled_ffmpeg_judges_and_renders_the_video_inside(tmp_path_factory, tmp_path):
    # given a site on the bundled ffmpeg only (no ffprobe: the import reads ffmpeg's summary)
    root = tmp_path_factory.mktemp("motion-bundled")
    with running_site(root / "library", database_url="sqlite", extra_env=BUNDLED_ONLY,
                      imports=[make_motion_photos(root)]) as site:
        # when / then the HEVC one is served as H.264, made from its byte range by the bundled ffmpeg
        assert served_video_codec(site, HEVC_NAME, tmp_path) == "h264"
        assert rendition_rows(site, HEVC_NAME) == ["v1080-h264-v1"]
        assert rendition_rows(site, H264_NAME) == []
