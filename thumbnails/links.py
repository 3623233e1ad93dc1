"""Links to thumbnails, for templates and other parts of the site (the gallery, the admin).

The content-addressed form carries `?v=<sha-prefix>-<generator version>`: a new generator
version changes the URL, so the view may tell browsers to keep that form forever."""
from django.urls import reverse

from library.models import Photo

from .generators.encoding import fitted_size
from .specs import DEFAULT_SIZE, GENERATOR_VERSION, SIZES, check_size

VERSION_HASH_LENGTH = 12


def content_version(photo: Photo) -> str:
    return f"{photo.sha256[:VERSION_HASH_LENGTH]}-{GENERATOR_VERSION}"


def thumbnail_url(photo: Photo, size: str = DEFAULT_SIZE) -> str:
    """The cacheable-forever URL of the photo's thumbnail (`size`: "400", "800" or "preview")."""
    check_size(size)
    base = reverse("photo-thumbnail", args=[photo.pk])
    size_part = "" if size == DEFAULT_SIZE else f"size={size}&"
    return f"{base}?{size_part}v={content_version(photo)}"


def thumbnail_srcset(photo: Photo) -> str:
    """A `srcset` for a gallery tile: the 400-px thumbnail at 1x and the 800-px one at 2x."""
    return f"{thumbnail_url(photo, '400')} 1x, {thumbnail_url(photo, '800')} 2x"


def thumbnail_dimensions(photo: Photo, size: str = DEFAULT_SIZE) -> tuple[int, int] | None:
    """(width, height) the thumbnail will have, for `<img width height>`; None if the photo's size is unknown."""
    if not photo.width or not photo.height:
        return None
    height, widest = SIZES[size]
    return fitted_size((photo.width, photo.height), (widest, height))
