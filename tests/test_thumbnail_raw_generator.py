"""Raw thumbnails through LibRaw, on DNGs made by the test (format_factories) and the real raws of
../shared/corpus/raw/: from the embedded preview when it is big enough, else a half-size demosaic,
upright in every orientation."""
import pytest
from PIL import Image

from thumbnails.errors import ImageTooLargeError, UnreadableImageError
from thumbnails.generators.decode_budget import reservation
from thumbnails.generators.photo import UPRIGHT, generate_photo_thumbnail
from thumbnails.generators.raw import raw_picture
from thumbnails.specs import ThumbnailSpec

import factories
from format_factories import make_dng
from test_thumbnail_support import is_red, picture

TILE = ThumbnailSpec.for_size("400", "jpeg")
PREVIEW = ThumbnailSpec.for_size("preview", "jpeg")
# The demosaic's red corner comes through white balance and gamma, so "red" is judged loosely.
MOSAIC_RED_TOLERANCE = 90


def stored(image, orientation):
    """`image` (as displayed) as a camera with this orientation stores it."""
    return image.transpose(factories.INVERSE_ORIENTATION[orientation]) if orientation != 1 else image


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_raw_with_a_big_enough_preview_is_shown_upright_through_it(media_dir, orientation):
    # given a raw whose 1200×800 (as displayed) preview has a red top-left corner
    preview = stored(factories.upright_marked_image(1200, 800), orientation)
    width, height = preview.size
    source = make_dng(media_dir / "camera.dng", width * 2, height * 2, preview=preview, orientation=orientation)
    # when
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    # then the preview was used (its blue background, not the mosaic's grey), upright
    assert thumbnail.size == (600, 400)
    assert is_red(thumbnail.getpixel((5, 5)))
    assert thumbnail.getpixel((thumbnail.width - 5, thumbnail.height - 5))[2] > 150
    assert not is_red(thumbnail.getpixel((thumbnail.width - 5, 5)))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_raw_whose_preview_is_too_small_is_demosaiced_upright(media_dir, orientation):
    # given a 1200×800 sensor whose red quarter is top left as stored, and a 160×120 preview
    source = make_dng(media_dir / "small-preview.dng", 1200, 800, preview_size=(160, 120), orientation=orientation)
    expected = stored_red_corner_once_upright(orientation, (1200, 800))
    # when
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    # then the half-size demosaic (600×400, as displayed) fills the tile; the red quarter is where
    # the orientation takes the stored top-left corner
    assert thumbnail.size == ((267, 400) if orientation in (5, 6, 7, 8) else (600, 400))
    corner = (round(expected[0] * (thumbnail.width - 1)), round(expected[1] * (thumbnail.height - 1)))
    inset = (min(max(corner[0], 10), thumbnail.width - 10), min(max(corner[1], 10), thumbnail.height - 10))
    assert is_red(thumbnail.getpixel(inset), MOSAIC_RED_TOLERANCE)
    opposite = (thumbnail.width - 1 - inset[0], thumbnail.height - 1 - inset[1])
    assert not is_red(thumbnail.getpixel(opposite), MOSAIC_RED_TOLERANCE)


def stored_red_corner_once_upright(orientation, size):
    """Where (as fractions of width and height) the stored top-left corner ends up once upright."""
    marker = Image.new("L", size, 0)
    marker.putpixel((0, 0), 255)
    upright = marker.transpose(UPRIGHT[orientation]) if orientation in UPRIGHT else marker
    x, y = upright.getbbox()[:2]
    return x / (upright.width - 1), y / (upright.height - 1)


def test_the_viewer_preview_of_a_raw_with_a_small_preview_comes_from_the_sensor(media_dir):
    # given a raw whose preview is big enough for the grid, not for the viewer
    source = make_dng(media_dir / "camera.dng", 2400, 1600, preview_size=(600, 400))
    # when
    with reservation() as budget:
        image, _ = raw_picture(source, TILE, budget)
    tile_source = image.size
    with reservation() as budget:
        image, _ = raw_picture(source, PREVIEW, budget)
    # then the grid took the preview, the viewer the half-size demosaic
    assert tile_source == (600, 400)
    assert image.size == (1200, 800)


def test_a_raw_without_a_preview_is_demosaiced(media_dir):
    source = make_dng(media_dir / "no-preview.dng", 800, 600, preview_size=None)
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    assert thumbnail.size == (400, 300)
    assert is_red(thumbnail.getpixel((10, 10)), MOSAIC_RED_TOLERANCE)


def test_a_raw_whose_sensor_data_is_cut_off_still_shows_its_small_preview(media_dir):
    # given a raw cut off in its sensor data, with a preview too small for the tile
    source = make_dng(media_dir / "cut.dng", 1200, 800, preview_size=(160, 120))
    source.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    # when
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    # then the preview is used rather than nothing
    assert thumbnail.size == (160, 120)


def test_a_raw_with_neither_readable_preview_nor_sensor_data_is_unreadable(media_dir):
    source = make_dng(media_dir / "cut.dng", 1200, 800, preview_size=None)
    source.write_bytes(source.read_bytes()[:2000])
    with pytest.raises(UnreadableImageError):
        generate_photo_thumbnail(source, TILE)


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "size"), [("FujiFilm.raf", (160, 120)), ("Panasonic.rw2", (532, 400))])
def test_the_corpus_raws_give_a_picture(corpus_dir, name, size):
    # the RAF's sensor data is stubbed (LibRaw cannot unpack it): its small preview is shown;
    # the RW2's stub sensor data demosaics
    thumbnail = picture(generate_photo_thumbnail(corpus_dir / "raw" / name, TILE))
    assert thumbnail.size == size


@pytest.mark.corpus
def test_the_corpus_nef_without_preview_or_readable_sensor_data_is_unreadable(corpus_dir):
    with pytest.raises(UnreadableImageError, match="Nikon.nef"):
        generate_photo_thumbnail(corpus_dir / "raw" / "Nikon.nef", TILE)


def test_a_sensor_past_the_pixel_limit_is_not_demosaiced(media_dir, settings):
    # given a 1200×800 raw without a preview, and a limit below its size
    settings.PHOTOSITE_MAX_IMAGE_PIXELS = 500_000
    source = make_dng(media_dir / "big.dng", 1200, 800, preview_size=None)
    # then
    with pytest.raises(ImageTooLargeError, match="1200×800 sensor pixels"):
        generate_photo_thumbnail(source, TILE)
