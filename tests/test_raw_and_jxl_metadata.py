"""Metadata of raws (LibRaw's header, the raw's EXIF) and JPEG XL files (their header and EXIF
box), read without decoding a pixel: date taken, size as displayed, orientation, camera."""
import io
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from library.media import detection
from library.media.errors import CorruptFileError, FileTooLargeError
from library.media.jxl_header import read_jxl_header
from library.media.libraw_header import read_raw_header
from library.media.metadata import read_metadata
from library.media.raw_metadata import libraw_moment
from library.models import DateSource

import factories
from format_factories import jxl_codestream, make_dng, make_jxl

SIDEWAYS = {5, 6, 7, 8}


def metadata_of(path, name=None):
    head = path.read_bytes()[: detection.HEAD_BYTES]
    return read_metadata(path, detection.detect_format(head, name or path.name, path), name or path.name)


def aware(*fields):
    return timezone.make_aware(datetime(*fields), timezone.get_default_timezone())


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_raw_is_dated_sized_and_named_from_its_headers(tmp_path, orientation):
    # given a 600×400 sensor stored with this orientation
    source = make_dng(tmp_path / "camera.dng", 600, 400, orientation=orientation, make="Photosite",
                      model="Factory One", taken="2021:07:08 09:10:11")
    # when
    found = metadata_of(source)
    # then
    assert (found.width, found.height) == ((400, 600) if orientation in SIDEWAYS else (600, 400))
    assert found.orientation == orientation
    assert (found.taken_at, found.taken_at_source) == (aware(2021, 7, 8, 9, 10, 11), DateSource.EXIF)
    assert (found.camera_make, found.camera_model) == ("Photosite", "Factory One")


def test_libraws_timestamp_reads_back_as_the_cameras_wall_clock(tmp_path):
    # given the fallback for raws whose EXIF Pillow cannot reach (CRW, X3F, CR3)
    source = make_dng(tmp_path / "camera.dng", taken="2019:12:31 23:59:58")
    # then LibRaw's seconds come back as the same wall-clock time, in TIME_ZONE
    assert libraw_moment(read_raw_header(source)) == aware(2019, 12, 31, 23, 59, 58)


def test_a_raw_without_a_date_falls_back_to_the_file_name(tmp_path):
    source = make_dng(tmp_path / "IMG_20200102_030405.dng", taken="0000:00:00 00:00:00")
    found = metadata_of(source)
    assert (found.taken_at, found.taken_at_source) == (aware(2020, 1, 2, 3, 4, 5), DateSource.FILENAME)


def test_a_raw_whose_sensor_data_is_cut_off_keeps_its_metadata(tmp_path):
    # given a raw LibRaw identifies, whose pixels are gone: the original is still the user's
    source = make_dng(tmp_path / "cut.dng", 1200, 800, preview_size=None)
    source.write_bytes(source.read_bytes()[:4096])
    # when
    found = metadata_of(source)
    # then
    assert (found.width, found.height, found.taken_at_source) == (1200, 800, DateSource.EXIF)


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "size", "camera", "taken"), [
    ("FujiFilm.raf", (3552, 3551), ("FUJIFILM", "FinePix S5Pro"), (2007, 5, 22, 13, 58, 30)),
    ("Panasonic.rw2", (3664, 2754), ("Panasonic", "DMC-LX3"), (2008, 8, 6, 15, 21, 56)),
    ("Nikon.nef", (3039, 2014), ("NIKON CORPORATION", "NIKON D70"), (2004, 6, 9, 16, 2, 35)),
])
def test_the_corpus_raws_metadata(corpus_dir, name, size, camera, taken):
    found = metadata_of(corpus_dir / "raw" / name)
    assert (found.width, found.height) == size
    assert (found.camera_make, found.camera_model) == camera
    assert (found.taken_at, found.taken_at_source) == (aware(*taken), DateSource.EXIF)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_jpeg_xl_is_dated_and_sized_as_displayed_from_its_exif(tmp_path, orientation):
    source = make_jxl(tmp_path / "photo.jxl", 640, 480, orientation=orientation, taken="2022:03:04 05:06:07",
                      make="Photosite", model="JXL One")
    found = metadata_of(source)
    assert (found.width, found.height, found.orientation) == (640, 480, orientation)
    assert (found.taken_at, found.taken_at_source) == (aware(2022, 3, 4, 5, 6, 7), DateSource.EXIF)
    assert (found.camera_make, found.camera_model) == ("Photosite", "JXL One")


def test_a_16_bit_jpeg_xl_reads_like_any_other(tmp_path):
    source = make_jxl(tmp_path / "hdr.jxl", 320, 240, mode="I;16", taken="2022:03:04 05:06:07")
    assert (metadata_of(source).width, metadata_of(source).taken_at.year) == (320, 2022)


def test_a_codestream_orientation_wins_over_a_stale_exif_one():
    # given a codestream saying "rotate 90° clockwise" (6): what libjxl then applies itself
    header = read_jxl_header(io.BytesIO(jxl_codestream(width=64, height=48, orientation=6)))
    # then an EXIF orientation beside it (stale, or the same) changes nothing
    assert (header.width, header.height, header.orientation) == (64, 48, 6)
    assert header.shown_orientation(3) == 6 and header.size_shown(6) == (48, 64)


def test_a_jpeg_xl_claiming_absurd_dimensions_is_refused_from_its_header(tmp_path, settings):
    # given a few bytes claiming 8000×8000 pixels, past a 10-megapixel limit
    settings.PHOTOSITE_MAX_IMAGE_PIXELS = 10_000_000
    source = tmp_path / "bomb.jxl"
    source.write_bytes(jxl_codestream(width=8000, height=8000, orientation=1))
    # then
    with pytest.raises(FileTooLargeError, match="8000×8000"):
        metadata_of(source)


def test_a_cut_off_jpeg_xl_is_a_clear_error(tmp_path):
    source = tmp_path / "cut.jxl"
    source.write_bytes(make_jxl(tmp_path / "whole.jxl", taken="2022:03:04 05:06:07").read_bytes()[:20])
    with pytest.raises(CorruptFileError, match="cannot read this JXL file"):
        metadata_of(source)


def test_jxl_dates_in_utc_offsets_are_kept(tmp_path):
    exif_date = datetime(2022, 3, 4, 5, 6, 7, tzinfo=UTC)
    source = tmp_path / "offset.jxl"
    picture = factories.upright_marked_image(64, 48)
    picture.save(source, "JXL", exif=factories.exif_bytes(taken="2022:03:04 05:06:07", offset="+00:00"))
    assert metadata_of(source).taken_at == exif_date


def test_libraws_header_names_the_camera_and_the_flip(tmp_path):
    # given what fills make, model and date where the raw's EXIF is out of Pillow's reach
    header = read_raw_header(make_dng(tmp_path / "a.dng", 600, 400, orientation=8, make="Photosite",
                                      model="Factory Two"))
    # then
    assert (header.make, header.model, header.is_dng) == ("Photosite", "Factory Two", True)
    assert (header.orientation, header.displayed_size) == (8, (400, 600))


def test_libraw_takes_a_plain_tiff_for_no_raw(tmp_path):
    source = tmp_path / "scan.tif"
    factories.make_image(source, "TIFF")
    assert read_raw_header(source) is None


def test_a_jpeg_xl_with_a_large_box_before_its_codestream_is_read(tmp_path):
    # given a container whose first boxes are a 1 MB XMP packet and the Exif, then the codestream
    plain = make_jxl(tmp_path / "plain.jxl", 640, 480, orientation=6, taken="2022:03:04 05:06:07").read_bytes()
    xmp = b"<x:xmpmeta/>".ljust(1024 * 1024, b" ")
    boxes = (len(xmp) + 8).to_bytes(4, "big") + b"xml " + xmp
    signature_and_ftyp = plain[:32]
    source = tmp_path / "with-xmp.jxl"
    source.write_bytes(signature_and_ftyp + boxes + plain[32:])
    # then its size, orientation and date are read all the same
    found = metadata_of(source)
    assert (found.width, found.height, found.orientation, found.taken_at.year) == (640, 480, 6, 2022)
