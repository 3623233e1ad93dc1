"""EXIF of photos through Pillow, which parses headers lazily: no pixel is decoded here
(raw files: raw_metadata). Pillow reads an EXIF block (or a TIFF's own tags) only once
tiff_directories has found it honest: one whose entries overlap is ignored, and a TIFF or a JPEG
(which Pillow cannot open without reading them) is refused."""
import logging
import struct

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from .dates import DateSource, parse_exif_datetime
from .detection import JPEG, TIFF, FileFormat
from .errors import CorruptFileError, FileTooLargeError
from .gps import exif_position, xmp_position
from .motion_photos import find_embedded_video
from .tiff_directories import block_fits, file_fits, jpeg_fits

logger = logging.getLogger("photosite.import")

EXIF_IFD = 0x8769
ORIENTATION, MAKE, MODEL, DATETIME = 0x0112, 0x010F, 0x0110, 0x0132
DATETIME_ORIGINAL, DATETIME_DIGITIZED = 0x9003, 0x9004
OFFSET_TIME, OFFSET_TIME_ORIGINAL, OFFSET_TIME_DIGITIZED = 0x9010, 0x9011, 0x9012
MAKER_NOTE = 0x927C
# Apple's maker note: this header, then a big-endian IFD whose offsets count from the note's start.
# Its tag 0x11 is the Live Photo's content identifier, which the motion's QuickTime metadata repeats.
APPLE_MAKER_NOTE = b"Apple iOS\x00"
APPLE_IFD_START = 14
APPLE_CONTENT_IDENTIFIER = 0x0011
IDENTIFIER_LIMIT = 64
TRANSPOSED_ORIENTATIONS = {5, 6, 7, 8}
TEXT_LIMIT = 64
PNG_TEXT_EXIF = "Raw profile type exif"


def read(path, file_format: FileFormat) -> dict:
    try:
        with open(path, "rb") as still:
            if file_format.name == TIFF.name and not file_fits(still):
                raise CorruptFileError("cannot read this TIFF file: its tags claim far more data than it holds")
            if file_format.name == JPEG.name and not jpeg_fits(still):
                raise CorruptFileError("cannot read this JPEG file: its EXIF claims far more data than it holds")
            with Image.open(still) as image:
                check_pixel_count(image.size)
                video = find_embedded_video(still, file_format.name, image.info.get("xmp"))
                return {**describe(image, path), "embedded_video": video}
    except FileTooLargeError:
        raise
    except Image.DecompressionBombError as error:
        limit = settings.PHOTOSITE_MAX_IMAGE_PIXELS // 1_000_000
        raise FileTooLargeError(f"picture claims far more than {limit} megapixels (a decompression bomb?)") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error) as error:
        reason = str(error).replace(str(path), "it").replace(f"'{path}'", "it")
        raise CorruptFileError(f"cannot read this {file_format.name.upper()} file: {reason}") from error


def check_pixel_count(size):
    width, height = size
    limit = settings.PHOTOSITE_MAX_IMAGE_PIXELS
    if width <= 0 or height <= 0:
        raise FileTooLargeError(f"picture claims impossible dimensions {width}×{height}")
    if width * height > limit:
        raise FileTooLargeError(
            f"picture claims {width}×{height} pixels, beyond the limit of {limit // 1_000_000} megapixels"
        )


def describe(image, path) -> dict:
    exif = image.getexif() if block_fits(exif_block(image)) else ignored_exif(path)
    sub_ifd = exif.get_ifd(EXIF_IFD)
    orientation = exif.get(ORIENTATION)
    orientation = orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else None
    width, height = image.size
    if orientation in TRANSPOSED_ORIENTATIONS:
        width, height = height, width
    facts = exif_facts(exif, sub_ifd, width, height, orientation)
    return {
        **facts,
        "position": facts["position"] or xmp_position(image.info.get("xmp")),
        "content_identifier": apple_content_identifier(sub_ifd.get(MAKER_NOTE)),
    }


def exif_block(image) -> bytes | None:
    """The block `image.getexif()` parses, found where Pillow looks for it: a PNG's eXIf chunk may
    follow the pixels (Pillow loads them to reach it), or be hex text in an ImageMagick profile.
    A TIFF's own tags are checked before the file is opened."""
    if image.format == "PNG" and "exif" not in image.info:
        image.load()
    block = image.info.get("exif")
    if block is None and PNG_TEXT_EXIF in image.info:
        try:
            return bytes.fromhex("".join(image.info[PNG_TEXT_EXIF].split("\n")[3:]))
        except ValueError:
            return None  # Pillow's getexif says so itself
    return block


def ignored_exif(path) -> Image.Exif:
    logger.info("EXIF of %s ignored: its entries claim far more data than it holds", path.name)
    return Image.Exif()


def exif_facts(exif, sub_ifd, width, height, orientation) -> dict:
    """What the import keeps of a still's EXIF, beside its displayed size and orientation: one
    rule for the stills Pillow opens and for JPEG XL, whose header is read without Pillow."""
    taken_at = first_exif_date(exif, sub_ifd)
    return {
        "width": width,
        "height": height,
        "orientation": orientation,
        "taken_at": taken_at,
        "taken_at_source": DateSource.EXIF if taken_at else "",
        "camera_make": clean_text(exif.get(MAKE)),
        "camera_model": clean_text(exif.get(MODEL)),
        "position": exif_position(exif),
    }


def apple_content_identifier(maker_note) -> str:
    """The Live Photo identifier in an Apple maker note; "" in any other (or a malformed) note."""
    if not isinstance(maker_note, bytes) or not maker_note.startswith(APPLE_MAKER_NOTE):
        return ""
    try:
        (count,) = struct.unpack_from(">H", maker_note, APPLE_IFD_START)
        count = min(count, (len(maker_note) - APPLE_IFD_START - 2) // 12)  # entries past the note are not there
        for entry in range(APPLE_IFD_START + 2, APPLE_IFD_START + 2 + 12 * count, 12):
            tag, kind, length, value = struct.unpack_from(">HHII", maker_note, entry)
            if tag == APPLE_CONTENT_IDENTIFIER and kind == 2:
                text = maker_note[value:value + length] if length > 4 else maker_note[entry + 8:entry + 8 + length]
                return clean_text(text.split(b"\x00", 1)[0])[:IDENTIFIER_LIMIT]
    except struct.error:
        return ""
    return ""


def first_exif_date(exif, sub_ifd):
    candidates = (
        (sub_ifd.get(DATETIME_ORIGINAL), sub_ifd.get(OFFSET_TIME_ORIGINAL)),
        (sub_ifd.get(DATETIME_DIGITIZED), sub_ifd.get(OFFSET_TIME_DIGITIZED)),
        (exif.get(DATETIME), sub_ifd.get(OFFSET_TIME)),
    )
    for value, offset in candidates:
        moment = parse_exif_datetime(value, offset)
        if moment is not None:
            return moment
    return None


def clean_text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    printable = "".join(ch for ch in value if ch.isprintable()).strip()
    return printable[:TEXT_LIMIT]
