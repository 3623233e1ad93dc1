"""How renditions are named: the one place that spells a rendition's name in the storage and its
entity tag, for thumbnails and video renditions alike.

A name comes from the photo's SHA-256 and the spec (`ab/cd/<sha256>-h400-jpeg-v1.jpg`,
`ab/cd/<sha256>-v1080-h264-v1.mp4`), so the same bytes imported twice share their renditions and
a new generator version never meets an old file. Nothing but the store (thumbnails.store) turns
a name into a file."""
import re

from django.conf import settings

from library.models import Photo

from .specs import GENERATOR_VERSION, InvalidSpecError, ThumbnailSpec, VideoRenditionSpec

RenditionSpec = ThumbnailSpec | VideoRenditionSpec
RENDITION_NAME = re.compile(r"^(?P<sha256>[0-9a-f]{64})-")


def current_video_spec() -> VideoRenditionSpec:
    """The web rendition videos get today (thumbnails.video_renditions makes and serves it)."""
    return VideoRenditionSpec(settings.PHOTOSITE_VIDEO_RENDITION_LINES)


def storage_name(sha256: str, spec: RenditionSpec) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}-{spec}.{spec.extension}"


def etag(photo: Photo, spec: RenditionSpec) -> str:
    """The rendition's entity tag: its content's name, so it changes exactly when the name does."""
    return f'"{photo.sha256}-{spec}"'


def photo_sha256_of(name: str) -> str | None:
    """The SHA-256 of the photo a name in the storage is a rendition of (current or not), or None
    for a name that is no rendition's (`checklibrary` asks, to find renditions of no photo)."""
    match = RENDITION_NAME.match(name.rsplit("/", 1)[-1])
    return match["sha256"] if match else None


def is_current_name(name: str) -> bool:
    """Whether a name in the storage is one today's specs would give: false for a rendition of an
    older generator version or of a format no longer in the allow-list, which nothing serves."""
    return current_spec_of(name) is not None


def current_spec_of(name: str) -> RenditionSpec | None:
    """The spec of today's that gives this name, or None (see `is_current_name`)."""
    base = name.rsplit("/", 1)[-1]
    sha256, _, rest = base.partition("-")
    spec_text, _, extension = rest.rpartition(".")
    if name == storage_name(sha256, current_video_spec()):
        return current_video_spec()
    try:
        spec = ThumbnailSpec.from_string(spec_text)
    except InvalidSpecError:
        return None
    return spec if spec.version == GENERATOR_VERSION and storage_name(sha256, spec) == name else None
