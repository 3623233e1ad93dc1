"""Web renditions of videos: the generator (real ffmpeg on each kind cameras make), the cache's
ownership (made once however many ask, failures recorded and backed off), the view (Range on a
stored rendition, the growing copy while it is made, 302 to the original when none is needed,
422 when ffmpeg cannot decode it), the workers' tasks, `pregenerate` and `librarystatus`."""
import subprocess
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from library import paths
from library.importing.pipeline import ImportPipeline
from library.media.video_metadata import probe_with_ffmpeg
from library.models import ImportSource, Photo
from thumbnails import names, store, video_renditions, video_views
from thumbnails.errors import RenditionBackoffError, VideoRenditionError
from thumbnails.generators.video_rendition import (
    FFMPEG_ADDRESS_SPACE_BYTES,
    TIMEOUT_BASE_SECONDS,
    make_rendition,
    read_streams,
    run_ffmpeg,
)
from thumbnails.models import Rendition, RenditionState
from thumbnails.specs import VideoRenditionSpec
from thumbnails.tasks import make_renditions
from thumbnails.video_jobs import encode_slots

import factories
import hostile
from browser import run_coroutine
from polling import wait_for

# Transactional: the view reads in its own threads, and first plays make renditions in another.
pytestmark = pytest.mark.django_db(transaction=True)


def import_videos(media_dir, *kinds, seconds=1.0):
    pipeline = ImportPipeline.start(ImportSource.CLI)
    for kind in kinds:
        pipeline.import_path(factories.make_camera_video(media_dir, kind, seconds=seconds))
    return pipeline


def read_all(response) -> bytes:
    """The body of the view's async streaming response (the test client does not join those)."""
    async def collect():
        return b"".join([chunk async for chunk in response.streaming_content])
    return run_coroutine(collect())  # in a thread of its own: a browser test may hold this thread's loop


def video(kind) -> Photo:
    return Photo.objects.get(original_name=factories.CAMERA_VIDEOS[kind][0])


def broken_video(media_dir, library_root) -> Photo:
    """An imported AVI whose frames are then zeroed: its header reads, nothing decodes."""
    import_videos(media_dir, "mjpeg-avi")
    photo = video("mjpeg-avi")
    path = library_root / photo.path
    data = bytearray(path.read_bytes())
    data[8192:-4096] = bytes(len(data) - 8192 - 4096)
    path.write_bytes(bytes(data))
    return photo


@pytest.mark.outside_database
@pytest.mark.parametrize(("kind", "size"), [
    ("iphone-hevc", (240, 426)),  # stored 640×360, turned upright, short side capped
    ("iphone-hevc-10bit-hdr", (426, 240)),
    ("avchd-mts", (426, 240)),
    ("mjpeg-avi", (426, 240)),
    ("vp9-webm", (426, 240)),
])
def test_the_generator_makes_browser_video_of_every_kind(tmp_path, kind, size):
    # given
    source = factories.make_camera_video(tmp_path, kind, seconds=1, width=640, height=360)
    target, growing = tmp_path / "rendition.mp4", tmp_path / "growing.mp4"
    # when
    make_rendition(source, target, VideoRenditionSpec(240), growing=growing)
    # then: H.264 8-bit 4:2:0 + AAC, upright, at most 240 lines; the streamed copy holds the same
    made = probe_with_ffmpeg(target)
    assert (made["codecs"].video, made["codecs"].pixel_format, made["codecs"].audio) == ("h264", "yuv420p", "aac")
    assert (made["width"], made["height"]) == size and made["rotation"] in (None, 0.0)
    assert made["duration"] == pytest.approx(1.0, abs=0.15)
    assert target.read_bytes()[4:8] == b"ftyp" and b"moov" in target.read_bytes()[:4096]  # index first
    assert probe_with_ffmpeg(growing)["codecs"].video == "h264"


@pytest.mark.outside_database
def test_hdr_is_tone_mapped_to_bt709(tmp_path):
    source = factories.make_camera_video(tmp_path, "iphone-hevc-10bit-hdr", seconds=1)
    make_rendition(source, tmp_path / "r.mp4", VideoRenditionSpec(1080))
    summary = factories.ffmpeg_summary(tmp_path / "r.mp4")
    assert "yuv420p(tv, bt709, progressive)" in summary or "yuv420p(tv, bt709)" in summary


@pytest.mark.outside_database
def test_a_video_ffmpeg_cannot_decode_raises_its_reason(tmp_path):
    source = tmp_path / "x.mov"
    source.write_bytes(b"\x00\x00\x00\x14ftypqt  " + bytes(2000))
    with pytest.raises(VideoRenditionError, match="could not read x.mov"):
        make_rendition(source, tmp_path / "r.mp4", VideoRenditionSpec(1080))


def test_many_askers_make_it_once(library_root, media_dir):
    # given
    import_videos(media_dir, "iphone-hevc")
    photo = video("iphone-hevc")
    results = []

    def ask():
        results.append(video_renditions.ensure(Photo.objects.get(pk=photo.pk)))

    # when four workers ask at once
    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then one made it, the rest left it to the claim's holder; file and row agree
    assert sorted(results) == [False, False, False, True]
    row = Rendition.objects.get(photo=photo, spec=str(video_renditions.rendition_spec()))
    assert (row.state, row.generations, row.name) == (RenditionState.READY, 1, video_renditions.entry(photo).name)
    assert row.name.endswith(f"{photo.sha256}-v1080-h264-v1.mp4")
    assert store.storage().size(row.name) == row.bytes
    assert video_renditions.ensure(photo) is False  # stored: nothing to do
    assert not list((library_root / paths.VIDEO_RENDITIONS_DIR).iterdir()), "no growing copy left behind"


def test_a_failure_is_logged_and_backed_off(library_root, media_dir):
    # given
    photo = broken_video(media_dir, library_root)
    # when
    with pytest.raises(VideoRenditionError):
        video_renditions.ensure(photo)
    # then
    row = Rendition.objects.get(photo=photo, spec=str(video_renditions.rendition_spec()))
    assert row.state == RenditionState.FAILED and row.attempts == 1 and row.retry_after
    assert "v1080-h264-v1" in (library_root / ".logs" / "errors.log").read_text()
    with pytest.raises(RenditionBackoffError):
        video_renditions.playable(photo)


def test_view_serves_a_stored_rendition_with_ranges(logged_in, library_root, media_dir):
    # given
    import_videos(media_dir, "avchd-mts")
    photo = video("avchd-mts")
    video_renditions.ensure(photo)
    size = store.storage().size(video_renditions.entry(photo).name)
    # when
    whole = logged_in.get(f"/api/photo/{photo.pk}/video")
    part = logged_in.get(f"/api/photo/{photo.pk}/video", HTTP_RANGE="bytes=100-199")
    # then
    assert whole.status_code == 200 and whole["Content-Type"] == "video/mp4" and whole["Accept-Ranges"] == "bytes"
    body = read_all(whole)
    assert len(body) == size == int(whole["Content-Length"])
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{size}"
    assert read_all(part) == body[100:200]
    beyond = logged_in.get(f"/api/photo/{photo.pk}/video", HTTP_RANGE=f"bytes={size}-")
    assert beyond.status_code == 416


def test_view_streams_the_growing_copy_on_first_play(logged_in, library_root, media_dir):
    # given a video with no rendition, and no worker
    import_videos(media_dir, "iphone-hevc-10bit-hdr", seconds=2)
    photo = video("iphone-hevc-10bit-hdr")
    # when
    response = logged_in.get(f"/api/photo/{photo.pk}/video")
    # then it is made while it is served, and recorded once made
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "Content-Length" not in response
    body = read_all(response)
    assert body[4:8] == b"ftyp" and b"moof" in body
    wait_for(lambda: Rendition.objects.filter(photo=photo, state=RenditionState.READY).exists())
    assert logged_in.get(f"/api/photo/{photo.pk}/video")["Accept-Ranges"] == "bytes"


def test_view_redirects_to_the_original_when_it_plays_as_it_is(logged_in, library_root, media_dir, settings):
    import_videos(media_dir, "android-h264", "iphone-hevc")
    assert logged_in.get(f"/api/photo/{video('android-h264').pk}/video")["Location"] == \
        f"/photo/{video('android-h264').pk}/original"
    settings.PHOTOSITE_VIDEO_RENDITIONS = "never"
    assert logged_in.get(f"/api/photo/{video('iphone-hevc').pk}/video").status_code == 302


def test_a_video_imported_before_verdicts_is_probed_on_its_first_play(logged_in, library_root, media_dir):
    # given videos whose rows have no verdict yet
    import_videos(media_dir, "android-h264", "mjpeg-avi")
    Photo.objects.update(playback="", video_codecs="")
    # when each is played
    original = logged_in.get(f"/api/photo/{video('android-h264').pk}/video")
    logged_in.get(f"/api/photo/{video('mjpeg-avi').pk}/video")
    # then the verdict is recorded, and a video that plays as it is goes to its original
    assert original.status_code == 302 and original["Location"].endswith("/original")
    assert video("android-h264").playback == "original" and video("mjpeg-avi").playback == "rendition"
    assert video("mjpeg-avi").video_codecs == "mjpeg yuvj422p + pcm_s16le"
    wait_for(lambda: Rendition.objects.filter(photo=video("mjpeg-avi"), state=RenditionState.READY).exists())


def test_workers_record_a_missing_verdict_before_making_anything(library_root, media_dir):
    import_videos(media_dir, "android-h264")
    Photo.objects.update(playback="")
    assert make_renditions([video("android-h264").pk]) == {"made": 0, "skipped": 1, "failed": 0, "waiting": 0}
    assert video("android-h264").playback == "original"


def test_view_answers_422_for_a_video_ffmpeg_cannot_decode(logged_in, library_root, media_dir):
    photo = broken_video(media_dir, library_root)
    with pytest.raises(VideoRenditionError):
        video_renditions.ensure(photo)
    response = logged_in.get(f"/api/photo/{photo.pk}/video")
    assert response.status_code == 422 and b"cannot be played in the browser" in response.content


def test_a_finished_import_queues_renditions_after_its_thumbnails(library_root, media_dir,
                                                                  django_capture_on_commit_callbacks):
    # given
    pipeline = import_videos(media_dir, "android-h264", "iphone-hevc", "avchd-mts")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.finish()
    # then: thumbnail batches first, then one task per video that needs a rendition
    tasks = [SignedPackage.loads(row.payload) for row in OrmQ.objects.order_by("id")]
    funcs = [task["func"] for task in tasks]
    assert funcs[-2:] == ["thumbnails.tasks.make_renditions"] * 2
    assert set(funcs[:-2]) == {"thumbnails.tasks.pregenerate_batch"}
    assert {task["args"][0][0] for task in tasks[-2:]} == {video("iphone-hevc").pk, video("avchd-mts").pk}
    # and the task makes it when a worker runs it
    assert make_renditions([video("iphone-hevc").pk]) == {"made": 1, "skipped": 0, "failed": 0, "waiting": 0}


def test_pregenerate_kind_video_makes_renditions_and_librarystatus_counts_them(library_root, media_dir, capsys):
    # given
    import_videos(media_dir, "android-h264", "iphone-hevc", "mjpeg-avi")
    # when
    call_command("pregenerate", "--kind", "video", "--jobs", "1", "--no-progress")
    call_command("librarystatus")
    # then
    out = capsys.readouterr().out
    assert "2 videos: 2 web renditions made, 0 already there, 0 failed" in out
    assert "Video renditions v1080-h264-v1: 2 made, 0 missing (0 being made now), 0 failed" in out
    assert "1 of 3 videos and motion photos play in browsers as they are" in out


def test_trash_removes_the_rendition(library_root, media_dir):
    from library.curation.trash import move_to_trash

    import_videos(media_dir, "iphone-hevc")
    photo = video("iphone-hevc")
    video_renditions.ensure(photo)
    move_to_trash(photo)
    assert not store.storage().exists(video_renditions.entry(photo).name)
    assert not Rendition.objects.filter(photo=photo).exists()


def test_checklibrary_keeps_current_renditions(library_root, media_dir):
    import_videos(media_dir, "iphone-hevc")
    photo = video("iphone-hevc")
    video_renditions.ensure(photo)
    assert names.is_current_name(video_renditions.entry(photo).name)
    assert not names.is_current_name(video_renditions.entry(photo).name.replace("-v1.mp4", "-v0.mp4"))
    assert Path(library_root / ".thumbnails" / video_renditions.entry(photo).name).exists()


def test_admin_shows_the_verdict_and_filters_by_rendition_state(admin_client, library_root, media_dir):
    # given
    import_videos(media_dir, "android-h264", "iphone-hevc", "avchd-mts")
    video_renditions.ensure(video("iphone-hevc"))
    # when
    made = admin_client.get("/admin/library/photo/?rendition=cached").content.decode()
    missing = admin_client.get("/admin/library/photo/?rendition=missing").content.decode()
    detail = admin_client.get(f"/admin/library/photo/{video('avchd-mts').pk}/change/").content.decode()
    # then
    assert "IMG_0001.MOV" in made and "00001.MTS" not in made and "VID_0001.mp4" not in made
    assert "00001.MTS" in missing and "IMG_0001.MOV" not in missing and "VID_0001.mp4" not in missing
    assert "Needs a web rendition" in detail and "h264 yuv420p + ac3" in detail


@pytest.mark.outside_database
def test_a_video_claiming_hours_is_encoded_as_the_frames_it_holds(tmp_path):
    # given four frames an hour apart, in a track that says 20 frames a second
    source = hostile.video_claiming_hours(tmp_path / "claims.mkv")
    # when
    streams = read_streams(source)
    make_rendition(source, tmp_path / "r.mp4", VideoRenditionSpec(240), streams)
    # then the time limit follows the frames counted, and no frame was copied to fill the hours
    assert (streams.video_frames, streams.audio_packets) == (4, 0)
    assert streams.time_limit() < TIMEOUT_BASE_SECONDS + 1
    assert rendition_frames(tmp_path / "r.mp4") <= 4


def rendition_frames(path) -> int:
    frames = subprocess.run([factories.ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:v:0",
                             "-c", "copy", "-f", "framecrc", "-"], capture_output=True, text=True, check=True).stdout
    return len([line for line in frames.splitlines() if line.startswith("0,")])


@pytest.mark.outside_database
@pytest.mark.parametrize("fps, expected", [(120, 60), (30, 30)])
def test_slow_motion_plays_at_sixty_frames_a_second_and_others_keep_theirs(tmp_path, fps, expected):
    # given a second of video at the phone's slow-motion rate, or an ordinary one
    source = factories.make_video(tmp_path / f"{fps}.mp4", seconds=1, fps=fps, width=160, height=120)
    # when
    make_rendition(source, tmp_path / "r.mp4", VideoRenditionSpec(240), read_streams(source))
    # then no more than 60 frames a second are kept, and none is added
    assert rendition_frames(tmp_path / "r.mp4") == expected


@pytest.mark.outside_database
def test_ffmpeg_runs_under_the_address_space_limit():
    limit_kib = run_ffmpeg(["sh", "-c", "ulimit -v"], 10, "").stdout
    assert int(limit_kib) * 1024 == FFMPEG_ADDRESS_SPACE_BYTES


@pytest.mark.slow
@pytest.mark.outside_database
def test_a_4k_hdr_hevc_video_is_made_within_the_limit(tmp_path):
    source = factories.make_camera_video(tmp_path, "iphone-hevc-10bit-hdr", seconds=0.4, width=3840, height=2160)
    make_rendition(source, tmp_path / "r.mp4", VideoRenditionSpec(1080))
    made = probe_with_ffmpeg(tmp_path / "r.mp4")
    assert (made["width"], made["height"], made["codecs"].video) == (1920, 1080, "h264")


def test_a_first_play_waits_for_a_free_encode_slot(logged_in, library_root, media_dir, monkeypatch):
    # given the only encode slot of this process taken (another video being made)
    import_videos(media_dir, "avchd-mts")
    photo = video("avchd-mts")
    monkeypatch.setattr(video_views, "WAIT_SECONDS", 0.3)
    slots = encode_slots()
    assert slots.try_take()
    try:
        # when its first play is asked for
        busy = logged_in.get(f"/api/photo/{photo.pk}/video")
        # then it waited, started nothing, and says when to ask again
        assert busy.status_code == 503 and busy["Retry-After"] == str(video_views.RETRY_AFTER_SECONDS)
        assert busy["Cache-Control"] == "no-store"
        assert not Rendition.objects.filter(photo=photo, claimed_until__isnull=False).exists()
    finally:
        slots.release()
    # when the slot is free again, the next ask makes it, streaming its growing copy
    monkeypatch.setattr(video_views, "WAIT_SECONDS", 20)
    started = logged_in.get(f"/api/photo/{photo.pk}/video")
    assert started.status_code == 200 and read_all(started)[4:8] == b"ftyp"
    wait_for(slots.try_take, what="the maker's slot given back")  # its thread is done with the database
    slots.release()
    assert store.storage().exists(video_renditions.entry(photo).name)
