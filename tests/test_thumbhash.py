"""Tiles' placeholders: the ThumbHash of each photo's tile thumbnail, made with the thumbnail
(lazily or ahead of time) and never by the import, and read for a page of photos in one query.

The hashes are checked by decoding them with a port of the reference decoder (`thumbHashToRGBA`
from Evan Wallace's ThumbHash, MIT licence) and comparing the likeness with the picture."""
import base64
import io
import math
import random

import pytest
from django.core.management import call_command
from PIL import Image, ImageDraw
from test_gallery import make_rows

from thumbnails import placeholders
from thumbnails.generators.thumbhash import image_thumbhash, rgba_to_thumbhash
from thumbnails.links import thumbnail_url
from thumbnails.models import Rendition

import factories
from test_thumbnail_support import import_file

MOST_BYTES = 25
COLOUR_TOLERANCE = 12  # of 255, on the decoded average: the hash keeps 6 bits of L, P and Q


def decode(hash_bytes: bytes) -> Image.Image:
    """The reference decoder's picture of a hash (at most 32×32, RGBA)."""
    header24 = hash_bytes[0] | hash_bytes[1] << 8 | hash_bytes[2] << 16
    header16 = hash_bytes[3] | hash_bytes[4] << 8
    l_dc, l_scale = (header24 & 63) / 63, (header24 >> 18 & 31) / 31
    p_dc, q_dc = (header24 >> 6 & 63) / 31.5 - 1, (header24 >> 12 & 63) / 31.5 - 1
    has_alpha, is_landscape = header24 >> 23, header16 >> 15
    p_scale, q_scale = (header16 >> 3 & 63) / 63, (header16 >> 9 & 63) / 63
    lx = max(3, (5 if has_alpha else 7) if is_landscape else header16 & 7)
    ly = max(3, header16 & 7 if is_landscape else (5 if has_alpha else 7))
    a_dc, a_scale = ((hash_bytes[5] & 15) / 15, (hash_bytes[5] >> 4) / 15) if has_alpha else (1, 0)
    nibbles = [nibble for byte in hash_bytes[6 if has_alpha else 5:] for nibble in (byte & 15, byte >> 4)]

    def terms(nx, ny, scale):
        # the triangle of terms the encoder wrote, in its order, without the constant one
        cells = [(cx, cy) for cy in range(ny) for cx in range(0 if cy else 1, nx) if cx * ny < nx * (ny - cy)]
        factors = [(nibbles.pop(0) / 7.5 - 1) * scale for _ in cells]
        return list(zip(cells, factors, strict=True))

    l_ac, p_ac, q_ac = terms(lx, ly, l_scale), terms(3, 3, p_scale * 1.25), terms(3, 3, q_scale * 1.25)
    a_ac = terms(5, 5, a_scale) if has_alpha else []
    ratio = ((5 if has_alpha else 7) if is_landscape else header16 & 7) / (
        header16 & 7 if is_landscape else (5 if has_alpha else 7))
    w, h = (32, round(32 / ratio)) if ratio > 1 else (round(32 * ratio), 32)
    pixels = []
    for y in range(h):
        for x in range(w):
            def value(dc, ac, x=x, y=y):
                return dc + sum(f * math.cos(math.pi / w * (x + 0.5) * cx) * 2 * math.cos(math.pi / h * (y + 0.5) * cy)
                                for (cx, cy), f in ac)
            lum, p, q, a = value(l_dc, l_ac), value(p_dc, p_ac), value(q_dc, q_ac), value(a_dc, a_ac)
            b = lum - 2 / 3 * p
            r = (3 * lum - b + q) / 2
            pixels.append(tuple(int(max(0, 255 * min(1, c))) for c in (r, r - q, b, a)))
    image = Image.new("RGBA", (w, h))
    image.putdata(pixels)
    return image


def average(image: Image.Image, box=None) -> tuple:
    """The mean (r, g, b, a) of the image, or of `box` (left, top, right, bottom as fractions)."""
    if box:
        image = image.crop([round(f * size) for f, size in zip(box, image.size * 2, strict=True)])
    pixels = list(image.convert("RGBA").getdata())
    return tuple(sum(pixel[band] for pixel in pixels) / len(pixels) for band in range(4))


def close(colour, expected, tolerance=COLOUR_TOLERANCE):
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def encoded(image: Image.Image, fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def two_halves(size, left, right, mode="RGB"):
    image = Image.new(mode, size, left)
    ImageDraw.Draw(image).rectangle([size[0] // 2, 0, size[0], size[1]], fill=right)
    return image


def noise(size):
    random.seed(str(size))
    return Image.frombytes("RGB", size, random.randbytes(size[0] * size[1] * 3))


@pytest.mark.parametrize("image", [
    Image.new("RGB", (1, 1), (10, 200, 30)),
    noise((100, 100)),
    noise((100, 7)),      # a panorama: the most luminance terms across
    noise((5, 100)),
    noise((100, 100)).convert("RGBA"),
    Image.merge("RGBA", [*noise((100, 100)).split(), noise((100, 100)).convert("L")]),  # varying alpha
], ids=["one pixel", "square noise", "panorama", "tall", "opaque RGBA", "noisy alpha"])
def test_a_hash_is_at_most_25_bytes(image):
    assert len(rgba_to_thumbhash(image.width, image.height, image.convert("RGBA").tobytes())) <= MOST_BYTES


@pytest.mark.parametrize(("image", "fmt"), [
    (Image.new("RGB", (100, 75), (200, 40, 40)), "PNG"),
    (two_halves((60, 100), (20, 160, 60), (240, 220, 40)), "JPEG"),
    (Image.linear_gradient("L").resize((100, 100)).convert("RGB"), "WEBP"),
    (factories.upright_marked_image(400, 300), "JPEG"),
], ids=["red", "green and yellow halves", "grey gradient", "marked corner"])
def test_a_decoded_hash_has_the_pictures_average_colour(image, fmt):
    # given a picture, encoded; when its hash is made and decoded
    data = encoded(image, fmt)
    decoded = decode(image_thumbhash(data))
    # then the likeness has the picture's colour and shape
    assert close(average(decoded), average(Image.open(io.BytesIO(data))))
    assert abs(decoded.width / decoded.height - image.width / image.height) < 0.25


def test_a_decoded_hash_keeps_where_colours_are():
    # given a picture red on the left and blue on the right
    data = encoded(two_halves((100, 60), (230, 30, 30), (30, 30, 230)))
    # when
    decoded = decode(image_thumbhash(data))
    # then the likeness is reddish on the left and bluish on the right
    left, right = average(decoded, (0, 0, 0.3, 1)), average(decoded, (0.7, 0, 1, 1))
    assert left[0] > left[2] + 80 and right[2] > right[0] + 80


def test_a_transparent_picture_hashes_its_alpha():
    # given a picture opaque on its left half and transparent on its right
    image = two_halves((100, 100), (0, 128, 255, 255), (0, 0, 0, 0), mode="RGBA")
    # when
    hash_bytes = rgba_to_thumbhash(image.width, image.height, image.tobytes())
    decoded = decode(hash_bytes)
    # then the likeness is opaque blue on the left and see-through on the right
    assert hash_bytes[2] & 0x80 and len(hash_bytes) <= MOST_BYTES
    left, right = average(decoded, (0, 0, 0.3, 1)), average(decoded, (0.7, 0, 1, 1))
    assert close(left, (0, 128, 255, 255), 40) and right[3] < 60
    assert close(average(decoded)[3:], (127.5,), 20)


@pytest.mark.django_db(transaction=True)  # the thumbnail view is async: it needs committed rows
@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_the_lazy_thumbnail_stores_an_upright_placeholder(library_root, media_dir, logged_in, orientation):
    # given a photo whose camera stored it turned (its upright picture has a red top-left corner)
    photo = import_file(factories.make_jpeg(media_dir / "turned.jpg", 640, 480, orientation=orientation))
    # when its tile's thumbnail is asked for
    assert logged_in.get(thumbnail_url(photo)).status_code == 200
    # then its row holds a hash whose likeness is upright: red top-left, blue elsewhere
    (row,) = Rendition.objects.filter(photo=photo)
    decoded = decode(base64.b64decode(row.placeholder))
    assert decoded.width > decoded.height
    assert close(average(decoded, (0, 0, 0.15, 0.15))[:3], factories.MARK_COLOUR, 90)
    assert close(average(decoded, (0.5, 0.5, 1, 1))[:3], factories.BACKGROUND_COLOUR, 30)


@pytest.mark.django_db
def test_pregenerate_stores_placeholders_for_the_tile_size_only(library_root, media_dir, settings):
    # given two photos, one of them with a transparent background, and the larger size made ahead too
    settings.PHOTOSITE_PREGENERATE_SIZES = ["400", "800"]
    photos = [import_file(factories.make_jpeg(media_dir / "a.jpg", 320, 240)),
              import_file(factories.make_png(media_dir / "b.png", 320, 240, mode="RGBA"))]
    # when they are made ahead of time
    call_command("pregenerate", "--jobs", "1", "--no-progress", stdout=io.StringIO())
    # then each tile-size row holds a hash, the larger size none
    rows = Rendition.objects.filter(photo__in=photos)
    assert {(row.spec, bool(row.placeholder)) for row in rows} == {("h400-webp-v1", True), ("h800-webp-v1", False)}
    assert set(placeholders.for_photos([photo.pk for photo in photos])) == {photo.pk for photo in photos}


@pytest.mark.django_db
def test_an_import_stores_no_placeholder(library_root, media_dir):
    # when a photo is imported
    photo = import_file(factories.make_jpeg(media_dir / "new.jpg", 320, 240))
    # then nothing has a placeholder until its thumbnail is made
    assert not Rendition.objects.exclude(placeholder="").exists()
    assert placeholders.for_photos([photo.pk]) == {}


@pytest.mark.django_db
def test_a_pages_placeholders_are_one_query(django_assert_num_queries):
    # given 120 photos, 60 of them with a placeholder
    photos = make_rows(120)
    Rendition.objects.bulk_create(Rendition(photo=photo, spec="h400-webp-v1", state="ready", placeholder="AAAA")
                                  for photo in photos[::2])
    # when / then
    with django_assert_num_queries(1):
        found = placeholders.for_photos(photo.pk for photo in photos)
    assert found == {photo.pk: "AAAA" for photo in photos[::2]}


@pytest.mark.django_db
def test_gallery_tiles_carry_their_placeholder(logged_in):
    # given two photos, one with a placeholder
    with_one, without = make_rows(2)
    Rendition.objects.create(photo=with_one, spec="h400-webp-v1", state="ready", placeholder="3/eF+g==")
    # when
    html = logged_in.get("/").content.decode()
    # then
    assert f'data-id="{with_one.pk}"' in html and 'data-placeholder="3/eF+g=="' in html
    assert html.count("data-placeholder=") == 1
