"""Date taken, displayed size and camera of a raw file, from its headers: no sensor data is read.

Size and flip are LibRaw's (libraw_header), so they are right for every maker. The date and the
camera come from the raw's own EXIF where Pillow can parse it (the TIFF structure of DNG, CR2,
NEF, ARW, ORF, RW2 … or the EXIF block of the embedded JPEG of a RAF), so a raw is dated like
the JPEG its camera wrote beside it (with OffsetTime when present); LibRaw's make, model and
timestamp fill what that EXIF lacks (CRW, X3F, CR3), and so does its parsed GPS position."""
import logging
import struct
from datetime import datetime
from pathlib import Path

from PIL import Image

from .dates import DateSource, as_aware, plausible
from .errors import CorruptFileError
from .gps import exif_position
from .libraw_header import RawHeader, read_raw_header
from .photo_metadata import EXIF_IFD, MAKE, MODEL, check_pixel_count, clean_text, first_exif_date
from .tiff_directories import block_fits

logger = logging.getLogger("photosite.import")

# The IFDs and EXIF of raws sit near the start; offsets past this prefix are simply not read.
EXIF_SCAN_BYTES = 4 * 1024 * 1024
# TIFF variants of Olympus (ORF) and Panasonic/Leica (RW2, RWL): a TIFF structure under their own magic.
TIFF_LIKE_MAGIC = {b"IIRO": b"II*\x00", b"IIRS": b"II*\x00", b"MMOR": b"MM\x00*", b"IIU\x00": b"II*\x00",
                   b"II*\x00": b"II*\x00", b"MM\x00*": b"MM\x00*"}
EXIF_MARKER = b"Exif\x00\x00"
EXIF_ERRORS = (OSError, ValueError, SyntaxError, EOFError, KeyError, TypeError, struct.error)


def read(path: Path) -> dict:
    header = read_raw_header(path)
    if header is None:
        raise CorruptFileError("cannot read this raw file: LibRaw does not recognise it")
    width, height = header.displayed_size
    check_pixel_count((width, height))
    exif = raw_exif(path)
    # LibRaw's timestamp is what the file says too (its maker's own records, read by LibRaw).
    taken_at = first_exif_date(exif, exif.get_ifd(EXIF_IFD)) or libraw_moment(header)
    return {
        "width": width,
        "height": height,
        "orientation": header.orientation,
        "taken_at": taken_at,
        "taken_at_source": DateSource.EXIF if taken_at else "",
        "camera_make": clean_text(exif.get(MAKE)) or clean_text(header.make),
        "camera_model": clean_text(exif.get(MODEL)) or clean_text(header.model),
        "position": exif_position(exif) or header.position,
    }


def raw_exif(path: Path) -> Image.Exif:
    """The raw's EXIF as Pillow parses it: its TIFF structure, else the first EXIF block inside it
    (empty when there is none Pillow can read)."""
    with open(path, "rb") as raw:
        data = raw.read(EXIF_SCAN_BYTES)
    if data[:4] in TIFF_LIKE_MAGIC:
        data = TIFF_LIKE_MAGIC[data[:4]] + data[4:]
    else:
        start = data.find(EXIF_MARKER)
        if start < 0:
            return Image.Exif()
        data = data[start:]
    if not block_fits(data):
        logger.info("EXIF of raw file %s ignored: its entries claim far more data than it holds", path.name)
        return Image.Exif()
    exif = Image.Exif()
    try:
        exif.load(data)
        exif.get_ifd(EXIF_IFD)  # parsed now, so a broken pointer is caught here
    except EXIF_ERRORS as error:
        logger.info("Unreadable EXIF in raw file %s: %s", path.name, error)
        return Image.Exif()
    return exif


def libraw_moment(header: RawHeader) -> datetime | None:
    """LibRaw's timestamp: the camera's wall clock, which LibRaw turned into seconds in the local
    zone of this process (Django sets it to TIME_ZONE), so it is read back in that zone."""
    if header.timestamp <= 0:
        return None
    try:
        naive = datetime.fromtimestamp(header.timestamp)  # noqa: DTZ006 - LibRaw's mktime of a naive wall clock
    except (OverflowError, OSError, ValueError):
        return None
    return as_aware(naive) if plausible(naive) else None
