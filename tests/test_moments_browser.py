"""Moments in a real browser (Debian's Chromium over the real uvicorn site): a Live Photo, a
Google motion photo and a RAW+JPEG pair, imported by `manage.py import` beside an ordinary photo,
are one tile each with a badge; the viewer shows a Live Photo's still and plays its motion
(muted, once) when opened, again on hover, with sound on demand; a motion photo's embedded video
plays the same way; an iPhone's HEVC motion plays from its web rendition; a RAW+JPEG pair offers
both files. Screenshots: tests/.artifacts/moments-*.png."""
from datetime import datetime

import pytest

import factories
import format_factories
from browser import GRID_SETTLED, screenshot, signed_in_page
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

IDENTIFIER = "8D2E7F4A-1B3C-4D5E-9F60-718293A4B5C6"
HEVC_IDENTIFIER = "0C1D2E3F-4A5B-4C6D-8E7F-8091A2B3C4D5"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("moments-site")
    media = root / "DCIM"
    media.mkdir()
    # a Live Photo (the motion listed first: pairing works in either order)
    factories.make_live_motion(media / "IMG_0001.MOV", IDENTIFIER, seconds=1.5, creation_time="2024-05-01T10:00:00Z")
    factories.make_live_still(media / "IMG_0001.JPG", IDENTIFIER, taken=datetime(2024, 5, 1, 10, 0))
    # a motion photo, a RAW+JPEG pair and an ordinary photo, on earlier hours of the day
    clip = factories.make_video(root / "clip.mp4", seconds=1.5, width=640, height=480)
    factories.make_google_motion_photo(media / "PXL_20240501_090000.MP.jpg", clip, taken=datetime(2024, 5, 1, 9, 0))
    factories.make_jpeg(media / "DSC_0001.JPG", taken=datetime(2024, 5, 1, 8, 0), make="Nikon", model="Z 6")
    format_factories.make_dng(media / "DSC_0001.NEF", taken="2024:05:01 08:00:00", make="Nikon", model="Z 6")
    factories.make_jpeg(media / "plain.jpg", taken=datetime(2024, 5, 1, 7, 0))
    # an iPhone's Live Photo as it really is: its motion HEVC, which Chromium shows no picture of
    factories.make_live_motion(media / "IMG_0002.MOV", HEVC_IDENTIFIER, seconds=1.5, creation_time="2024-05-01T06:00:00Z",
                               hevc=True)
    factories.make_live_still(media / "IMG_0002.JPG", HEVC_IDENTIFIER, taken=datetime(2024, 5, 1, 6, 0))
    with running_site(root / "library", database_url="sqlite", imports=[media]) as site:
        yield site


@pytest.fixture
def page(browser, site):
    with signed_in_page(browser, site, viewport={"width": 1000, "height": 700}) as page:
        yield page


# The motion played at least 0.4 s of real frames (its `played` ranges), whenever that was.
MOTION_HAS_PLAYED = """() => {
    const video = document.querySelector("#viewer .live video");
    return video && video.videoWidth > 0 && video.played.length > 0 && video.played.end(0) > 0.4;
}"""
MOTION_HAS_ENDED = """() => {
    const video = document.querySelector("#viewer .live video");
    return video.ended && !document.querySelector("#viewer .live").classList.contains("playing");
}"""
COUNT_PLAYS = """() => {
    window.plays = 0;
    document.querySelector("#viewer .live video").addEventListener("playing", () => { window.plays += 1; });
}"""
PLAYING_NOW = """() => {
    const video = document.querySelector("#viewer .live video");
    return window.plays > 0 && video.currentTime > 0.3 && document.querySelector("#viewer .live.playing") !== null;
}"""


def test_one_tile_per_moment_each_with_its_badge(page):
    # given the day's seven files and four moments, the grid drawn (they fit on a screen)
    page.wait_for_function(GRID_SETTLED)
    tiles = page.locator(".tile")
    # then five tiles: the Live Photo, the motion photo, the RAW+JPEG pair, the ordinary photo, the HEVC Live Photo
    assert tiles.count() == 5
    assert [tiles.nth(index).get_attribute("data-name") for index in range(5)] == [
        "IMG_0001.JPG", "PXL_20240501_090000.MP.jpg", "DSC_0001.JPG", "plain.jpg", "IMG_0002.JPG"]
    assert page.locator(".tile .badge-moment").all_inner_texts() == ["LIVE", "MOTION", "RAW", "LIVE"]
    page.wait_for_function("() => [...document.images].every((image) => image.complete && image.naturalWidth > 0)")
    screenshot(page, "moments-grid")


def test_a_live_photo_plays_its_motion_muted_once_then_on_hover_with_sound_on_demand(page):
    # when the Live Photo is opened
    page.locator(".tile[data-moment=live]").first.click()
    # then its still shows, its motion plays over it once, muted, and the still is back at its end
    page.wait_for_function("() => document.querySelector('#viewer .live img')?.naturalWidth > 0")
    page.wait_for_function(MOTION_HAS_PLAYED, timeout=15000)
    page.wait_for_function(MOTION_HAS_ENDED, timeout=15000)
    assert page.evaluate("() => document.querySelector('#viewer .live video').muted")
    screenshot(page, "moments-live-still")
    # when the pointer comes over it, it plays again (caught mid-way for the screenshot)
    page.evaluate(COUNT_PLAYS)
    bar = page.locator("#viewer .viewer-caption").bounding_box()
    page.mouse.move(bar["x"] + 2, bar["y"] + 2)  # off the picture, onto the bar below it
    page.locator("#viewer .live").hover()
    page.wait_for_function(PLAYING_NOW, timeout=15000)
    page.evaluate("() => document.querySelector('#viewer .live video').pause()")
    screenshot(page, "moments-live-playing")
    # when the sound is asked for, it plays with sound
    page.locator("#viewer .live-sound").click()
    assert page.locator("#viewer .live-sound").get_attribute("aria-pressed") == "true"
    assert not page.evaluate("() => document.querySelector('#viewer .live video').muted")


def test_a_motion_photo_plays_the_video_inside_it(page):
    # when
    page.locator(".tile[data-moment=motion]").click()
    # then its embedded video, cut out by the server, plays
    page.wait_for_function(MOTION_HAS_PLAYED, timeout=15000)
    assert "/motion?v=" in page.evaluate("() => document.querySelector('#viewer .live video').currentSrc")


def test_an_iphone_live_photo_plays_its_hevc_motion_from_the_web_rendition(page):
    # when the Live Photo whose motion is HEVC is opened
    page.locator(".tile[data-name='IMG_0002.JPG']").click()
    # then its motion plays, with a picture: the rendition, made while it streams
    page.wait_for_function(MOTION_HAS_PLAYED, timeout=30000)
    assert "/video?v=" in page.evaluate("() => document.querySelector('#viewer .live video').currentSrc")


def test_a_raw_and_jpeg_pair_shows_the_jpeg_and_offers_both_files(page):
    # when
    page.locator(".tile[data-moment=raw]").click()
    # then
    page.wait_for_function("() => document.querySelector('#viewer .viewer-stage img')?.naturalWidth > 0")
    assert page.locator(".viewer-download").inner_text() == "Download JPEG"
    raw_link = page.locator(".viewer-download-raw")
    assert raw_link.is_visible() and raw_link.get_attribute("href").endswith("/original?download=1")
    response = page.request.get(raw_link.get_attribute("href"))
    assert response.ok and 'filename="DSC_0001.NEF"' in response.headers["content-disposition"]
    screenshot(page, "moments-raw")
    # when the viewer steps on to an ordinary photo, the raw's link goes
    page.keyboard.press("ArrowRight")
    assert not raw_link.is_visible()


def run_admin_action(page, query, action):
    page.goto(f"/admin/library/photo/?{query}")
    for box in page.locator("input[name=_selected_action]").all():
        box.check()
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")
    return page.locator(".messagelist").inner_text()


def test_the_admin_shows_the_moment_and_unlinks_and_links_it_by_hand(page):
    # given the Live Photo's still in the admin (the list filtered to moments' faces)
    page.goto("/admin/library/photo/?moment=face&q=IMG_0001")
    page.click("text=IMG_0001.JPG")
    group = page.locator(".field-moment_members")
    # then its page shows both files of the moment, with their parts
    assert "IMG_0001.JPG (still of a Live Photo)" in group.inner_text()
    assert "IMG_0001.MOV (motion of a Live Photo)" in group.inner_text()
    page.wait_for_function("() => [...document.querySelectorAll('.field-moment_members img')]"
                           ".every((image) => image.complete && image.naturalWidth > 0)", timeout=30000)
    screenshot(page, "moments-admin-group")
    # when both are unlinked by hand
    assert "1 file(s) are photos of their own again" in run_admin_action(page, "q=IMG_0001", "unlink_moment")
    # then the gallery shows them as two tiles
    page.goto("/")
    page.wait_for_function(GRID_SETTLED)  # the library fits on a screen: every tile drawn
    assert page.locator(".tile").count() == 6
    # when they are linked again by hand
    assert "Linked: one tile in the gallery, IMG_0001.JPG" in run_admin_action(page, "q=IMG_0001", "link_moment")
    # then one tile again
    page.goto("/")
    page.wait_for_function(GRID_SETTLED)
    assert page.locator(".tile").count() == 5 and page.locator(".tile[data-moment=live]").count() == 2
