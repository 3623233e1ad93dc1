"""How many thumbnails are cached, missing or failed: for `librarystatus`, status pages and the
admin's filter. Answers come from the rendition rows, never from listing the storage. The spec
counted by default is the grid's in the format browsers are served (thumbnails.formats): the
one whose absence a person scrolling the gallery would see. The cache's size is the cache's own answer
(`cache.stored_size`)."""
from django.db.models import Exists, OuterRef, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from library.models import Photo
from library.video_playback import Playback, mode, videos_served_renditions, with_video

from . import cache
from .formats import made_ahead_spec, made_ahead_specs
from .models import Thumbnail, ThumbnailState
from .specs import ThumbnailSpec

CACHED, MISSING, FAILED = "cached", "missing", "failed"
STATES = (CACHED, MISSING, FAILED)


def photos_with_thumbnail_state(photos: QuerySet, state: str, spec: ThumbnailSpec | None = None) -> QuerySet:
    """`photos` narrowed to those whose `spec` thumbnail (default: the grid's, made ahead) is
    cached, missing (never made, or not yet) or failed."""
    spec = spec or made_ahead_spec()
    if state not in STATES:
        raise ValueError(f"unknown thumbnail state {state!r}; choose one of {', '.join(STATES)}")
    renditions = Thumbnail.objects.filter(photo=OuterRef("pk"), spec=str(spec))
    if state == CACHED:
        return photos.filter(Exists(renditions.filter(state=ThumbnailState.READY)))
    if state == FAILED:
        return photos.filter(Exists(renditions.filter(state=ThumbnailState.FAILED)))
    return photos.exclude(Exists(renditions.exclude(state=ThumbnailState.PENDING)))


def thumbnail_counts(spec: ThumbnailSpec | None = None, photos: QuerySet | None = None) -> dict[str, int]:
    """{"cached": n, "missing": n, "failed": n} over `photos` (default: photos not in the trash)."""
    photos = Photo.objects.in_library() if photos is None else photos
    return {state: photos_with_thumbnail_state(photos, state, spec).count() for state in STATES}


def status_lines(sender, **kwargs) -> list[tuple[str, str]]:
    """Receiver of library.signals.status_requested: `librarystatus`'s thumbnail lines."""
    lines = []
    for spec in made_ahead_specs():
        counts = thumbnail_counts(spec)
        lines.append((f"Thumbnails {spec}", f"{counts['cached']} cached, {counts['missing']} missing, "
                                            f"{counts['failed']} failed"))
    lines.append(rendition_line())
    files, size = cache.stored_size()
    lines.append(("Thumbnail cache", f"{files} files, {filesizeformat(size)} ({size} bytes)"))
    return lines


def rendition_counts() -> dict[str, int]:
    """{"cached", "missing", "failed", "making"} over the videos played from a web rendition."""
    spec = cache.current_video_spec()
    videos = videos_served_renditions(Photo.objects.in_library())
    counts = thumbnail_counts(spec, videos)
    making = Thumbnail.objects.filter(spec=str(spec), photo__in=videos, claimed_until__gt=timezone.now())
    return {**counts, "making": making.count()}


def rendition_line() -> tuple[str, str]:
    counts = rendition_counts()
    videos = with_video(Photo.objects.in_library())
    originals = videos.filter(playback=Playback.ORIGINAL).count()
    return (f"Video renditions {cache.current_video_spec()}",
            f"{counts['cached']} made, {counts['missing']} missing ({counts['making']} being made now), "
            f"{counts['failed']} failed (PHOTOSITE_VIDEO_RENDITIONS={mode()}; {originals} of "
            f"{videos.count()} videos and motion photos play in browsers as they are)")
