"""Photo thumbnails with Pillow, on the fast path.

A 12-megapixel JPEG is never decoded in full: `draft()` asks libjpeg for a DCT-scaled decode
(1/2, 1/4 or 1/8) just above the target size, the picture is shrunk, and only then turned
upright (rotating 400 pixels is cheaper than rotating 12 million). Colour management and mode
conversion also happen on the small picture. Memory therefore stays bounded by the scaled
decode for JPEGs; other formats are decoded once at full size, and the pixel limit refuses
decompression bombs before any decoding. Raw files give their picture through LibRaw (raw.py):
an embedded JPEG preview, which takes the same path, or a half-size demosaic; JPEG XL through
pillow-jxl (jxl.py), its header checked before the decode."""
import io
import struct
from pathlib import Path

import rawpy
from django.conf import settings
from PIL import Image, ImageCms

from library.importing.detection import TIFF_SIGNATURES
from library.importing.jxl_header import JXL_EXTENSION
from library.importing.raw_families import RAW_EXTENSIONS
from thumbnails.errors import ImageTooLargeError, SourceMissingError, UnreadableImageError
from thumbnails.specs import ThumbnailSpec

from .encoding import encode, fitted_size
from .jxl import jxl_picture
from .raw import raw_picture

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
# Transparent pixels are shown on this light neutral grey (not black, which JPEG would give).
FLATTEN_BACKGROUND = (238, 238, 238)
SRGB_PROFILE = ImageCms.createProfile("sRGB")
# What Pillow, rawpy and pillow-jxl (RuntimeError) raise on files they cannot decode; all of
# them mean "this file is bad". Anything else a decoder raises is caught in cache.generate.
DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, Image.DecompressionBombError,
                 rawpy.LibRawError, RuntimeError)


def generate_photo_thumbnail(source: Path, spec: ThumbnailSpec) -> bytes:
    """Encoded thumbnail bytes of the photo at `source`; raises a ThumbnailError subclass."""
    if not source.is_file():
        raise SourceMissingError(f"the photo's file is missing: {source.name}")
    try:
        image, orientation = open_picture(source, spec)
        with image:
            return encode(upright_rgb_thumbnail(image, spec, orientation), spec)
    except Image.DecompressionBombError as error:
        raise ImageTooLargeError(f"{source.name} is too large to decode (decompression bomb?): {error}") from error
    except DECODE_ERRORS as error:
        raise UnreadableImageError(f"cannot decode {source.name}: {decoder_message(error)}") from error


def decoder_message(error: Exception) -> str:
    """The decoder's reason as text (rawpy hands LibRaw's message over as bytes)."""
    if error.args and isinstance(error.args[0], bytes):
        return error.args[0].decode("utf-8", "replace")
    return str(error)


def open_picture(source: Path, spec: ThumbnailSpec) -> tuple[Image.Image, int | None]:
    """The picture to thumbnail and the orientation that turns it upright (None: its own EXIF's).
    The library names files by their detected format, so the extension says which are raw."""
    extension = source.suffix.lower().lstrip(".")
    if extension in RAW_EXTENSIONS:
        try:
            return raw_picture(source, spec)
        except rawpy.LibRawError:
            # A TIFF that LibRaw cannot read keeps the raw extension its owner gave it
            # (library.importing.detection); Pillow may still read it as the TIFF it is.
            if not starts_like_tiff(source):
                raise
    if extension == JXL_EXTENSION:
        return jxl_picture(source)
    return Image.open(source), None


def starts_like_tiff(source: Path) -> bool:
    with open(source, "rb") as file:
        return file.read(4) in TIFF_SIGNATURES


def upright_rgb_thumbnail(image: Image.Image, spec: ThumbnailSpec, orientation: int | None = None) -> Image.Image:
    check_pixel_limit(image)
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    if orientation is None:
        orientation = image.getexif().get(TAG_ORIENTATION)
    icc_profile = image.info.get("icc_profile")
    small = shrink(image, orientation in SIDEWAYS, spec)
    rgb = to_srgb(small, icc_profile)
    return rgb.transpose(UPRIGHT[orientation]) if orientation in UPRIGHT else rgb


def check_pixel_limit(image: Image.Image):
    width, height = image.size
    if width * height > settings.PHOTOSITE_MAX_IMAGE_PIXELS:
        raise ImageTooLargeError(
            f"{width}×{height} pixels exceeds the limit of {settings.PHOTOSITE_MAX_IMAGE_PIXELS} (decompression bomb?)"
        )


def shrink(image: Image.Image, sideways: bool, spec: ThumbnailSpec) -> Image.Image:
    """The stored pixels scaled so that, once upright, they fit the spec's box."""
    box = spec.box[::-1] if sideways else spec.box
    target = fitted_size(image.size, box)
    image.draft(image.mode if image.mode != "CMYK" else None, target)
    image = resizable(image)
    if image.size == target:
        return image
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)


def resizable(image: Image.Image) -> Image.Image:
    """A mode that resizes smoothly: palettes and bilevel become colour/grey, 16-bit becomes 8-bit
    (Pillow would resize palettes by nearest neighbour and clip 16-bit values to white)."""
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode == "PA":
        return image.convert("RGBA")
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I"):
        return sixteen_bit_to_grey(image)
    if image.mode == "F":
        return image.convert("L")
    image.load()
    return image


def to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """An RGB picture in sRGB: colour-managed when the file has a profile, alpha flattened."""
    if image.mode in ("RGBA", "LA", "RGBa", "La"):
        image = flatten(image.convert("RGBA"))
    if icc_profile and image.mode in ("RGB", "CMYK", "L"):
        converted = convert_profile(image, icc_profile)
        if converted is not None:
            return converted
    return image.convert("RGB") if image.mode != "RGB" else image


def sixteen_bit_to_grey(image: Image.Image) -> Image.Image:
    """Scale 16-bit values down instead of clipping them (Pillow's convert would give white)."""
    wide = image.convert("I")
    highest = wide.getextrema()[1]
    if highest <= 255:
        return wide.convert("L")
    return wide.point(lambda value: value * (255 / 65535)).convert("L")


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
