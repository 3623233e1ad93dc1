"""Links to thumbnails, for templates and other parts of the site (the gallery, the admin).

The content-addressed form carries `?v=<sha-prefix>-<generator version>`: a new generator
version changes the URL, so the view may tell browsers to keep that form forever."""
from library.models import Photo
from library.playback import serves_rendition
from photosite.id_routes import id_route

from .names import current_video_spec
from .specs import DEFAULT_SIZE, GENERATOR_VERSION, check_size

VERSION_HASH_LENGTH = 12


def content_version(photo: Photo) -> str:
    return f"{photo.sha256[:VERSION_HASH_LENGTH]}-{GENERATOR_VERSION}"


def thumbnail_url(photo: Photo, size: str = DEFAULT_SIZE) -> str:
    """The cacheable-forever URL of the photo's thumbnail (`size`: "400", "800" or "preview")."""
    check_size(size)
    base = id_route("photo-thumbnail", photo.pk)
    size_part = "" if size == DEFAULT_SIZE else f"size={size}&"
    return f"{base}?{size_part}v={content_version(photo)}"


def embedded_video_url(photo: Photo) -> str:
    """The cacheable-forever URL of the video inside a motion photo (thumbnails.embedded_video_views)."""
    return f"{id_route('photo-embedded-video', photo.pk)}?v={content_version(photo)}"


def playable_url(photo: Photo) -> str:
    """The playable source of a video, for a `<video src>`: its web rendition when the policy
    (library.playback) says it needs one, else its original. Live Photos and the viewer
    alike link here. The rendition URL carries the rendition's name, so a new generator version
    (or a new rendition size) is a new URL."""
    if not serves_rendition(photo):
        return id_route("original", photo.pk)
    return f"{id_route('photo-video', photo.pk)}?v={photo.sha256[:VERSION_HASH_LENGTH]}-{current_video_spec()}"
