"""The grey stand-in served when a thumbnail cannot be made: the photo's aspect, so the
gallery's layout does not jump, and always a JPEG (every browser shows it)."""
import io
from functools import lru_cache

from PIL import Image

from .generators.encoding import fitted_size
from .specs import ThumbnailSpec

PLACEHOLDER_GREY = (200, 200, 200)
UNKNOWN_ASPECT = (4, 3)


def placeholder_jpeg(width: int | None, height: int | None, spec: ThumbnailSpec) -> bytes:
    source_size = (width, height) if width and height else UNKNOWN_ASPECT
    # Scale tiny sizes up: a placeholder should fill the tile even for an unknown aspect.
    scale = max(spec.box[1] / source_size[1], 1)
    return _grey_jpeg(fitted_size((round(source_size[0] * scale), round(source_size[1] * scale)), spec.box))


@lru_cache(maxsize=256)
def _grey_jpeg(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, PLACEHOLDER_GREY).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()
