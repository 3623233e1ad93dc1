"""The last step shared by photos and videos: fit an RGB picture into the spec's box and encode it."""
import io

from PIL import Image

from thumbnails.specs import ThumbnailSpec

JPEG_QUALITY = 82
WEBP_QUALITY = 80
# libwebp's fastest method: the default (4) makes a little smaller files for far more time, past
# the thumbnail's budget over its decode; 0 still makes files smaller than JPEG's (bench/run.py
# thumbnails and formats; docs/measured-choices.md).
WEBP_METHOD = 0


def fitted_size(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The largest size of the same aspect inside `box`, never larger than `size` (no upscaling)."""
    width, height = size
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def fit(image: Image.Image, spec: ThumbnailSpec) -> Image.Image:
    target = fitted_size(image.size, spec.box)
    if target == image.size:
        return image
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)


def encode(image: Image.Image, spec: ThumbnailSpec) -> bytes:
    """JPEG or WebP bytes of an RGB picture; no metadata is kept (the picture is already upright)."""
    buffer = io.BytesIO()
    if spec.format == "webp":
        image.save(buffer, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    else:
        image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
