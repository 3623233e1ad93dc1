"""`checklibrary` on a library kept in an object store: the same findings as on a disk
(library_check), read from the store's listing instead of a folder walk, plus the store's own
leftover of a crash, a multipart upload that was started and never completed.

Rows are walked in batches by id, each batch's objects listed folder by folder (one listing per
day folder instead of one request per row); then the whole prefix is listed a page at a time and
each page looked up by path. Memory stays flat in the library's size, as on a disk."""
import itertools
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.utils import timezone

from library.check_report import CheckReport, Finding
from library.models import Photo
from library.originals import abort_upload, listed_objects, sha256_of, unfinished_uploads
from library.paths import is_hidden

from .library_check import BATCH, Kind, claimed_files, moving_names, rows_by_id

UNFINISHED_UPLOAD = "multipart uploads never completed"


def check_objects(report: CheckReport, verify_hashes=False, on_bytes: Callable[[int], None] | None = None,
                  stale_after=0):
    """Rows against objects (missing, wrong size, optionally changed bytes), then objects that no
    row claims. An object written within `stale_after` seconds may be a running import's, whose
    row comes right after the store acknowledged it: counted as busy, not reported."""
    started = time.monotonic()
    moving = moving_names()
    rows = rows_by_id(Photo.objects.values_list("pk", "path", "size", "sha256"))
    while batch := list(itertools.islice(rows, BATCH)):
        report.rows_seen += len(batch)
        sizes = stored_sizes({folder_of(path) for _, path, _, _ in batch if path not in moving})
        for pk, name, size, sha256 in batch:
            if name not in moving:
                check_row(report, pk, name, size, sha256, sizes.get(name), verify_hashes, on_bytes)
    cutoff = timezone.now() - timedelta(seconds=stale_after)
    objects = (stored for stored in listed_objects() if not is_site_own(stored.name))
    while page := list(itertools.islice(objects, BATCH)):
        report.files_seen += len(page)
        claimed = claimed_files([stored.name for stored in page])
        for stored in page:
            if stored.name in claimed or stored.name in moving:
                continue
            if stored.modified > cutoff:
                report.busy_files += 1
            else:
                report.add(Finding(Kind.UNTRACKED, stored.name))
    report.files_seconds = time.monotonic() - started


def check_row(report: CheckReport, pk: int, name: str, size: int, sha256: str, stored_size: int | None,
              verify_hashes: bool, on_bytes):
    if stored_size is None:
        report.add(Finding(Kind.MISSING, name, "the database expects this object", pk))
    elif stored_size != size:
        report.add(Finding(Kind.SIZE_MISMATCH, name, f"{stored_size:,} bytes stored, {size:,} recorded", pk))
    elif verify_hashes:
        report.files_hashed += 1
        report.bytes_hashed += size
        if sha256_of(name, on_bytes) != sha256:
            report.add(Finding(Kind.HASH_MISMATCH, name, "SHA-256 differs from the one recorded at import", pk))


def stored_sizes(folders: set[str]) -> dict[str, int]:
    """name → size of every object directly in `folders`, one paginated listing per folder."""
    return {stored.name: stored.size for folder in sorted(folders) for stored in listed_objects(folder)}


def folder_of(name: str) -> str:
    return name.rpartition("/")[0]


def is_site_own(name: str) -> bool:
    """Under a dot-folder (`.thumbnails`, `.trash`...) or a dot-name: the site's own, not a photo,
    as the disk walk skips them."""
    return any(is_hidden(part) for part in name.split("/"))


def check_unfinished_uploads(report: CheckReport, stale_after=0):
    """Multipart uploads a killed writer left open; their parts take space in the store, unseen,
    until aborted. A recent one may be a running import's and is counted as busy."""
    cutoff = timezone.now() - timedelta(seconds=stale_after)
    for upload in unfinished_uploads():
        if upload.initiated > cutoff:
            report.busy_files += 1
        else:
            report.add(Finding(UNFINISHED_UPLOAD, upload.name, f"started {upload.initiated:%Y-%m-%d %H:%M:%S} UTC",
                               repair=partial(abort_upload, upload)))
