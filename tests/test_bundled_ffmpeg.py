"""The ffmpeg most users get: the README's first command installs no system ffmpeg, so the site
runs the static one bundled by imageio-ffmpeg, without ffprobe. The rest of the suite runs on
Debian's ffmpeg (tests/run installs it); these tests point the site at the bundled binary only
and import every container a camera or phone writes, then serve each one's thumbnail and playback
from a live server."""
import json
import os
import subprocess
import sys

import imageio_ffmpeg
import pytest

import factories
from live_site import PROJECT_DIR, running_site

pytestmark = [pytest.mark.slow, pytest.mark.bundled_ffmpeg]

BUNDLED_ONLY = {"PHOTOSITE_FFMPEG": imageio_ffmpeg.get_ffmpeg_exe(), "PHOTOSITE_FFPROBE": "none"}


def manage_check(tmp_path, extra_env):
    """`manage.py check` as a new machine runs it: a library of its own and an empty cache folder."""
    env = {**os.environ, "PHOTOSITE_LIBRARY_ROOT": str(tmp_path / "library"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), **extra_env}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=300)


def test_check_finds_the_bundled_ffmpeg_reads_every_container(tmp_path):
    # when a new install checks itself with only the bundled ffmpeg
    result = manage_check(tmp_path, BUNDLED_ONLY)
    # then nothing is said against it, and the verdict is kept for the next command
    assert result.returncode == 0, result.stderr
    assert "library.W001" not in result.stderr
    assert list((tmp_path / "cache" / "photosite").glob("ffmpeg-check-*.json"))


def test_check_warns_when_the_ffmpeg_in_use_crashes(tmp_path):
    # given an ffmpeg that dies with a segmentation fault whatever it is asked (as imageio-ffmpeg
    # 0.6.0's did on every MPEG-TS file on some CPUs)
    crashing = tmp_path / "ffmpeg"
    crashing.write_text("#!/bin/sh\nkill -SEGV $$\n")
    crashing.chmod(0o755)
    # when the site checks itself
    result = manage_check(tmp_path, {"PHOTOSITE_FFMPEG": str(crashing), "PHOTOSITE_FFPROBE": "none"})
    # then it warns, naming the binary, and still starts (a warning, not an error)
    assert result.returncode == 0
    assert "library.W001" in result.stderr and "crashed (signal 11)" in result.stderr
    assert str(crashing) in result.stderr


def test_check_warns_when_the_ffmpeg_named_is_missing(tmp_path):
    result = manage_check(tmp_path, {"PHOTOSITE_FFMPEG": str(tmp_path / "no-such-ffmpeg")})
    assert "library.W001" in result.stderr and "no video can be imported" in result.stderr


@pytest.fixture(scope="module")
def camera_site(tmp_path_factory):
    """A live site on the bundled ffmpeg only, holding one of each camera and phone video."""
    media = tmp_path_factory.mktemp("camera-videos")
    for kind in factories.CAMERA_VIDEOS:
        factories.make_camera_video(media, kind, seconds=1.0, width=320, height=240)
    with running_site(tmp_path_factory.mktemp("site") / "library", extra_env=BUNDLED_ONLY,
                      imports=[media]) as site:
        yield site


def photo_ids_by_name(site):
    """{original name: (id, width, height, duration)}, as the site's database holds them."""
    listing = site.manage("shell", "-c", "import json; from library.models import Photo; print(json.dumps("
                                         "{p.original_name: [p.id, p.width, p.height, p.duration] "
                                         "for p in Photo.objects.all()}))")
    return json.loads(listing.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def camera_photos(camera_site):
    return photo_ids_by_name(camera_site)


def test_every_camera_container_imports_on_the_bundled_ffmpeg(camera_photos):
    # then every video was imported with its dimensions and duration (none failed)
    photos = camera_photos
    expected = {name for name, _ in factories.CAMERA_VIDEOS.values()}
    assert set(photos) == expected
    for name, (_, width, height, duration) in photos.items():
        assert {width, height} == {320, 240}, name
        assert 0.5 < duration < 2.0, name


@pytest.mark.parametrize("kind", list(factories.CAMERA_VIDEOS))
def test_every_camera_container_has_a_thumbnail_and_plays(camera_site, camera_photos, kind):
    photo_id = camera_photos[factories.CAMERA_VIDEOS[kind][0]][0]
    client = camera_site.client()
    try:
        # when the gallery asks for its tile
        thumbnail = client.get(f"/api/photo/{photo_id}/thumbnail?size=400", headers={"Accept": "image/webp"})
        # then it is a real frame, not the placeholder
        assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/webp"
        assert "x-thumbnail-placeholder" not in thumbnail.headers
        # and the player gets a video a browser plays: a rendition, or the original where it already is one
        video = client.get(f"/api/photo/{photo_id}/video", follow_redirects=True)
        assert video.status_code == 200, video.text[:200]
        assert video.headers["content-type"].startswith("video/")
        assert video.content[4:8] == b"ftyp" or video.content[:4] == b"\x1aE\xdf\xa3"
    finally:
        client.close()
