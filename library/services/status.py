"""The library at a glance, for `manage.py librarystatus`: what the old design learned from
`tail` and `du` — media counts, the thumbnail cache's size on disk, and the background queue
(waiting, in progress, failed tasks). Cached / missing / failed thumbnail counts are
thumbnails.status's."""
import os
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Count, Q, Sum
from django_q.brokers import get_broker
from django_q.models import Failure

from library.models import MediaKind, Photo
from thumbnails.cache import is_local, thumbnail_storage
from thumbnails.models import Thumbnail, ThumbnailState


@dataclass(frozen=True)
class QueueCounts:
    broker: str
    waiting: int
    in_progress: int
    failed: int


def media_counts() -> dict[str, int]:
    """Photos and videos in the library, and items in the trash."""
    counts = Photo.objects.aggregate(
        photos=Count("id", filter=Q(kind=MediaKind.PHOTO, trashed_at__isnull=True)),
        videos=Count("id", filter=Q(kind=MediaKind.VIDEO, trashed_at__isnull=True)),
        trashed=Count("id", filter=Q(trashed_at__isnull=False)),
    )
    return counts


def cache_size() -> tuple[int, int]:
    """(files, bytes) of the thumbnail cache: measured on disk like `du` where the storage is a
    folder, else summed from the cache's records (an object store has no cheap walk)."""
    if is_local():
        return folder_size(Path(thumbnail_storage().location))
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


def queue_counts() -> QueueCounts:
    """Tasks waiting in the broker, taken by a worker and not yet acknowledged, and failed ones
    (django-q2 keeps every failure in its Failure table)."""
    broker = get_broker()
    return QueueCounts(broker.info(), broker.queue_size() or 0, broker.lock_size() or 0, Failure.objects.count())
