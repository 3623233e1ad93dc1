"""The picture a raw file's thumbnail is made from, through LibRaw (rawpy).

Cameras embed a JPEG preview in their raws, often full-size: when the largest one (LibRaw picks
it) is big enough for the size asked, it is that JPEG, DCT-scaled like any other (bench: within
the goal of decoding the preview alone). Otherwise LibRaw demosaics the sensor data at half size
(each 2×2 Bayer block one pixel: a quarter of the work, and still far above any thumbnail).
A preview too small for the size asked still beats no picture when the sensor data cannot be
read. The orientation is LibRaw's flip (the preview's own EXIF orientation when it has one).
A demosaic takes its share of the memory budget first: LibRaw's half-size picture at 16 bits
a channel and its 8-bit copy come to about four bytes a sensor pixel."""
import io
from pathlib import Path

import rawpy
from django.conf import settings
from PIL import Image

from library.media.libraw_header import FLIP_ORIENTATION, SIDEWAYS_FLIPS
from thumbnails.errors import ImageTooLargeError
from thumbnails.specs import ThumbnailSpec

from .decode_budget import Reservation, decoded_size
from .encoding import fitted_size

TAG_ORIENTATION = 0x0112
TURNED = range(2, 9)


def raw_picture(source: Path, spec: ThumbnailSpec, budget: Reservation) -> tuple[Image.Image, int]:
    """(picture as stored, EXIF orientation that turns it upright). Raises rawpy.LibRawError or
    what Pillow raises when neither the preview nor the sensor data can be read (ImageTooLargeError:
    a sensor past the pixel limit, and no preview)."""
    with rawpy.imread(str(source)) as raw:
        orientation = FLIP_ORIENTATION.get(raw.sizes.flip, 1)
        preview = embedded_preview(raw)
        if preview is not None and big_enough(preview.size, raw.sizes, spec):
            return preview, preview_orientation(preview, orientation)
        try:
            check_sensor_size(raw.sizes)
            budget.take(decoded_size("RGBA", (raw.sizes.width, raw.sizes.height)))
            return half_size_demosaic(raw), orientation
        except (rawpy.LibRawError, ImageTooLargeError):
            if preview is None:
                raise
            return preview, preview_orientation(preview, orientation)


def preview_orientation(preview: Image.Image, flip_orientation: int) -> int:
    """Previews are stored as the sensor is: the raw's flip turns them, unless the preview's own
    EXIF says how (some makers write a whole EXIF block into it)."""
    own = preview.getexif().get(TAG_ORIENTATION)
    return own if own in TURNED else flip_orientation


def embedded_preview(raw: rawpy.RawPy) -> Image.Image | None:
    """The largest embedded preview (JPEG, or a bitmap for some old cameras); None if there is none
    or LibRaw cannot read it."""
    try:
        thumb = raw.extract_thumb()
    except rawpy.LibRawError:
        return None
    if thumb.format == rawpy.ThumbFormat.JPEG:
        return Image.open(io.BytesIO(thumb.data))
    return Image.fromarray(thumb.data)


def big_enough(preview_size: tuple[int, int], sizes, spec: ThumbnailSpec) -> bool:
    """Whether the preview covers the thumbnail the full raw would give (in stored orientation)."""
    box = spec.box[::-1] if sizes.flip in SIDEWAYS_FLIPS else spec.box
    target = fitted_size((sizes.width, sizes.height), box)
    return max(preview_size) >= max(target)


def check_sensor_size(sizes):
    """A sensor claiming more pixels than the limit is not demosaiced (a bomb, or a broken header)."""
    if sizes.width * sizes.height > settings.PHOTOSITE_MAX_IMAGE_PIXELS:
        raise ImageTooLargeError(f"{sizes.width}×{sizes.height} sensor pixels exceeds the limit of "
                                 f"{settings.PHOTOSITE_MAX_IMAGE_PIXELS} (decompression bomb?)")


def half_size_demosaic(raw: rawpy.RawPy) -> Image.Image:
    """The sensor data demosaiced at half size, camera white balance, 8-bit sRGB, left unflipped
    (it is shrunk before it is turned, like every other picture)."""
    pixels = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8, user_flip=0)
    return Image.fromarray(pixels)
