"""The format policy, in one place: which format a client is served, and which is made ahead.

The workers must make exactly what browsers are served, or every tile a browser shows is made
again on request while the status counts say nothing is missing (as happened when the workers
made JPEG and browsers were served WebP). So the view, the fast path, the background tasks,
`pregenerate`, `librarystatus`, the admin's filter and `checklibrary` all ask here.

`PHOTOSITE_THUMBNAIL_FORMAT` (default `webp`, which every current browser shows) is made ahead
and served to every client that accepts it; a client whose Accept lacks `image/webp` gets JPEG,
made on its first request. With `jpeg`, everyone gets JPEG."""
from django.conf import settings
from django.core import checks

from .specs import DEFAULT_SIZE, FORMATS, ThumbnailSpec

WEBP = "webp"
JPEG = "jpeg"  # every client shows it: the fallback for one that does not accept WebP


def configured_format() -> str:
    """The format made ahead of time and served to every client that shows it."""
    return settings.PHOTOSITE_THUMBNAIL_FORMAT


def format_for(accept: str) -> str:
    """The format a client with this Accept header is served."""
    configured = configured_format()
    if configured == WEBP and "image/webp" not in accept:
        return JPEG
    return configured


def served_spec(size: str, accept: str) -> ThumbnailSpec:
    """The spec of `?size=` that a client with this Accept header is served."""
    return ThumbnailSpec.for_size(size, format_for(accept))


def made_ahead_spec(size: str = DEFAULT_SIZE) -> ThumbnailSpec:
    """The spec of `size` that the workers make ahead and the status counts report."""
    return ThumbnailSpec.for_size(size, configured_format())


def made_ahead_specs() -> list[ThumbnailSpec]:
    """Every spec made ahead: the configured format in each of PHOTOSITE_PREGENERATE_SIZES."""
    return [made_ahead_spec(size) for size in settings.PHOTOSITE_PREGENERATE_SIZES]


@checks.register()
def check_configured_format(app_configs, **kwargs) -> list[checks.Error]:
    """A format outside the allow-list would turn every thumbnail request into a 400: refuse to start."""
    if configured_format() in FORMATS:
        return []
    return [checks.Error(f"PHOTOSITE_THUMBNAIL_FORMAT={configured_format()!r} is not a thumbnail format",
                         hint=f"use one of {', '.join(FORMATS)}", id="thumbnails.E001")]
