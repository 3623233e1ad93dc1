"""The Pillow generator on real files made by the factories: upright, RGB, the right size."""
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from thumbnails.errors import ImageTooLargeError, SourceMissingError, UnreadableImageError
from thumbnails.generators.photo import generate_photo_thumbnail
from thumbnails.specs import ThumbnailSpec

import factories
from test_thumbnail_support import is_red, picture

TILE = ThumbnailSpec.for_size("400", "jpeg")
PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_gives_an_upright_thumbnail(media_dir, orientation):
    # given a 1200×800 picture (as displayed) stored the way a camera with this orientation stores it
    source = factories.make_jpeg(media_dir / f"o{orientation}.jpg", 1200, 800, orientation=orientation)
    # when
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    # then the red corner is top-left, as displayed
    assert thumbnail.size == (600, 400)
    assert is_red(thumbnail.getpixel((5, 5)))
    assert not is_red(thumbnail.getpixel((thumbnail.width - 5, thumbnail.height - 5)))
    assert not is_red(thumbnail.getpixel((thumbnail.width - 5, 5)))
    assert not is_red(thumbnail.getpixel((5, thumbnail.height - 5)))


def test_a_12_megapixel_portrait_is_shrunk_and_turned_upright(media_dir):
    source = factories.make_noisy_jpeg(media_dir / "big.jpg", 4000, 3000, orientation=8)
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    assert thumbnail.size == (533, 400)
    assert thumbnail.format == "JPEG"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("RGBA", (119, 183, 119)),  # half-transparent green on the neutral grey
        ("LA", (152, 152, 152)),  # grey 128 at alpha 200 on the neutral grey
        ("I;16", (117, 117, 117)),  # scaled down to 8 bits, not clipped to white
        ("P", None),
        ("L", (128, 128, 128)),
    ],
)
def test_png_modes_become_plain_rgb(media_dir, mode, expected):
    source = factories.make_png(media_dir / f"{mode.replace(';', '')}.png", 800, 600, mode=mode)
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    assert (thumbnail.mode, thumbnail.size) == ("RGB", (533, 400))
    if expected:
        assert all(abs(a - b) <= 4 for a, b in zip(thumbnail.getpixel((10, 10)), expected, strict=True))


@pytest.mark.parametrize(
    ("fmt", "mode", "suffix"),
    [
        ("JPEG", "CMYK", "jpg"),
        ("TIFF", "CMYK", "tif"),
        ("TIFF", "RGB", "tif"),
        ("GIF", "P", "gif"),
        ("WEBP", "RGBA", "webp"),
        ("PNG", "1", "png"),
    ],
)
def test_formats_and_modes(media_dir, fmt, mode, suffix):
    source = factories.make_image(media_dir / f"image.{suffix}", fmt, 640, 480, mode=mode)
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    assert (thumbnail.mode, thumbnail.size) == ("RGB", (533, 400))


def test_heic_is_read_through_pillow_heif(media_dir):
    source = factories.make_heic(media_dir / "phone.heic", 640, 480)
    thumbnail = picture(generate_photo_thumbnail(source, TILE))
    assert thumbnail.size == (533, 400)
    assert is_red(thumbnail.getpixel((5, 5)))


def test_animated_gif_gives_its_first_frame(media_dir):
    # given a two-frame GIF: red, then blue
    frames = [Image.new("RGB", (600, 400), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    source = media_dir / "anim.gif"
    frames[0].save(source, save_all=True, append_images=frames[1:], duration=100, loop=0)
    # when / then
    assert is_red(picture(generate_photo_thumbnail(source, TILE)).getpixel((50, 50)))


def test_webp_and_preview_specs(media_dir):
    source = factories.make_jpeg(media_dir / "p.jpg", 4000, 2000)
    webp = picture(generate_photo_thumbnail(source, ThumbnailSpec.for_size("400", "webp")))
    preview = picture(generate_photo_thumbnail(source, ThumbnailSpec.for_size("preview", "jpeg")))
    assert (webp.format, webp.size) == ("WEBP", (800, 400))
    assert preview.size == (2400, 1200)  # the longest edge is bounded


def test_small_pictures_are_never_enlarged(media_dir):
    source = factories.make_jpeg(media_dir / "small.jpg", 100, 60)
    assert picture(generate_photo_thumbnail(source, TILE)).size == (100, 60)


def swapped_primaries_profile() -> bytes:
    """A minimal ICC v2 RGB profile whose red and green primaries are sRGB's swapped: colour
    management must turn a stored red into a displayed green."""
    def xyz(x, y, z):
        return b"XYZ " + bytes(4) + struct.pack(">3i", *(round(v * 65536) for v in (x, y, z)))

    def desc(text):
        ascii_text = text.encode() + b"\0"
        return b"desc" + bytes(4) + struct.pack(">I", len(ascii_text)) + ascii_text + bytes(4 + 4 + 2 + 1 + 67)

    gamma = b"curv" + bytes(4) + struct.pack(">IH", 1, 0x0233)  # gamma 2.2
    tags = [(b"desc", desc("swapped")), (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
            (b"rXYZ", xyz(0.3851, 0.7169, 0.0971)), (b"gXYZ", xyz(0.4361, 0.2225, 0.0139)),
            (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)), (b"rTRC", gamma), (b"gTRC", gamma), (b"bTRC", gamma)]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += bytes(-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ " + bytes(12)
              + b"acsp" + bytes(24) + struct.pack(">I", 0) + struct.pack(">3i", 63190, 65536, 54061) + bytes(48))
    return header + struct.pack(">I", len(tags)) + table + body


def test_icc_profile_is_converted_to_srgb(media_dir):
    # given red pixels tagged with a profile whose red primary is sRGB's green
    source = media_dir / "tagged.jpg"
    Image.new("RGB", (640, 480), (220, 30, 30)).save(source, "JPEG", icc_profile=swapped_primaries_profile())
    # when
    red, green, _ = picture(generate_photo_thumbnail(source, TILE)).getpixel((10, 10))
    # then they are shown green, as a colour-managed viewer shows them
    assert green > 150 > red


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda d: factories.truncate(factories.make_noisy_jpeg(d / "cut.jpg", 800, 600), 0.3), UnreadableImageError),
        (lambda d: factories.make_png_bomb(d / "bomb.png"), ImageTooLargeError),
        (lambda d: factories.make_text_file(d / "text.jpg"), UnreadableImageError),
        (lambda d: d / "gone.jpg", SourceMissingError),
    ],
    ids=["truncated", "png-bomb", "text", "missing"],
)
def test_bad_input_raises_a_narrow_error(media_dir, make, error):
    with pytest.raises(error):
        generate_photo_thumbnail(make(media_dir), TILE)


def test_a_50_megapixel_jpeg_needs_less_than_150_mb(media_dir):
    # given a 50 MP JPEG
    source = media_dir / "huge.jpg"
    Image.linear_gradient("L").resize((8660, 5774)).convert("RGB").save(source, "JPEG", quality=90)
    # when a fresh process makes its thumbnail
    script = textwrap.dedent(f"""
        import resource, django
        django.setup()
        from pathlib import Path
        from thumbnails.generators.photo import generate_photo_thumbnail
        from thumbnails.specs import ThumbnailSpec
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        generate_photo_thumbnail(Path({str(source)!r}), ThumbnailSpec.for_size("preview", "jpeg"))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, capture_output=True, text=True,
                            env={"DJANGO_SETTINGS_MODULE": "photosite.settings", "PATH": "/usr/bin:/bin"},
                            check=True, timeout=120)
    # then the peak memory grew by less than 150 MB (ru_maxrss is in KiB)
    assert int(result.stdout.split()[-1]) < 150 * 1024
