"""Photo thumbnails with Pillow, on the fast path.

A 12-megapixel JPEG is never decoded in full: `draft()` asks libjpeg for a DCT-scaled decode
(1/2, 1/4 or 1/8) just above the target size, the picture is shrunk, and only then turned
upright (rotating 400 pixels is cheaper than rotating 12 million). Colour management and mode
conversion also happen on the small picture. Other formats are decoded once at full size, and
shrunk before any other copy is made (reduction.py: palettes, 16-bit and alpha are converted a
tile at a time), so a thumbnail needs its one decode and a few times its own size. Decodes wait
for their size in a process-wide memory budget (decode_budget.py), so many at once queue rather
than add up; the pixel limit refuses decompression bombs before any decoding. Raw files give
their picture through LibRaw (raw.py): an embedded JPEG preview, which takes the same path, or a
half-size demosaic; JPEG XL through pillow-jxl (jxl.py), its header checked before the decode."""
import io
import struct
from contextlib import closing
from pathlib import Path

import rawpy
from django.conf import settings
from PIL import Image, ImageCms

from library.media.detection import TIFF_SIGNATURES
from library.media.jxl_header import JXL_EXTENSION
from library.media.raw_families import RAW_EXTENSIONS
from thumbnails.errors import ImageTooLargeError, SourceMissingError, UnreadableImageError
from thumbnails.specs import ThumbnailSpec

from . import decode_budget
from .decode_budget import Reservation, decoded_size
from .encoding import encode, fitted_size
from .jxl import jxl_picture
from .raw import raw_picture
from .reduction import shrunk

TAG_ORIENTATION = 0x0112
# How to turn the stored pixels upright, for each EXIF orientation (as ImageOps.exif_transpose).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
SIDEWAYS = {5, 6, 7, 8}
# Formats whose Pillow plugin turns the picture upright as it decodes it.
TURNED_AS_DECODED = {"TIFF"}
# Formats Pillow can decode at a reduced size (`draft`).
DRAFTED = {"JPEG", "MPO"}
# Transparent pixels are shown on this light neutral grey (not black, which JPEG would give).
FLATTEN_BACKGROUND = (238, 238, 238)
SRGB_PROFILE = ImageCms.createProfile("sRGB")
# What Pillow, rawpy and pillow-jxl (RuntimeError) raise on files they cannot decode; all of
# them mean "this file is bad". Anything else a decoder raises is caught in cache.generate.
DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, Image.DecompressionBombError,
                 rawpy.LibRawError, RuntimeError)


def generate_photo_thumbnail(source: Path, spec: ThumbnailSpec) -> bytes:
    """Encoded thumbnail bytes of the photo at `source`; raises a RenditionError subclass."""
    return encode(upright_rgb_thumbnail(source, spec), spec)


def upright_rgb_thumbnail(source: Path, spec: ThumbnailSpec) -> Image.Image:
    """The thumbnail's picture, ready to encode; raises a RenditionError subclass."""
    if not source.is_file():
        raise SourceMissingError(f"the photo's file is missing: {source.name}")
    try:
        with decode_budget.reservation() as budget:
            image, orientation = open_picture(source, spec, budget)
            with closing(image):  # the full-size pixels are freed before the budget is given back
                small, orientation, icc_profile = shrunk_picture(image, spec, budget, orientation)
        return upright_rgb(small, orientation, icc_profile)
    except Image.DecompressionBombError as error:
        raise ImageTooLargeError(f"{source.name} is too large to decode (decompression bomb?): {error}") from error
    except DECODE_ERRORS as error:
        raise UnreadableImageError(f"cannot decode {source.name}: {decoder_message(error)}") from error


def decoder_message(error: Exception) -> str:
    """The decoder's reason as text (rawpy hands LibRaw's message over as bytes)."""
    if error.args and isinstance(error.args[0], bytes):
        return error.args[0].decode("utf-8", "replace")
    return str(error)


def open_picture(source: Path, spec: ThumbnailSpec, budget: Reservation) -> tuple[Image.Image, int | None]:
    """The picture to thumbnail and the orientation that turns it upright (None: its own EXIF's).
    The library names files by their detected format, so the extension says which are raw.
    Openers that decode as they open take their share of the `budget` first."""
    extension = source.suffix.lower().lstrip(".")
    if extension in RAW_EXTENSIONS:
        try:
            return raw_picture(source, spec, budget)
        except rawpy.LibRawError:
            # A TIFF that LibRaw cannot read keeps the raw extension its owner gave it
            # (library.media.detection); Pillow may still read it as the TIFF it is.
            if not starts_like_tiff(source):
                raise
    if extension == JXL_EXTENSION:
        return jxl_picture(source, budget)
    return Image.open(source), None


def starts_like_tiff(source: Path) -> bool:
    with open(source, "rb") as file:
        return file.read(4) in TIFF_SIGNATURES


def shrunk_picture(image: Image.Image, spec: ThumbnailSpec, budget: Reservation,
                   orientation: int | None = None) -> tuple[Image.Image, int | None, bytes | None]:
    """(the picture shrunk to fit the spec once upright, its orientation, its ICC profile): all a
    thumbnail needs from the full-size picture, which may be closed afterwards.

    Only a JPEG is decoded at a reduced size (`draft`, in `shrink`); every other picture takes
    its full decoded size from the budget first, before its EXIF is read: PNG's `getexif` decodes
    the picture (an eXIf chunk may follow the pixels). Pillow turns a TIFF upright itself as it
    decodes it (its size is already the upright one), at the cost of a second full-size copy."""
    check_pixel_limit(image)
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    turned_as_decoded = image.format in TURNED_AS_DECODED and image.getexif().get(TAG_ORIENTATION) in UPRIGHT
    if image.format not in DRAFTED:
        budget.take((2 if turned_as_decoded else 1) * decoded_size(image.mode, image.size))
    if orientation is None and not turned_as_decoded:
        orientation = image.getexif().get(TAG_ORIENTATION)
    small = shrink(image, orientation in SIDEWAYS, spec, budget)
    return small, orientation, image.info.get("icc_profile")


def upright_rgb(small: Image.Image, orientation: int | None, icc_profile: bytes | None) -> Image.Image:
    rgb = to_srgb(small, icc_profile)
    return rgb.transpose(UPRIGHT[orientation]) if orientation in UPRIGHT else rgb


def check_pixel_limit(image: Image.Image):
    width, height = image.size
    if width * height > settings.PHOTOSITE_MAX_IMAGE_PIXELS:
        raise ImageTooLargeError(
            f"{width}×{height} pixels exceeds the limit of {settings.PHOTOSITE_MAX_IMAGE_PIXELS} (decompression bomb?)"
        )


def shrink(image: Image.Image, sideways: bool, spec: ThumbnailSpec, budget: Reservation) -> Image.Image:
    """The stored pixels scaled so that, once upright, they fit the spec's box: decoded (at the
    DCT-scaled size `draft` gives a JPEG) once the budget has room for them."""
    box = spec.box[::-1] if sideways else spec.box
    target = fitted_size(image.size, box)
    image.draft(image.mode if image.mode != "CMYK" else None, target)
    budget.take(decoded_size(image.mode, image.size))
    image.load()
    return shrunk(image, target)


def to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """An RGB picture in sRGB: colour-managed when the file has a profile, alpha flattened."""
    if image.mode in ("RGBA", "LA", "RGBa", "La"):
        image = flatten(image.convert("RGBA"))
    if icc_profile and image.mode in ("RGB", "CMYK", "L"):
        converted = convert_profile(image, icc_profile)
        if converted is not None:
            return converted
    return image.convert("RGB") if image.mode != "RGB" else image


def flatten(image: Image.Image) -> Image.Image:
    background = Image.new("RGB", image.size, FLATTEN_BACKGROUND)
    background.paste(image, mask=image.getchannel("A"))
    return background


def convert_profile(image: Image.Image, icc_profile: bytes) -> Image.Image | None:
    """None when the embedded profile is unusable: the picture is then shown as if sRGB."""
    try:
        source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source_profile, SRGB_PROFILE, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None
