"""A motion photo's video follows the playback policy of any video (library/media/video_playback.py):
the import probes the MP4 inside it through its byte range only and records the verdict; HEVC,
as Galaxy and Pixel phones write it, gets a web rendition (thumbnails/video_renditions.py, the same
cache as videos' renditions, made from the byte range in place), made ahead by the workers and
`pregenerate` and served by `/api/photo/<id>/motion` — stored, or streamed on its first play;
H.264 is still served as its original bytes, and no rendition is made for it. Renditions keep at
most 60 frames a second on Debian's ffmpeg and on the bundled one alike."""
import json
import subprocess

import imageio_ffmpeg
import pytest
from django.core.management import call_command
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from test_video_renditions import read_all

from library.importing.pipeline import ImportPipeline
from library.media.ffmpeg_binaries import ffmpeg_path, ffprobe_path
from library.media.ffmpeg_inputs import byte_range_input
from library.media.motion_photos import find_embedded_video
from library.media.video_metadata import probe_with_ffmpeg, probe_with_ffprobe
from library.models import ImportSource, Photo
from thumbnails import store, video_renditions
from thumbnails.generators.video_rendition import make_rendition, read_streams
from thumbnails.links import embedded_video_url
from thumbnails.models import Rendition, RenditionState
from thumbnails.specs import VideoRenditionSpec
from thumbnails.tasks import make_renditions

import factories
from polling import wait_for

# Transactional: the view reads in its own threads, and first plays make renditions in another.
pytestmark = pytest.mark.django_db(transaction=True)

HEVC_NAME, H264_NAME = "20240602_093000.jpg", "PXL_20240602_100000.MP.jpg"


def make_motion_photos(media_dir):
    """A Galaxy's motion photo with HEVC inside (as Samsung writes it) and a Pixel's with H.264."""
    hevc = factories.make_video(media_dir / "hevc.mp4", seconds=1.5, audio=True, **factories.HEVC)
    h264 = factories.make_video(media_dir / "h264.mp4", seconds=1.5)
    samsung = factories.make_samsung_motion_photo(media_dir / HEVC_NAME, hevc)
    google = factories.make_google_motion_photo(media_dir / H264_NAME, h264)
    hevc.unlink()
    h264.unlink()
    return samsung, google


@pytest.fixture
def imported(library_root, media_dir):
    """The two motion photos, imported (the session left open: tests finish it when they need to)."""
    pipeline = ImportPipeline.start(ImportSource.CLI)
    for source in make_motion_photos(media_dir):
        pipeline.import_path(source)
    return pipeline


def motion_photo(name) -> Photo:
    return Photo.objects.get(original_name=name)


def codec_of(data: bytes, tmp_path) -> str:
    """The first video stream's codec of an MP4 held in memory, as ffprobe reads it."""
    path = tmp_path / "served.mp4"
    path.write_bytes(data)
    probe = subprocess.run([ffprobe_path(), "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=codec_name,width", "-of", "json", str(path)], capture_output=True, check=True)
    stream = json.loads(probe.stdout)["streams"][0]
    assert stream["width"] > 0
    return stream["codec_name"]


@pytest.mark.outside_database
@pytest.mark.parametrize("probe", [probe_with_ffprobe, probe_with_ffmpeg], ids=["ffprobe", "ffmpeg-summary"])
def test_the_video_inside_is_probed_through_its_byte_range(tmp_path, probe):
    # given a Galaxy motion photo whose video is HEVC
    samsung, _ = make_motion_photos(tmp_path)
    with open(samsung, "rb") as still:
        found = find_embedded_video(still, "jpeg", None)
    # when only its bytes are read
    info = probe(byte_range_input(samsung, found.offset, found.length))
    # then ffmpeg sees the MP4, not the JPEG in front of it
    assert info["codecs"].video == "hevc" and info["codecs"].audio == "aac"
    assert (info["width"], info["height"]) == (320, 240)


def test_the_import_records_the_verdict_of_the_video_inside(imported):
    # then the HEVC one needs a rendition, the H.264 one plays as it is
    samsung, google = motion_photo(HEVC_NAME), motion_photo(H264_NAME)
    assert samsung.kind == "photo" and samsung.has_embedded_video
    assert samsung.playback == "rendition" and samsung.video_codecs == "hevc yuv420p + aac"
    assert google.playback == "original" and google.video_codecs == "h264 yuv420p, no audio"


def test_a_video_inside_that_ffmpeg_cannot_read_leaves_a_still(library_root, media_dir):
    # given a motion photo whose "MP4" is a `ftyp` box and then nothing ffmpeg can read
    fake = media_dir / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(4000))
    source = factories.make_samsung_motion_photo(media_dir / "20240602_110000.jpg", fake)
    # when
    pipeline = ImportPipeline.start(ImportSource.CLI)
    result = pipeline.import_path(source)
    # then it is imported, as a still with no motion to offer
    photo = Photo.objects.get(pk=result.photo_id)
    assert not photo.has_embedded_video and photo.playback == ""


def test_a_finished_import_queues_the_rendition_of_the_hevc_one_only(imported, django_capture_on_commit_callbacks):
    # when the session finishes
    with django_capture_on_commit_callbacks(execute=True):
        imported.finish()
    # then, after the thumbnails, one rendition task: the HEVC motion photo's
    tasks = [SignedPackage.loads(row.payload) for row in OrmQ.objects.order_by("id")]
    renditions = [task["args"][0] for task in tasks if task["func"] == "thumbnails.tasks.make_renditions"]
    assert renditions == [[motion_photo(HEVC_NAME).pk]]
    assert tasks[-1]["func"] == "thumbnails.tasks.make_renditions"
    # and a worker running it makes it; the H.264 one is skipped even if asked
    assert make_renditions([motion_photo(HEVC_NAME).pk]) == {"made": 1, "skipped": 0, "failed": 0, "waiting": 0}
    assert make_renditions([motion_photo(H264_NAME).pk]) == {"made": 0, "skipped": 1, "failed": 0, "waiting": 0}
    assert not Rendition.objects.filter(photo=motion_photo(H264_NAME), spec=str(video_renditions.rendition_spec())).exists()


def test_the_route_serves_the_stored_rendition_with_ranges(imported, logged_in, tmp_path):
    # given the HEVC motion photo's rendition, made ahead
    photo = motion_photo(HEVC_NAME)
    assert video_renditions.ensure(photo)
    # when the motion is asked for, whole and in part
    whole = logged_in.get(embedded_video_url(photo))
    part = logged_in.get(embedded_video_url(photo), headers={"Range": "bytes=0-99"})
    # then it is the rendition: H.264, seekable
    body = read_all(whole)
    assert whole.status_code == 200 and whole["Content-Type"] == "video/mp4" and whole["Accept-Ranges"] == "bytes"
    assert codec_of(body, tmp_path) == "h264"
    assert body == store.storage().open(video_renditions.entry(photo).name).read()
    assert part.status_code == 206 and read_all(part) == body[:100]


def test_the_first_play_streams_the_rendition_while_it_is_made(imported, logged_in, tmp_path):
    # given nothing made ahead (no worker ran)
    photo = motion_photo(HEVC_NAME)
    # when the motion is played
    response = logged_in.get(embedded_video_url(photo))
    # then what streams is H.264, and the rendition is kept for the next play
    assert response.status_code == 200
    assert codec_of(read_all(response), tmp_path) == "h264"
    wait_for(lambda: Rendition.objects.filter(photo=photo, state=RenditionState.READY).exists())
    assert logged_in.get(embedded_video_url(photo))["Accept-Ranges"] == "bytes"


def test_an_h264_motion_photo_still_plays_its_original_bytes(imported, logged_in, library_root):
    # when the H.264 motion photo's motion is played
    photo = motion_photo(H264_NAME)
    response = logged_in.get(embedded_video_url(photo))
    # then it is the span of the original, byte for byte, and no rendition was made
    original = (library_root / photo.path).read_bytes()
    span = original[photo.embedded_video_offset:photo.embedded_video_offset + photo.embedded_video_length]
    assert response.status_code == 200 and read_all(response) == span
    assert not Rendition.objects.filter(photo=photo).exclude(spec__startswith="h").exists()
    assert not store.storage().exists(video_renditions.entry(photo).name)


def test_a_motion_photo_imported_before_verdicts_is_probed_on_its_first_play(imported, logged_in, tmp_path):
    # given rows with no verdict yet
    Photo.objects.update(playback="", video_codecs="")
    # when each motion is played (a body streamed while it is made is read at once, as players do)
    hevc = read_all(logged_in.get(embedded_video_url(motion_photo(HEVC_NAME))))
    h264 = logged_in.get(embedded_video_url(motion_photo(H264_NAME)))
    # then each is judged, and served accordingly
    assert motion_photo(HEVC_NAME).playback == "rendition" and motion_photo(H264_NAME).playback == "original"
    assert codec_of(hevc, tmp_path) == "h264"
    assert h264["Cache-Control"].endswith("immutable")


def test_rendition_modes_apply_to_motion_photos(imported, logged_in, settings):
    # given PHOTOSITE_VIDEO_RENDITIONS=never: originals only
    settings.PHOTOSITE_VIDEO_RENDITIONS = "never"
    response = logged_in.get(embedded_video_url(motion_photo(HEVC_NAME)))
    assert response["Accept-Ranges"] == "bytes" and "immutable" in response["Cache-Control"]
    assert make_renditions([motion_photo(HEVC_NAME).pk])["skipped"] == 1
    # given `always`: the H.264 one gets a rendition too
    settings.PHOTOSITE_VIDEO_RENDITIONS = "always"
    assert make_renditions([motion_photo(H264_NAME).pk])["made"] == 1


def test_pregenerate_makes_motion_photo_renditions(imported, capsys):
    # when
    call_command("pregenerate", "--kind", "photo", "--jobs", "1", "--no-progress")
    call_command("librarystatus")
    # then the HEVC motion photo's rendition is made, counted among the renditions
    out = capsys.readouterr().out
    assert "1 videos: 1 web renditions made, 0 already there, 0 failed" in out
    assert "Video renditions v1080-h264-v1: 1 made, 0 missing" in out
    assert "1 of 2 videos and motion photos play in browsers as they are" in out


def test_a_changed_original_fails_the_rendition_with_a_4xx(imported, logged_in, library_root):
    # given the HEVC motion photo's file changed behind the site's back
    photo = motion_photo(HEVC_NAME)
    (library_root / photo.path).write_bytes(b"\xff\xd8\xff" + bytes(100))
    # when / then
    response = logged_in.get(embedded_video_url(photo))
    assert response.status_code == 422 and b"cannot be played in the browser" in response.content


@pytest.mark.outside_database
@pytest.mark.parametrize("binary", ["debian", "bundled"])
def test_renditions_keep_at_most_60_frames_a_second_on_either_ffmpeg(tmp_path, monkeypatch, binary):
    # given a 120 fps clip, and the ffmpeg a test pass runs on (the bundled 9.0 refuses -fpsmax with -fps_mode vfr)
    source = factories.make_video(tmp_path / "fast.mp4", seconds=1, fps=120)
    if binary == "bundled":
        monkeypatch.setenv("PHOTOSITE_FFMPEG", imageio_ffmpeg.get_ffmpeg_exe())
    ffmpeg_path.cache_clear()
    try:
        # when
        make_rendition(source, tmp_path / "r.mp4", VideoRenditionSpec(240))
    finally:
        monkeypatch.delenv("PHOTOSITE_FFMPEG", raising=False)
        ffmpeg_path.cache_clear()
    # then half its frames are kept (give or take the last), none added
    assert 59 <= read_streams(tmp_path / "r.mp4").video_frames <= 61
