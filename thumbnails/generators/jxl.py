"""The picture a JPEG XL file's thumbnail is made from.

pillow-jxl decodes the whole picture as soon as the file is opened (JPEG XL has no DCT-scaled
decode through it), so the size its header claims is checked first: a decompression bomb is
refused before a pixel is decoded. libjxl turns the picture by the codestream's orientation
itself; what is left to apply is the EXIF's when the codestream has none, or, for a JPEG that
JPEG XL keeps losslessly (handed back as that JPEG, unturned), the JPEG's own EXIF. The decode
takes its share of the memory budget first, at four bytes a pixel (RGBA)."""
from pathlib import Path

import pillow_jxl  # noqa: F401 - importing it registers its JPEG XL plugin with Pillow
from django.conf import settings
from PIL import Image

from library.media.jxl_header import read_jxl_header
from thumbnails.errors import ImageTooLargeError

from .decode_budget import Reservation, decoded_size

ALREADY_UPRIGHT = 1


def jxl_picture(source: Path, budget: Reservation) -> tuple[Image.Image, int | None]:
    """(decoded picture, orientation left to apply; None: its EXIF's). Raises JxlHeaderError or
    what pillow-jxl raises on a broken file."""
    with open(source, "rb") as file:
        header = read_jxl_header(file)
    if header.width * header.height > settings.PHOTOSITE_MAX_IMAGE_PIXELS:
        raise ImageTooLargeError(f"{header.width}×{header.height} pixels exceeds the limit of "
                                 f"{settings.PHOTOSITE_MAX_IMAGE_PIXELS} (decompression bomb?)")
    budget.take(decoded_size("RGBA", (header.width, header.height)))
    image = Image.open(source)
    if getattr(image, "jpeg", False) or header.orientation == 1:
        return image, None
    return image, ALREADY_UPRIGHT
