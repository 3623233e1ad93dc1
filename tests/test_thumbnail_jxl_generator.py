"""JPEG XL thumbnails through pillow-jxl (upright by the EXIF or the codestream's orientation, 16-bit
flattened, bombs refused from the header), and AVIF (8- and 10-bit) still working beside them."""
import shutil
import subprocess

import pytest

from thumbnails.errors import ImageTooLargeError, UnreadableImageError
from thumbnails.generators.photo import generate_photo_thumbnail
from thumbnails.specs import ThumbnailSpec

import factories
from format_factories import jxl_codestream, make_avif, make_jxl
from test_thumbnail_support import is_red, picture

pytestmark = pytest.mark.outside_database  # no database here: the SQLite pass of .ci/run runs it

TILE = ThumbnailSpec.for_size("400", "jpeg")


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_of_a_jpeg_xl_gives_an_upright_thumbnail(media_dir, orientation):
    source = make_jxl(media_dir / f"o{orientation}.jxl", 1200, 800, orientation=orientation)
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    assert thumbnail.size == (600, 400)
    assert is_red(thumbnail.getpixel((5, 5)))
    assert not is_red(thumbnail.getpixel((thumbnail.width - 5, 5)))
    assert not is_red(thumbnail.getpixel((5, thumbnail.height - 5)))


def test_a_16_bit_jpeg_xl_is_flattened_not_clipped(media_dir):
    source = make_jxl(media_dir / "hdr.jxl", 640, 480, mode="I;16")
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    assert thumbnail.mode == "RGB" and thumbnail.size == (533, 400)
    assert thumbnail.getpixel((thumbnail.width - 5, thumbnail.height - 5))[0] < 250  # grey, not white


def test_a_jpeg_xl_bomb_is_refused_before_it_is_decoded(media_dir, settings):
    settings.PHOTOSITE_MAX_IMAGE_PIXELS = 10_000_000
    source = media_dir / "bomb.jxl"
    source.write_bytes(jxl_codestream(width=8000, height=8000, orientation=1))
    with pytest.raises(ImageTooLargeError, match="8000×8000"):
        generate_photo_thumbnail(source, TILE)


def test_a_cut_off_jpeg_xl_is_unreadable(media_dir):
    whole = make_jxl(media_dir / "whole.jxl", 640, 480).read_bytes()
    source = media_dir / "cut.jxl"
    source.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(UnreadableImageError):
        generate_photo_thumbnail(source, TILE)


@pytest.mark.parametrize("bits", [8, 10])
def test_avif_keeps_working(media_dir, bits):
    source = make_avif(media_dir / f"still{bits}.avif", 640, 480, bits=bits)
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    assert thumbnail.size == (533, 400)
    assert is_red(thumbnail.getpixel((5, 5)))


@pytest.mark.parametrize("how", ["jpeg-kept-losslessly", "re-encoded"])
def test_a_cjxl_file_turned_by_its_codestream_is_upright_once(media_dir, how):
    # given a rotated phone JPEG (EXIF orientation 6) made into JPEG XL by libjxl's own encoder:
    # kept losslessly (handed back as that JPEG, unturned) or re-encoded (libjxl turns it itself)
    cjxl = shutil.which("cjxl")
    if cjxl is None:
        pytest.skip("libjxl's cjxl is not installed (Debian: libjxl-tools)")
    jpeg = factories.make_jpeg(media_dir / "phone.jpg", 1200, 800, orientation=6)
    source = media_dir / f"{how}.jxl"
    extra = [] if how == "jpeg-kept-losslessly" else ["--lossless_jpeg=0", "-q", "90"]
    subprocess.run([cjxl, str(jpeg), str(source), *extra], check=True, capture_output=True, timeout=60)
    # when
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    # then it is turned exactly once
    assert thumbnail.size == (600, 400)
    assert is_red(thumbnail.getpixel((5, 5)))
    assert not is_red(thumbnail.getpixel((thumbnail.width - 5, 5)))
