"""Content sniffing: the kind comes from the bytes, the extension only breaks ties."""
import pytest

from library.importing.detection import HEAD_BYTES, detect_format
from library.importing.errors import UnsupportedFileError

import factories


@pytest.mark.parametrize(
    ("make", "name", "expected_format", "expected_extension"),
    [
        (lambda p: factories.make_jpeg(p), "a.jpg", "jpeg", "jpg"),
        (lambda p: factories.make_jpeg(p), "a.JPEG", "jpeg", "jpg"),
        (lambda p: factories.make_jpeg(p), "misnamed.png", "jpeg", "jpg"),
        (lambda p: factories.make_png(p), "a.png", "png", "png"),
        (lambda p: factories.make_image(p, "GIF"), "a.gif", "gif", "gif"),
        (lambda p: factories.make_image(p, "WEBP"), "a.webp", "webp", "webp"),
        (lambda p: factories.make_image(p, "TIFF"), "a.tiff", "tiff", "tif"),
        (lambda p: factories.make_image(p, "TIFF"), "raw.DNG", "dng", "dng"),
        (lambda p: factories.make_heic(p), "a.heic", "heic", "heic"),
        (lambda p: factories.make_video(p, seconds=0.2), "v.mp4", "mp4", "mp4"),
        (lambda p: factories.make_video(p, seconds=0.2), "v.mov", "mov", "mov"),
        (lambda p: factories.make_video(p, seconds=0.2), "v.3gp", "3gp", "3gp"),
        (lambda p: factories.make_video(p, seconds=0.2, extra_output_args=("-f", "mov")), "v.bin", "mov", "mov"),
        (lambda p: factories.make_video(p, seconds=0.2, codec="libvpx", extra_output_args=("-f", "webm")), "v.webm", "webm", "webm"),
        (lambda p: factories.make_video(p, seconds=0.2, extra_output_args=("-f", "matroska")), "v.mkv", "mkv", "mkv"),
        (lambda p: factories.make_video(p, seconds=0.2, codec="mjpeg", pix_fmt="yuvj420p", extra_output_args=("-f", "avi")), "v.avi", "avi", "avi"),
        (lambda p: factories.make_video(p, seconds=0.2, extra_output_args=("-f", "mpegts")), "v.mts", "mts", "mts"),
    ],
)
def test_detects_format_from_content(tmp_path, make, name, expected_format, expected_extension):
    # given
    path = tmp_path / name
    make(path)
    # when
    detected = detect_format(path.read_bytes()[:HEAD_BYTES], name)
    # then
    assert (detected.name, detected.extension) == (expected_format, expected_extension)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"Hello, this is a text file\n", "text"),
        (b"<!DOCTYPE html><html><body>not a photo</body></html>", "HTML"),
        (b"%PDF-1.4\n...", "PDF"),
        (b"PK\x03\x04rest-of-zip", "ZIP"),
        (bytes(range(256)) * 4, "binary"),
        (b"   \n  ", "blank"),
    ],
)
def test_refuses_what_is_not_a_photo_or_video(content, reason):
    with pytest.raises(UnsupportedFileError, match=reason):
        detect_format(content, "holiday.jpg")
