"""The ffmpeg generator on real videos made by the factories."""
import os

import pytest
from PIL import ImageStat

from thumbnails.errors import SourceMissingError, VideoFrameError, VideoTimeoutError
from thumbnails.generators.video import generate_video_thumbnail, seek_seconds
from thumbnails.specs import ThumbnailSpec

import factories
from test_thumbnail_support import picture

pytestmark = pytest.mark.outside_database  # no database here: the SQLite pass of .ci/run runs it

TILE = ThumbnailSpec.for_size("400", "jpeg")


def test_a_phone_video_rotated_by_its_display_matrix_gives_a_portrait_thumbnail(media_dir):
    # given a 640×480 recording with a -90° display matrix (a phone held upright)
    source = factories.make_video(media_dir / "phone.mp4", seconds=2, width=640, height=480, rotation=-90)
    # when
    thumbnail = picture(generate_video_thumbnail(source, TILE, duration=2.0))
    # then
    assert thumbnail.size == (300, 400)


def test_a_hd_video_is_scaled_to_400_high(media_dir):
    source = factories.make_video(media_dir / "hd.mp4", seconds=1, width=1280, height=720)
    thumbnail = picture(generate_video_thumbnail(source, ThumbnailSpec.for_size("400", "webp"), duration=1.0))
    assert (thumbnail.format, thumbnail.size) == ("WEBP", (711, 400))


@pytest.mark.parametrize("duration", [0.04, None, 30.0], ids=["known", "unknown", "wrong-duration"])
def test_a_single_frame_video_works_whatever_its_recorded_duration(media_dir, duration):
    source = factories.make_video(media_dir / "one.mp4", seconds=0.04)
    assert picture(generate_video_thumbnail(source, TILE, duration=duration)).size == (320, 240)


def test_a_10_bit_hdr_video_gives_a_sane_picture(media_dir):
    # given a 10-bit HEVC-style source tagged as PQ / BT.2020
    source = factories.make_video(
        media_dir / "hdr.mkv", seconds=1, width=640, height=360, pix_fmt="yuv420p10le",
        extra_output_args=("-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc"),
    )
    # when
    thumbnail = picture(generate_video_thumbnail(source, TILE, duration=1.0))
    # then an ordinary 8-bit picture, neither black nor blown out
    assert (thumbnail.mode, thumbnail.size) == ("RGB", (640, 360))
    assert 30 < sum(ImageStat.Stat(thumbnail).mean) / 3 < 225


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda d: factories.make_audio_only_mp4(d / "voice.mp4"), VideoFrameError, "no video stream"),
        (lambda d: factories.make_text_file(d / "notes.mp4"), VideoFrameError, "Invalid data"),
        (lambda d: factories.truncate(factories.make_video(d / "cut.mp4", seconds=2), 0.2), VideoFrameError, None),
        (lambda d: d / "gone.mp4", SourceMissingError, "missing"),
    ],
    ids=["audio-only", "text", "truncated", "missing"],
)
def test_bad_videos_raise_a_clear_error(media_dir, make, error, message):
    with pytest.raises(error, match=message):
        generate_video_thumbnail(make(media_dir), TILE, duration=1.0)


def test_an_ffmpeg_run_that_hangs_is_killed_after_the_time_limit(media_dir):
    # given a "video" that never delivers a byte (a FIFO nobody writes to)
    source = media_dir / "stuck.mp4"
    os.mkfifo(source)
    # when / then
    with pytest.raises(VideoTimeoutError, match="longer than 1 s"):
        generate_video_thumbnail(source, TILE, duration=10.0, timeout=1)


@pytest.mark.parametrize(("duration", "seek"), [(None, 0), (0.5, 0), (5.0, 0.5), (600.0, 3.0)])
def test_seek_point_skips_the_fade_in_but_stays_near_the_start(duration, seek):
    assert seek_seconds(duration) == seek
