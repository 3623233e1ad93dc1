"""Comparing the library folder with the database: the checks behind `manage.py checklibrary`.

Each check only looks and returns findings; repairing is `library_repair`'s job. By default a
file is checked by its size (one `stat`, fast on a big library); `verify_hashes` re-reads every
byte and compares it with the SHA-256 recorded at import, which is how bit rot shows."""
import hashlib
import itertools
import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

from django.db.models import QuerySet, Sum
from django.utils import timezone

from library.check_report import CheckReport, Finding
from library.importing.staging import PARTIAL_SUFFIX, RESUMABLE_SUFFIX, STAGED_SUFFIX
from library.models import FileMove, Photo
from library.paths import IMPORT_TEMP_DIR, SIDECAR_SUFFIX, is_hidden, library_root, sidecar_path
from library.signals import library_checked

READ_CHUNK_BYTES = 1024 * 1024
# A file written more recently than this may belong to an import that is still running.
DEFAULT_STALE_AFTER_SECONDS = 15 * 60
# A resumable upload waits this long for its next piece (library.services.resumable_uploads).
RESUMABLE_UPLOAD_STALE_SECONDS = 24 * 60 * 60
# Rows, or files, looked at per query.
BATCH = 2000


class Kind:
    """What a finding is about; also the heading the command lists it under. Other apps' findings
    (`check_other_apps`) bring their own kinds."""

    UNTRACKED = "files without a database row"
    MISSING = "rows whose file is missing"
    SIZE_MISMATCH = "files whose size differs from their row"
    HASH_MISMATCH = "files whose content no longer matches their hash (bit rot)"
    PARTIAL = f"partial files left in {IMPORT_TEMP_DIR}"
    STAGED = f"complete files left in {IMPORT_TEMP_DIR}"
    STRAY_TEMP = f"unknown files in {IMPORT_TEMP_DIR}"
    STALE_UPLOAD = "resumable uploads untouched for a day"
    INTERRUPTED_MOVE = "moves of originals cut off by a crash"


def library_files(root: Path | None = None) -> Iterator[str]:
    """Relative paths of the library's files, in the order Python sorts the whole paths (so a
    report lists them alike run after run). Hidden entries (`.import_temp`, `.thumbnails`,
    `.trash`, `.logs`, `.photosite`, dot-files) are the site's own, not photos; as with `os.walk`,
    a link to a folder is not followed."""
    yield from sorted_files(root or library_root(), "")


def sorted_files(folder: Path, prefix: str) -> Iterator[str]:
    try:
        entries = [entry for entry in os.scandir(folder) if not is_hidden(entry.name)]
    except FileNotFoundError:
        return
    folders = {entry.name for entry in entries if entry.is_dir()}
    # A folder's files sort as "name/…": after "name.jpg" and "name-2.jpg", as their paths do.
    for entry in sorted(entries, key=lambda entry: entry.name + "/" if entry.name in folders else entry.name):
        if entry.name not in folders:
            yield prefix + entry.name
        elif not entry.is_symlink():
            yield from sorted_files(Path(entry.path), f"{prefix}{entry.name}/")


def rows_by_id(rows: QuerySet, batch: int = BATCH) -> Iterator[tuple]:
    """`rows` (a values_list starting with the primary key) a batch at a time, walked on the
    primary key's index: no sort of the table, and no snapshot held for the whole walk."""
    last = 0
    while chunk := list(rows.filter(pk__gt=last).order_by("pk")[:batch]):
        yield from chunk
        last = chunk[-1][0]


def claimed_files(files: list[str]) -> set[str]:
    """Those of `files` that a row claims: its own file, or its kept XMP sidecar
    (library.importing.sidecar_matching). One query on the path's unique index."""
    originals = {name.removesuffix(SIDECAR_SUFFIX) for name in files if name.endswith(SIDECAR_SUFFIX)}
    paths = set(Photo.objects.filter(path__in=[*files, *originals]).values_list("path", flat=True))
    return paths | {sidecar_path(path) for path in paths}


def check_files(report: CheckReport, verify_hashes=False, on_bytes: Callable[[int], None] | None = None,
                stale_after=DEFAULT_STALE_AFTER_SECONDS):
    """Rows against files: missing files, wrong sizes, (optionally) changed content, and files
    that no row claims. A trashed photo's row points into `.trash/`, so it is checked there.

    The rows are walked in batches by id, each file they name looked at; then the folder, each
    batch of its files looked up by path. Both walks are on indexes and memory stays flat in
    the library's size."""
    started = time.monotonic()
    root = library_root()
    moving = moving_names()
    for pk, relative, size, sha256 in rows_by_id(Photo.objects.values_list("pk", "path", "size", "sha256")):
        report.rows_seen += 1
        if relative not in moving:
            check_row(report, root, pk, relative, size, sha256, verify_hashes, on_bytes)
    files_left = library_files(root)
    while files := list(itertools.islice(files_left, BATCH)):
        report.files_seen += len(files)
        claimed = claimed_files(files)
        for relative in files:
            if relative not in claimed:
                check_unclaimed_file(report, root, relative, moving, stale_after)
    report.files_seconds = time.monotonic() - started


def moving_names() -> set[str]:
    """Both ends of every journalled move, and their sidecars: they belong to that move (finished
    or undone by its own repair), not to the checks of rows and files."""
    moving = set(FileMove.objects.values_list("source", flat=True)) | set(FileMove.objects.values_list("target", flat=True))
    return moving | {sidecar_path(relative) for relative in moving}


def check_row(report: CheckReport, root: Path, pk: int, relative: str, size, sha256, verify_hashes, on_bytes):
    finding = check_row_file(root / relative, size, sha256, verify_hashes, on_bytes)
    if verify_hashes and (finding is None or finding.kind == Kind.HASH_MISMATCH):
        report.files_hashed += 1
        report.bytes_hashed += size
    if finding is not None:
        finding.path, finding.photo_id = relative, pk
        report.add(finding)


def check_unclaimed_file(report: CheckReport, root: Path, relative: str, moving: set[str], stale_after):
    if relative in moving:
        return
    if is_recent(root / relative, stale_after):
        report.busy_files += 1  # perhaps placed by a running import a moment before its row
    else:
        report.add(Finding(Kind.UNTRACKED, relative))


def check_row_file(path: Path, size, sha256, verify_hashes, on_bytes) -> Finding | None:
    try:
        actual_size = path.stat().st_size
    except FileNotFoundError:
        return Finding(Kind.MISSING, "", "the database expects it here")
    if actual_size != size:
        return Finding(Kind.SIZE_MISMATCH, "", f"{actual_size:,} bytes on disk, {size:,} recorded")
    if verify_hashes and file_sha256(path, on_bytes) != sha256:
        return Finding(Kind.HASH_MISMATCH, "", "SHA-256 differs from the one recorded at import")
    return None


def file_sha256(path: Path, on_bytes: Callable[[int], None] | None = None) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb", buffering=0) as source:
        while chunk := source.read(READ_CHUNK_BYTES):
            hasher.update(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
    return hasher.hexdigest()


def bytes_to_verify() -> int:
    """For the progress bar of `--verify-hashes`."""
    return Photo.objects.aggregate(total=Sum("size"))["total"] or 0


def check_import_temp(report: CheckReport, stale_after=DEFAULT_STALE_AFTER_SECONDS):
    """Leftovers of crashed imports. Recently touched files are counted as busy and left out:
    they may belong to an import that is running right now."""
    temp_dir = library_root() / IMPORT_TEMP_DIR
    if not temp_dir.is_dir():
        return
    for entry in sorted(temp_dir.iterdir(), key=lambda path: path.name):
        if entry.suffix == RESUMABLE_SUFFIX:
            check_resumable_upload(report, entry)
            continue
        if is_recent(entry, stale_after):
            report.busy_files += 1
            continue
        relative = f"{IMPORT_TEMP_DIR}/{entry.name}"
        if entry.suffix == PARTIAL_SUFFIX:
            report.add(Finding(Kind.PARTIAL, relative, "cut off while it was being received"))
        elif entry.suffix == STAGED_SUFFIX:
            report.add(Finding(Kind.STAGED, relative, "fully received, never imported"))
        else:
            report.add(Finding(Kind.STRAY_TEMP, relative, "not written by Photosite; left alone"))


def check_resumable_upload(report: CheckReport, entry: Path):
    """A resumable upload's bytes so far wait a day for the next piece; older ones are stale."""
    if is_recent(entry, RESUMABLE_UPLOAD_STALE_SECONDS):
        report.busy_files += 1
    else:
        report.add(Finding(Kind.STALE_UPLOAD, f"{IMPORT_TEMP_DIR}/{entry.name}",
                                       "part of an upload that never finished"))


def is_recent(path: Path, stale_after) -> bool:
    """Touched within `stale_after` seconds (or gone meanwhile): possibly a running import's."""
    try:
        return time.time() - path.lstat().st_mtime < stale_after
    except FileNotFoundError:
        return True


def check_moves(report: CheckReport, stale_after=DEFAULT_STALE_AFTER_SECONDS):
    """Journal entries of moves (trash, restore, date fix) that never finished: the file is at
    the journal's source or its target, and the row may not say so yet."""
    cutoff = timezone.now() - timedelta(seconds=stale_after)
    for move in FileMove.objects.filter(created_at__lte=cutoff).order_by("id"):
        detail = f"{move.get_reason_display()}: to {move.target}"
        report.add(Finding(Kind.INTERRUPTED_MOVE, move.source, detail, move.photo_id, move.pk))


def check_other_apps(report: CheckReport, stale_after=DEFAULT_STALE_AFTER_SECONDS):
    """Files other apps keep in or beside the library (the thumbnails app's cache): each app
    answers `library_checked` with its own findings, so the library never looks inside them."""
    library_checked.send(sender=CheckReport, report=report, stale_after=stale_after)
