"""How many thumbnails are cached, missing or failed: for `librarystatus`, status pages and the
admin's filter. Answers come from the rendition rows, never from listing the storage (sizes
included: a walk of a million cached files took seconds). The spec counted by default is the
grid's in the format browsers are served (thumbnails.formats): the one whose absence a person
scrolling the gallery would see. What is ready is the store's rule (`store.ready_rows`)."""
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from library import photo_tally
from library.media.video_playback import Playback
from library.models import Photo
from library.playback import mode, rendition_playbacks, videos_served_renditions

from . import rendition_tally, store
from .formats import made_ahead_spec, made_ahead_specs
from .models import Rendition, RenditionState
from .names import RenditionSpec, current_video_spec
from .specs import ThumbnailSpec

CACHED, MISSING, FAILED = "cached", "missing", "failed"
STATES = (CACHED, MISSING, FAILED)


def photos_with_rendition_state(photos: QuerySet, state: str, spec: RenditionSpec | None = None) -> QuerySet:
    """`photos` narrowed to those whose `spec` rendition (default: the grid's thumbnail, made
    ahead) is cached, missing (never made, or not yet) or failed."""
    spec = spec or made_ahead_spec()
    if state not in STATES:
        raise ValueError(f"unknown rendition state {state!r}; choose one of {', '.join(STATES)}")
    if state == CACHED:
        return photos.filter(store.ready_annotation(spec))
    renditions = Rendition.objects.filter(photo=OuterRef("pk"), spec=str(spec))
    if state == FAILED:
        return photos.filter(Exists(renditions.filter(state=RenditionState.FAILED)))
    return photos.exclude(Exists(renditions.exclude(state=RenditionState.PENDING)))


def thumbnail_counts(spec: ThumbnailSpec | None = None) -> dict[str, int]:
    """{"cached": n, "missing": n, "failed": n} over the photos not in the trash, from the counts
    the database keeps (library.tallies): a photo has at most one row per spec, and a row is
    ready, failed or pending, so the missing are the photos neither cached nor failed (the same
    as `photos_with_rendition_state`'s MISSING)."""
    return counts_of(spec or made_ahead_spec(), photo_tally.IN_LIBRARY, photo_tally.IN_LIBRARY)


def counts_of(spec: RenditionSpec, photos: Q, their_rows: Q) -> dict[str, int]:
    """Cached, missing and failed `spec` renditions of the photos whose tallied properties meet
    `photos`; `their_rows` says the same of the rendition tally, which keeps only a row's photo's
    `trashed` and `playback` (a spec is made of one kind of file only)."""
    by_state = rendition_tally.by_state(Q(spec=str(spec)) & their_rows)
    cached, failed = by_state.get(RenditionState.READY, 0), by_state.get(RenditionState.FAILED, 0)
    return {CACHED: cached, MISSING: photo_tally.count(photos) - cached - failed, FAILED: failed}


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
    return ("Rendition cache", f"{files} files, {filesizeformat(size)} ({size} bytes), from their records{unsized}")


def stored_size() -> tuple[int, int, int]:
    """(files, bytes, files of unknown size) of the store, from its ready rows' tally: a walk of
    the storage costs seconds at a million files (and an object store has no cheap walk). A row
    says its size since it was made or found; one that does not (none is written so today) is
    counted apart. A motion photo's H.264 video is served from its original and has no row."""
    totals = rendition_tally.totals(Q(state=RenditionState.READY))
    return totals["renditions"], totals["bytes"], totals["unsized"]


# At most this many are counted as being made now: a lease is taken by a worker, a handful at a time.
MAKING_COUNTED = 1000


def rendition_counts() -> dict[str, int]:
    """{"cached", "missing", "failed", "making"} over the videos played from a web rendition."""
    spec = current_video_spec()
    served = photo_tally.IN_LIBRARY & rendition_playbacks()
    counts = counts_of(spec, served & photo_tally.HAS_VIDEO, served)
    videos = videos_served_renditions(Photo.objects.in_library())
    making = Rendition.objects.filter(spec=str(spec), claimed_until__gt=timezone.now(), photo__in=videos)
    return {**counts, "making": making[:MAKING_COUNTED].count()}


def rendition_line() -> tuple[str, str]:
    counts = rendition_counts()
    videos = photo_tally.IN_LIBRARY & photo_tally.HAS_VIDEO
    originals = photo_tally.count(videos & Q(playback=Playback.ORIGINAL))
    return (f"Video renditions {current_video_spec()}",
            f"{counts['cached']} made, {counts['missing']} missing ({counts['making']} being made now), "
            f"{counts['failed']} failed (PHOTOSITE_VIDEO_RENDITIONS={mode()}; {originals} of "
            f"{photo_tally.count(videos)} videos and motion photos play in browsers as they are)")
