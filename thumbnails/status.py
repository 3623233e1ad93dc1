"""How many thumbnails are cached, missing or failed: for `librarystatus`, status pages and the
admin's filter. Answers come from the rendition rows, never from listing the storage. The spec
counted by default is the grid's in the format browsers are served (thumbnails.formats): the
one whose absence a person scrolling the gallery would see. The cache's size on disk is measured
like `du` where the storage is a folder."""
import os
from pathlib import Path

from django.core.files.storage import storages
from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.template.defaultfilters import filesizeformat

from library.models import Photo

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


def failures(spec: ThumbnailSpec | None = None) -> QuerySet:
    """Failed renditions with their last error, newest attempt first."""
    rows = Thumbnail.objects.filter(state=ThumbnailState.FAILED).select_related("photo")
    return (rows.filter(spec=str(spec)) if spec else rows).order_by("-retry_after")


def status_lines(sender, **kwargs) -> list[tuple[str, str]]:
    """Receiver of library.signals.status_requested: `librarystatus`'s thumbnail lines."""
    lines = []
    for spec in made_ahead_specs():
        counts = thumbnail_counts(spec)
        lines.append((f"Thumbnails {spec}", f"{counts['cached']} cached, {counts['missing']} missing, "
                                            f"{counts['failed']} failed"))
    files, size = cache_size()
    lines.append(("Thumbnail cache", f"{files} files, {filesizeformat(size)} ({size} bytes)"))
    return lines


def cache_size() -> tuple[int, int]:
    """(files, bytes) of the thumbnail cache: measured on disk like `du` where the storage is a
    folder, else summed from the cache's records (an object store has no cheap walk)."""
    storage = storages["thumbnails"]
    try:
        return folder_size(Path(storage.path("")))
    except NotImplementedError:  # not a local folder
        totals = Thumbnail.objects.filter(state=ThumbnailState.READY).aggregate(files=Count("id"), bytes=Sum("bytes"))
        return totals["files"], totals["bytes"] or 0


def folder_size(root: Path) -> tuple[int, int]:
    files = size = 0
    for folder, _, names in os.walk(root):
        for name in names:
            try:
                size += os.stat(os.path.join(folder, name)).st_size
            except FileNotFoundError:  # replaced or deleted while we walk
                continue
            files += 1
    return files, size
