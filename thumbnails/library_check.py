"""The rendition store's part of `manage.py checklibrary`: thumbnails and video renditions of
bytes no photo has any more, of a spec nothing serves any more (an older generator version, a
format dropped from the allow-list, a rendition of another size), renditions whose maker was killed before
it recorded them on their row, and temp files of crashed writes. The library sends `library_checked`; this app
alone knows its storage and its names, so it looks there and says how to repair."""
from collections.abc import Iterator
from functools import partial

from django.core.files.storage import Storage
from django.utils import timezone

from library.check_report import CheckReport, Finding
from library.models import Photo

from . import store
from .names import current_spec_of, is_current_name, photo_sha256_of
from .storage import is_unfinished_write
from .store import Entry, ready_rows

# The heading `checklibrary` lists these findings under.
ORPHAN_THUMBNAIL = "orphaned thumbnails"
UNRECORDED_RENDITION = "renditions whose row does not say ready"
BATCH = 1000


def check_stored_thumbnails(sender, report: CheckReport, stale_after: float, **kwargs):
    """Receiver of library.signals.library_checked."""
    storage = store.storage()
    batch = []
    for name in storage_files(storage):
        sha256 = photo_sha256_of(name)
        if sha256 and not is_current_name(name):
            report.add(orphan(name, "no current thumbnail spec names it"))
        elif sha256:
            batch.append((name, sha256))
        elif is_unfinished_write(name) and is_stale(storage, name, stale_after):
            report.add(orphan(name, "unfinished write of a thumbnail"))
        if len(batch) >= BATCH:
            check_batch(report, batch, storage, stale_after)
            batch = []
    check_batch(report, batch, storage, stale_after)


def orphan(name: str, detail: str) -> Finding:
    return Finding(ORPHAN_THUMBNAIL, name, detail, repair=partial(remove, name))


def remove(name: str) -> str:
    store.delete_stored(name)
    return "removed"


def check_batch(report: CheckReport, batch, storage: Storage, stale_after: float):
    """Renditions of bytes no photo has, and renditions whose row does not say ready (a maker
    killed between its write and its row's update; written recently, it may be finishing now)."""
    photos = {photo.sha256: photo for photo in Photo.objects.filter(sha256__in={sha256 for _, sha256 in batch})}
    recorded = set(ready_rows().filter(name__in=[name for name, _ in batch]).values_list("name", flat=True))
    for name, sha256 in batch:
        if sha256 not in photos:
            report.add(orphan(name, "no photo has these bytes"))
        elif name not in recorded and is_stale(storage, name, stale_after):
            report.add(Finding(UNRECORDED_RENDITION, name, f"of photo {photos[sha256].pk}", photos[sha256].pk,
                               repair=partial(record, photos[sha256], name)))


def record(photo: Photo, name: str) -> str:
    entry = Entry(photo, current_spec_of(name))
    entry.record_found()
    return "recorded as ready" if entry.is_ready() else "its maker holds its row; left alone"


def storage_files(storage: Storage, folder="") -> Iterator[str]:
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(dirs):
        yield from storage_files(storage, f"{folder}/{name}" if folder else name)


def is_stale(storage: Storage, name: str, stale_after: float) -> bool:
    try:
        modified = storage.get_modified_time(name)
    except (FileNotFoundError, NotImplementedError):
        return False
    return (timezone.now() - modified).total_seconds() >= stale_after
