"""How many thumbnails are cached, missing or failed: for `librarystatus`, status pages and the
admin's filter. Answers come from the rendition rows, never from listing the storage (sizes
included: a walk of a million cached files took seconds). The spec counted by default is the
grid's in the format browsers are served (thumbnails.formats): the one whose absence a person
scrolling the gallery would see. What is ready is the store's rule (`store.ready_rows`)."""
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from library.media.video_playback import Playback
from library.models import Photo
from library.playback import mode, videos_served_renditions, with_video

from . import store
from .formats import made_ahead_spec, made_ahead_specs
from .models import Thumbnail, ThumbnailState
from .names import current_video_spec
from .specs import ThumbnailSpec

CACHED, MISSING, FAILED = "cached", "missing", "failed"
STATES = (CACHED, MISSING, FAILED)


def photos_with_thumbnail_state(photos: QuerySet, state: str, spec: ThumbnailSpec | None = None) -> QuerySet:
    """`photos` narrowed to those whose `spec` thumbnail (default: the grid's, made ahead) is
    cached, missing (never made, or not yet) or failed."""
    spec = spec or made_ahead_spec()
    if state not in STATES:
        raise ValueError(f"unknown thumbnail state {state!r}; choose one of {', '.join(STATES)}")
    if state == CACHED:
        return photos.filter(store.ready_annotation(spec))
    renditions = Thumbnail.objects.filter(photo=OuterRef("pk"), spec=str(spec))
    if state == FAILED:
        return photos.filter(Exists(renditions.filter(state=ThumbnailState.FAILED)))
    return photos.exclude(Exists(renditions.exclude(state=ThumbnailState.PENDING)))


def thumbnail_counts(spec: ThumbnailSpec | None = None, photos: QuerySet | None = None) -> dict[str, int]:
    """{"cached": n, "missing": n, "failed": n} over `photos` (default: photos not in the trash).

    One count of the photos and one of their rows by state: a photo has at most one row per spec,
    and a row is ready, failed or pending, so the missing are the photos neither cached nor failed
    (the same as `photos_with_thumbnail_state`'s MISSING, without an anti-join over the table)."""
    spec = spec or made_ahead_spec()
    photos = Photo.objects.in_library() if photos is None else photos
    rows = Thumbnail.objects.filter(spec=str(spec), photo__in=photos.values("pk"))
    by_state = dict(rows.order_by().values_list("state").annotate(rows=Count("id")))
    cached, failed = by_state.get(ThumbnailState.READY, 0), by_state.get(ThumbnailState.FAILED, 0)
    return {CACHED: cached, MISSING: photos.count() - cached - failed, FAILED: failed}


def status_lines(sender, **kwargs) -> list[tuple[str, str]]:
    """Receiver of library.signals.status_requested: `librarystatus`'s thumbnail lines."""
    lines = []
    for spec in made_ahead_specs():
        counts = thumbnail_counts(spec)
        lines.append((f"Thumbnails {spec}", f"{counts['cached']} cached, {counts['missing']} missing, "
                                            f"{counts['failed']} failed"))
    lines.append(rendition_line())
    lines.append(cache_line())
    return lines


def cache_line() -> tuple[str, str]:
    files, size, unknown = stored_size()
    unsized = f" ({unknown} of unknown size)" if unknown else ""
    return ("Thumbnail cache", f"{files} files, {filesizeformat(size)} ({size} bytes), from their records{unsized}")


def stored_size() -> tuple[int, int, int]:
    """(files, bytes, files of unknown size) of the store, from its ready rows: a walk of the
    storage costs seconds at a million files (and an object store has no cheap walk). A row says
    its size since it was made or found; one that does not (none is written so today) is counted
    apart. A motion photo's H.264 video is served from its original and has no row."""
    totals = store.ready_rows().aggregate(files=Count("id"), size=Sum("bytes"),
                                          unknown=Count("id", filter=Q(bytes__isnull=True)))
    return totals["files"], totals["size"] or 0, totals["unknown"]


def rendition_counts() -> dict[str, int]:
    """{"cached", "missing", "failed", "making"} over the videos played from a web rendition."""
    spec = current_video_spec()
    videos = videos_served_renditions(Photo.objects.in_library())
    counts = thumbnail_counts(spec, videos)
    making = Thumbnail.objects.filter(spec=str(spec), photo__in=videos, claimed_until__gt=timezone.now())
    return {**counts, "making": making.count()}


def rendition_line() -> tuple[str, str]:
    counts = rendition_counts()
    videos = with_video(Photo.objects.in_library())
    originals = videos.filter(playback=Playback.ORIGINAL).count()
    return (f"Video renditions {current_video_spec()}",
            f"{counts['cached']} made, {counts['missing']} missing ({counts['making']} being made now), "
            f"{counts['failed']} failed (PHOTOSITE_VIDEO_RENDITIONS={mode()}; {originals} of "
            f"{videos.count()} videos and motion photos play in browsers as they are)")
