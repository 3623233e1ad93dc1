"""Dates, dimensions and cameras, read without decoding pixels; videos with ffprobe and with
the bundled ffmpeg alone (no ffprobe), which must agree."""
from datetime import UTC, datetime

import pytest

from library.media import detection, ffmpeg_binaries
from library.media.errors import CorruptFileError, FileTooLargeError, UnsupportedFileError
from library.media.metadata import read_metadata
from library.models import DateSource

import factories

pytestmark = pytest.mark.outside_database  # no database here: the SQLite pass of .ci/run runs it


def metadata_of(path, name=None):
    head = path.read_bytes()[: detection.HEAD_BYTES]
    return read_metadata(path, detection.detect_format(head, name or path.name, path), name or path.name)


@pytest.fixture(params=["ffprobe", "bundled-ffmpeg-only"])
def video_tools(request, monkeypatch):
    """Runs a test with the system's ffprobe, then again as on a machine with only imageio-ffmpeg."""
    if request.param == "bundled-ffmpeg-only":
        import imageio_ffmpeg

        monkeypatch.setenv("PHOTOSITE_FFMPEG", imageio_ffmpeg.get_ffmpeg_exe())
        monkeypatch.setenv("PHOTOSITE_FFPROBE", "none")
    elif ffmpeg_binaries.shutil.which("ffprobe") is None:
        pytest.skip("no system ffprobe on this machine")
    ffmpeg_binaries.ffmpeg_path.cache_clear()
    ffmpeg_binaries.ffprobe_path.cache_clear()
    yield request.param
    ffmpeg_binaries.ffmpeg_path.cache_clear()
    ffmpeg_binaries.ffprobe_path.cache_clear()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_photo_dimensions_are_as_displayed(tmp_path, orientation):
    # given a 640×480 picture, stored rotated/flipped the way a camera would for this orientation
    path = factories.make_jpeg(tmp_path / "a.jpg", 640, 480, orientation=orientation)
    # when
    found = metadata_of(path)
    # then
    assert (found.width, found.height) == (640, 480)
    assert found.orientation == orientation


def test_exif_date_camera_and_offset(tmp_path):
    path = factories.make_jpeg(tmp_path / "a.jpg", taken=datetime(2021, 7, 4, 18, 30), offset="-04:00",
                               make="Canon", model="Canon EOS 5D\x00\x01")
    found = metadata_of(path)
    assert found.taken_at == datetime(2021, 7, 4, 22, 30, tzinfo=UTC)
    assert found.taken_at_source == DateSource.EXIF
    assert (found.camera_make, found.camera_model) == ("Canon", "Canon EOS 5D")


def test_date_falls_back_from_original_to_digitized_to_plain(tmp_path):
    path = factories.make_jpeg(tmp_path / "a.jpg", taken="0000:00:00 00:00:00", digitized="2019:05:06 07:08:09")
    assert metadata_of(path).taken_at.replace(tzinfo=None) == datetime(2019, 5, 6, 7, 8, 9)
    path = factories.make_jpeg(tmp_path / "b.jpg", plain_datetime="2018:01:02 03:04:05")
    assert metadata_of(path).taken_at.replace(tzinfo=None) == datetime(2018, 1, 2, 3, 4, 5)


def test_date_falls_back_to_file_name_then_file_time(tmp_path):
    path = factories.make_jpeg(tmp_path / "a.jpg")
    from_name = metadata_of(path, "IMG_20200202_020202.jpg")
    assert (from_name.taken_at.year, from_name.taken_at_source) == (2020, DateSource.FILENAME)
    from_mtime = metadata_of(path, "holiday.jpg")
    assert from_mtime.taken_at_source == DateSource.MTIME


def test_heic_has_date_and_size(tmp_path):
    path = factories.make_heic(tmp_path / "a.heic", 320, 240, taken=datetime(2022, 5, 6, 7, 8, 9))
    found = metadata_of(path)
    assert (found.width, found.height) == (320, 240)
    assert found.taken_at.replace(tzinfo=None) == datetime(2022, 5, 6, 7, 8, 9)


def test_header_claiming_a_gigantic_picture_is_refused(tmp_path):
    path = factories.make_png_bomb(tmp_path / "bomb.png")
    with pytest.raises(FileTooLargeError, match="megapixels"):
        metadata_of(path)


def test_unreadable_photo_is_corrupt_and_does_not_leak_paths(tmp_path):
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 50)
    with pytest.raises(CorruptFileError) as caught:
        metadata_of(path)
    assert str(tmp_path) not in str(caught.value)


def test_video_metadata(tmp_path, video_tools):
    path = factories.make_video(tmp_path / "v.mp4", seconds=1.5, width=320, height=240,
                                creation_time=datetime(2023, 3, 4, 5, 6, 7))
    found = metadata_of(path)
    assert (found.width, found.height) == (320, 240)
    assert found.duration == pytest.approx(1.5, abs=0.1)
    assert found.taken_at == datetime(2023, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert found.taken_at_source == DateSource.CONTAINER


def test_rotated_phone_video_is_portrait(tmp_path, video_tools):
    path = factories.make_video(tmp_path / "v.mp4", width=320, height=240, rotation=-90)
    found = metadata_of(path)
    assert (found.width, found.height) == (240, 320)


def test_video_without_picture_is_refused(tmp_path, video_tools):
    path = factories.make_audio_only_mp4(tmp_path / "sound.mp4")
    with pytest.raises(UnsupportedFileError, match="no video stream"):
        metadata_of(path)


def test_corrupt_video_is_refused(tmp_path, video_tools):
    path = factories.make_video(tmp_path / "v.mp4")
    data = bytearray(path.read_bytes())
    data[40:] = bytes(len(data) - 40)
    path.write_bytes(bytes(data))
    with pytest.raises((CorruptFileError, UnsupportedFileError)) as caught:
        metadata_of(path)
    assert str(tmp_path) not in str(caught.value)
