"""Video encodes wait their turn (issue 22, item 3), in Debian's Chromium over the real uvicorn
server with PHOTOSITE_VIDEO_JOBS=1: while one rendition is being made, a second video's first
play starts no ffmpeg of its own; its player says it is waiting, and it plays once the first is
done. Screenshot: tests/.artifacts/video-waiting.png.

The first encode is held for as long as the test needs by a named pipe standing in for its
file: ffmpeg, reading it, waits until the test opens and closes the other end (then it fails,
and its slot is free)."""
import os
import threading
from pathlib import Path

import httpx
import pytest

import factories
from browser import screenshot, signed_in_page
from live_site import running_site
from polling import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

FIRST, SECOND = "first.mkv", "second.mkv"
NOTE = "#viewer .player-note"
PLAYING = """() => {
  const video = document.querySelector('#viewer video');
  return video && video.readyState >= 2 && video.videoWidth > 0 && video.currentTime > 0.3;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("video-queue")
    media = root / "media"
    media.mkdir()
    for name in (FIRST, SECOND):
        factories.make_video(media / name, seconds=2, width=320, height=240)
    with running_site(root / "library", database_url="sqlite", imports=[media],
                      extra_env={"PHOTOSITE_VIDEO_RENDITIONS": "always", "PHOTOSITE_VIDEO_JOBS": "1"}) as site:
        yield site


def library_file(site, name) -> tuple[int, Path]:
    found = site.manage("shell", "-c", "from library.models import Photo; "
                                       f"photo = Photo.objects.get(original_name='{name}'); print(photo.pk, photo.path)")
    photo_id, path = found.stdout.split()[-2:]
    return int(photo_id), site.root / path


def encodes(pid: int) -> list[str]:
    """The command lines of the rendition ffmpegs (reading or encoding) the web server started;
    not those taking a poster's frame."""
    children = " ".join(Path(task, "children").read_text() for task in Path(f"/proc/{pid}/task").iterdir())
    commands = []
    for child in children.split():
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except FileNotFoundError:
            continue  # ended meanwhile
        if "ffmpeg" in command and ("-f null" in command or "libx264" in command):
            commands.append(command)
    return commands


def test_a_second_video_waits_for_the_first_and_its_player_says_so(browser, site):
    with signed_in_page(browser, site, viewport={"width": 1000, "height": 700}) as page:
        # given every tile's thumbnail made, then the first video's file swapped for a named pipe
        page.wait_for_function("() => [...document.querySelectorAll('.tile img')].every((i) => i.complete)")
        first_id, first_path = library_file(site, FIRST)
        first_path.unlink()
        os.mkfifo(first_path)
        # and the first video's first play asked for, so its encode holds the only slot
        asking = threading.Thread(target=httpx.get, daemon=True, args=(f"{site.base_url}/api/photo/{first_id}/video",),
                                  kwargs={"cookies": cookies_of(page), "timeout": 60})
        asking.start()
        wait_for(lambda: any(str(first_path) in command for command in encodes(site.web.pid)),
                 what="the first video's ffmpeg")
        # when the second video is opened
        page.locator(f'.tile[data-name="{SECOND}"]').click()
        # then its player says it waits, and no second ffmpeg runs
        page.locator(NOTE).wait_for(state="visible", timeout=10000)
        assert page.locator(NOTE).inner_text() in ("Waiting for the video to be prepared for the browser…",
                                                   "Waiting: other videos are being prepared first…")
        assert page.evaluate("document.querySelector('#viewer video').readyState") == 0
        assert len(encodes(site.web.pid)) == 1
        screenshot(page, "video-waiting")
        # when the first encode ends (its pipe closed: it fails, and frees the slot)
        with open(first_path, "wb"):
            pass
        # then the second is made and plays, and the note is gone
        page.wait_for_function(PLAYING, timeout=40000)
        assert page.locator(NOTE).is_hidden()
        screenshot(page, "video-waited")
        asking.join(timeout=60)


def cookies_of(page) -> dict:
    return {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
