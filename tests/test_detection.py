"""Content sniffing: the kind comes from the bytes, the extension only breaks ties; LibRaw judges
TIFF-like and unknown binary content."""
import pytest

from library.media.detection import HEAD_BYTES, detect_format
from library.media.errors import UnsupportedFileError
from library.media.raw_families import TIFF_BASED_RAW

import factories
from format_factories import make_dng, make_jxl

pytestmark = pytest.mark.outside_database  # no database here: the SQLite pass of .ci/run runs it


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
        # a TIFF LibRaw cannot read, named as a raw: read as a TIFF, filed under the owner's extension
        (lambda p: factories.make_image(p, "TIFF"), "not-raw.DNG", "tiff", "dng"),
        (lambda p: factories.make_image(p, "TIFF"), "unreadable.CR2", "tiff", "cr2"),
        (lambda p: make_dng(p), "camera.dng", "dng", "dng"),
        (lambda p: make_dng(p), "renamed.tif", "dng", "dng"),
        (lambda p: make_dng(p), "no-extension", "dng", "dng"),
        (lambda p: make_dng(p), "gopro.GPR", "gpr", "gpr"),
        (lambda p: make_dng(p), "tie-break.NEF", "nef", "nef"),
        (lambda p: make_jxl(p), "a.jxl", "jxl", "jxl"),
        (lambda p: make_jxl(p), "misnamed.jpg", "jxl", "jxl"),
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
    detected = detect_format(path.read_bytes()[:HEAD_BYTES], name, path)
    # then
    assert (detected.name, detected.extension) == (expected_format, expected_extension)


@pytest.mark.parametrize("family", sorted(TIFF_BASED_RAW))
def test_every_tiff_based_raw_family_is_told_apart_by_its_extension(tmp_path, family):
    # given a raw LibRaw reads in a TIFF container (a DNG's structure), named as that family's files are
    path = make_dng(tmp_path / f"camera.{family.upper()}")
    # then it is kept as that family
    assert detect_format(path.read_bytes()[:HEAD_BYTES], path.name, path).name == family


def test_a_jpeg_xl_codestream_without_container_is_detected(tmp_path):
    # given a bare codestream: pillow-jxl writes one when there is no metadata
    path = tmp_path / "bare.jxl"
    factories.upright_marked_image().save(path, "JXL")
    # then
    assert path.read_bytes()[:2] == b"\xff\x0a"
    assert detect_format(path.read_bytes()[:HEAD_BYTES], path.name, path).name == "jxl"


@pytest.mark.corpus
@pytest.mark.parametrize(("file_name", "expected"), [("FujiFilm.raf", "raf"), ("Panasonic.rw2", "rw2"),
                                                     ("Nikon.nef", "nef")])
@pytest.mark.parametrize("given_name", ["original", "upload.bin"])
def test_every_corpus_raw_is_recognised_by_its_content(corpus_dir, file_name, expected, given_name):
    path = corpus_dir / "raw" / file_name
    name = file_name if given_name == "original" else given_name
    assert detect_format(path.read_bytes()[:HEAD_BYTES], name, path).name == expected


@pytest.mark.parametrize(
    ("magic", "family"),
    [(b"FUJIFILMCCD-RAW 0201FF383501", "RAF"), (b"IIU\x00\x18\x00\x00\x00", "RW2"),
     (b"IIRO\x08\x00\x00\x00", "ORF"), (b"\x00MRM\x00\x00\x00\x10", "MRW"), (b"FOVb\x00\x00", "X3F"),
     (b"II\x1a\x00\x00\x00HEAPCCDR", "CRW")],
)
def test_a_makers_raw_signature_followed_by_garbage_is_refused_with_its_name(tmp_path, magic, family):
    # given a maker's raw signature with nothing LibRaw can read behind it
    path = tmp_path / "camera.bin"
    path.write_bytes(magic + bytes(range(256)) * 8)
    # then
    with pytest.raises(UnsupportedFileError, match=f"starts like a {family} raw file"):
        detect_format(path.read_bytes()[:HEAD_BYTES], path.name, path)


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
def test_refuses_what_is_not_a_photo_or_video(tmp_path, content, reason):
    path = tmp_path / "holiday.jpg"
    path.write_bytes(content)
    with pytest.raises(UnsupportedFileError, match=reason):
        detect_format(content, "holiday.jpg", path)
