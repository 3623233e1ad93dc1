"""Pictures that are converted while they are shrunk (reduction.py: 16-bit, float, palette,
alpha, CMYK) keep their colours and their orientation: each test picture has its stored top-left
quarter marked, is large enough to be reduced in several tiles, and is turned by its EXIF."""
import numpy as np
import pytest
from PIL import Image

from thumbnails.generators.photo import generate_photo_thumbnail
from thumbnails.specs import ThumbnailSpec

from format_factories import make_png_rgba64
from test_thumbnail_support import picture

pytestmark = pytest.mark.outside_database  # no database here: the SQLite pass of .ci/run runs it

TILE = ThumbnailSpec.for_size("400", "jpeg")
WIDTH, HEIGHT = 3200, 2400  # reduced by 2 in 1024-pixel tiles on the way to 533×400
FLATTENED = (238, 238, 238)
RED, BLUE = (255, 0, 0), (0, 0, 255)
TAG_ORIENTATION = 0x0112


def marked(mode, background, mark, **info) -> Image.Image:
    image = Image.new(mode, (WIDTH, HEIGHT), background)
    image.paste(Image.new(mode, (WIDTH // 4, HEIGHT // 4), mark))  # (a colour alone is clipped in 16-bit modes)
    image.info.update(info)
    return image


def palette_with_transparency() -> Image.Image:
    image = marked("P", 0, 1)
    image.putpalette([0, 0, 0, 200, 30, 30])
    return image


def rgba64(path, orientation):
    pixels = np.zeros((HEIGHT, WIDTH, 4), np.uint16)
    pixels[..., 2:] = 65535  # opaque blue
    pixels[: HEIGHT // 4, : WIDTH // 4] = (65535, 0, 0, 65535)  # opaque red
    make_png_rgba64(path, pixels)
    if orientation != 1:  # PNG keeps EXIF in an eXIf chunk: copy the pixels into a file that has one
        with Image.open(path) as image:
            image.save(path, exif=exif(orientation))


def exif(orientation) -> Image.Exif:
    tags = Image.Exif()
    tags[TAG_ORIENTATION] = orientation
    return tags


def saved(make, suffix, **options):
    def build(path, orientation):
        image = make()
        image.save(path.with_suffix(suffix), exif=exif(orientation), **options)
    return build


# (mode, how the file is made, its suffix, displayed colour of the marked quarter, of the rest)
CASES = [
    ("I;16", saved(lambda: marked("I;16", 30000, 60000), ".png"), ".png", (233,) * 3, (117,) * 3),
    ("I;16B", saved(lambda: marked("I;16B", 30000, 60000), ".tif"), ".tif", (233,) * 3, (117,) * 3),
    ("I", saved(lambda: marked("I", 30000, 60000), ".tif"), ".tif", (233,) * 3, (117,) * 3),
    ("F", saved(lambda: marked("F", 100.0, 200.0), ".tif"), ".tif", (200,) * 3, (100,) * 3),
    ("P-transparent", saved(palette_with_transparency, ".png", transparency=0), ".png", (200, 30, 30), FLATTENED),
    ("LA", saved(lambda: marked("LA", (50, 0), (200, 255)), ".png"), ".png", (200,) * 3, FLATTENED),
    ("RGBA-16-bit", rgba64, ".png", RED, BLUE),
    ("CMYK", saved(lambda: marked("CMYK", (255, 255, 0, 0), (0, 255, 255, 0)), ".tif"), ".tif", RED, BLUE),
]
# Where the stored top-left corner is displayed: orientation 6 turns the picture clockwise.
MARKED_CORNER = {1: "top-left", 6: "top-right"}


# Pillow 12 turns an uncompressed big-endian 16-bit or CMYK TIFF with a sideways orientation
# wrongly as it decodes it (its size goes back to the stored one, the pixels are sheared).
PILLOW_TURNS_WRONGLY = {("I;16B", 6), ("CMYK", 6)}


@pytest.mark.parametrize(
    ("mode", "build", "suffix", "mark", "background", "orientation"),
    [pytest.param(*case, orientation, id=f"{case[0]}-{orientation}",
                  marks=[pytest.mark.xfail(strict=True, reason="Pillow")] * ((case[0], orientation) in PILLOW_TURNS_WRONGLY))
     for case in CASES for orientation in (1, 6)],
)
def test_converted_modes_keep_their_colours_and_orientation(media_dir, mode, build, suffix, mark, background,
                                                             orientation):
    # given a large picture in this mode with its stored top-left quarter marked
    source = media_dir / f"marked{suffix}"
    build(source, orientation)
    with Image.open(source) as stored:
        assert stored.mode == {"P-transparent": "P", "RGBA-16-bit": "RGBA"}.get(mode, mode)
    # when
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    # then it is upright, RGB, and only the marked corner has the mark's colour
    assert thumbnail.size == ((533, 400) if orientation == 1 else (300, 400))
    for corner, pixel in corners(thumbnail).items():
        expected = mark if corner == MARKED_CORNER[orientation] else background
        assert all(abs(a - b) <= 8 for a, b in zip(pixel, expected, strict=True)), (corner, pixel, expected)


def corners(image: Image.Image) -> dict[str, tuple]:
    right, bottom = image.width - 9, image.height - 9
    return {"top-left": image.getpixel((8, 8)), "top-right": image.getpixel((right, 8)),
            "bottom-left": image.getpixel((8, bottom)), "bottom-right": image.getpixel((right, bottom))}
