"""The playback verdict made at import (library.media.video_playback): which originals every browser
plays as they are, read by ffprobe and by the ffprobe-less `ffmpeg -i` path alike, and how
PHOTOSITE_VIDEO_RENDITIONS turns the verdict into what is served."""
import pytest

from library.importing.pipeline import ImportPipeline
from library.media.ffmpeg_binaries import ffprobe_path
from library.media.video_playback import Playback, VideoCodecs, verdict
from library.models import ImportSource, Photo
from library.playback import serves_rendition

import factories

pytestmark = pytest.mark.django_db

# given a video of each kind phones and cameras make → what the import decides and records
VERDICTS = [
    ("iphone-hevc", Playback.RENDITION, "hevc yuv420p + aac"),
    ("iphone-hevc-10bit-hdr", Playback.RENDITION, "hevc yuv420p10le + aac"),
    ("avchd-mts", Playback.RENDITION, "h264 yuv420p + ac3"),
    ("mjpeg-avi", Playback.RENDITION, "mjpeg yuvj422p + pcm_s16le"),
    ("vp9-webm", Playback.ORIGINAL, "vp9 yuv420p + opus"),
    ("android-h264", Playback.ORIGINAL, "h264 yuv420p + aac"),
]


@pytest.fixture(params=["ffprobe", "ffmpeg -i"])
def probe(request, monkeypatch):
    """Both ways the import reads a video: the system's ffprobe, and the bundled ffmpeg alone."""
    if request.param == "ffprobe" and ffprobe_path() is None:
        pytest.skip("no ffprobe on this machine")
    if request.param == "ffmpeg -i":
        monkeypatch.setenv("PHOTOSITE_FFPROBE", "none")
        ffprobe_path.cache_clear()
    yield request.param
    ffprobe_path.cache_clear()


@pytest.mark.parametrize(("kind", "expected", "codecs"), VERDICTS)
def test_import_records_the_verdict_from_the_probe(library_root, media_dir, probe, kind, expected, codecs):
    # given
    source = factories.make_camera_video(media_dir, kind, seconds=1)
    # when
    ImportPipeline.start(ImportSource.CLI).import_path(source)
    # then
    photo = Photo.objects.get()
    assert (photo.playback, photo.video_codecs) == (expected, codecs)


@pytest.mark.outside_database
@pytest.mark.parametrize(("file_format", "codecs", "expected"), [
    ("mp4", VideoCodecs("h264", "yuv420p", ""), Playback.ORIGINAL),  # no audio
    ("mov", VideoCodecs("h264", "yuvj420p", "mp3"), Playback.ORIGINAL),
    ("mp4", VideoCodecs("h264", "yuv420p10le", "aac"), Playback.RENDITION),  # High 10
    ("mp4", VideoCodecs("h264", "yuv422p", "aac"), Playback.RENDITION),
    ("mov", VideoCodecs("h264", "yuv420p", "pcm_s16le"), Playback.RENDITION),  # camera PCM sound
    ("webm", VideoCodecs("av1", "yuv420p", "opus"), Playback.ORIGINAL),
    ("mkv", VideoCodecs("vp9", "yuv420p", "opus"), Playback.RENDITION),  # Safari plays no Matroska
    ("3gp", VideoCodecs("h263", "yuv420p", "amr_nb"), Playback.RENDITION),
])
def test_verdict_table(file_format, codecs, expected):
    assert verdict(file_format, codecs) == expected


@pytest.mark.parametrize(("mode", "playback", "served"), [
    ("needed", Playback.ORIGINAL, False), ("needed", Playback.RENDITION, True), ("needed", "", True),
    ("always", Playback.ORIGINAL, True), ("never", Playback.RENDITION, False),
])
def test_the_mode_turns_the_verdict_into_what_is_served(settings, mode, playback, served):
    settings.PHOTOSITE_VIDEO_RENDITIONS = mode
    assert serves_rendition(Photo(kind="video", playback=playback)) is served
    assert serves_rendition(Photo(kind="photo")) is False


@pytest.mark.outside_database
def test_an_unknown_mode_stops_the_site_at_its_checks(settings):
    from library.playback import check_mode

    settings.PHOTOSITE_VIDEO_RENDITIONS = "sometimes"
    assert [error.id for error in check_mode(None)] == ["library.E010"]
    settings.PHOTOSITE_VIDEO_RENDITIONS = "always"
    assert check_mode(None) == []


@pytest.mark.outside_database
def test_an_unknown_preset_stops_the_site_at_its_checks(settings):
    from thumbnails.video_renditions import check_preset

    settings.PHOTOSITE_VIDEO_RENDITION_PRESET = "placebo-ish"
    assert [error.id for error in check_preset(None)] == ["thumbnails.E002"]
