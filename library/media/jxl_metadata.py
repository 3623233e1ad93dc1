"""Date taken, displayed size and camera of a JPEG XL file, from its header and EXIF box alone
(pillow-jxl would decode every pixel to open it; jxl_header reads what the import needs)."""
from pathlib import Path

from PIL import Image

from .errors import CorruptFileError
from .jxl_header import JxlHeaderError, read_jxl_header
from .photo_metadata import EXIF_IFD, ORIENTATION, check_pixel_count, exif_facts
from .raw_metadata import EXIF_ERRORS
from .tiff_directories import block_fits


def read(path: Path) -> dict:
    try:
        with open(path, "rb") as source:
            header = read_jxl_header(source)
    except JxlHeaderError as error:
        raise CorruptFileError(f"cannot read this JXL file: {error}") from error
    exif = Image.Exif()
    if header.exif and block_fits(header.exif):
        try:
            exif.load(header.exif)
        except EXIF_ERRORS:
            exif = Image.Exif()
    orientation = header.shown_orientation(exif.get(ORIENTATION))
    width, height = header.size_shown(orientation)
    check_pixel_count((width, height))
    return exif_facts(exif, exif.get_ifd(EXIF_IFD), width, height, orientation)
