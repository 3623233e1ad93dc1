"""Comparing the library folder with the database: the checks behind `manage.py checklibrary`.

Each check only looks and returns findings; repairing is `library_repair`'s job. By default a
file is checked by its size (one `stat`, fast on a big library); `verify_hashes` re-reads every
byte and compares it with the SHA-256 recorded at import, which is how bit rot shows."""
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.db.models import Sum
from django.utils import timezone

from library.importing.staging import PARTIAL_SUFFIX, RESUMABLE_SUFFIX, STAGED_SUFFIX
from library.models import FileMove, Photo
from library.paths import IMPORT_TEMP_DIR, library_root, sidecar_path
from library.signals import library_checked

READ_CHUNK_BYTES = 1024 * 1024
# A file written more recently than this may belong to an import that is still running.
DEFAULT_STALE_AFTER_SECONDS = 15 * 60
# A resumable upload waits this long for its next piece (library.services.resumable_uploads).
RESUMABLE_UPLOAD_STALE_SECONDS = 24 * 60 * 60


class Kind:
    """What a finding is about; also the heading the command lists it under. Other apps' findings
    (`check_other_apps`) bring their own kinds."""

    UNTRACKED = "files without a database row"
    MISSING = "rows whose file is missing"
    SIZE_MISMATCH = "files whose size differs from their row"
    HASH_MISMATCH = "files whose content no longer matches their hash (bit rot)"
    PARTIAL = "partial files left in .import_temp"
    STAGED = "complete files left in .import_temp"
    STRAY_TEMP = "unknown files in .import_temp"
    STALE_UPLOAD = "resumable uploads untouched for a day"
    INTERRUPTED_MOVE = "moves of originals cut off by a crash"


@dataclass
class Finding:
    kind: str
    path: str
    detail: str = ""
    photo_id: int | None = None
    move_id: int | None = None
    repaired: bool = False
    repair_note: str = ""
    # How another app's finding is repaired (returns the note); the library's own kinds are
    # library_repair's.
    repair: Callable[[], str] | None = None


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    files_seen: int = 0
    rows_seen: int = 0
    busy_files: int = 0
    files_hashed: int = 0
    bytes_hashed: int = 0
    files_seconds: float = 0.0  # the walk of rows and files, hashing included

    def unrepaired(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.repaired]

    def by_kind(self) -> dict[str, list[Finding]]:
        grouped = {}
        for finding in self.findings:
            grouped.setdefault(finding.kind, []).append(finding)
        return grouped


def library_files(root: Path | None = None) -> Iterator[str]:
    """Relative paths of the library's files. Hidden entries (`.import_temp`, `.thumbnails`,
    `.trash`, `.logs`, `.photosite`, dot-files) are the site's own, not photos."""
    root = root or library_root()
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(current, name).relative_to(root).as_posix()


def check_files(report: CheckReport, verify_hashes=False, on_bytes: Callable[[int], None] | None = None,
                stale_after=DEFAULT_STALE_AFTER_SECONDS):
    """Rows against files: missing files, wrong sizes, (optionally) changed content, and files
    that no row claims. A trashed photo's row points into `.trash/`, so it is checked there."""
    started = time.monotonic()
    root = library_root()
    on_disk = set(library_files(root))
    report.files_seen = len(on_disk)
    # Both ends of a journalled move belong to that move (finished or undone by its own repair).
    moving = set(FileMove.objects.values_list("source", flat=True)) | set(FileMove.objects.values_list("target", flat=True))
    on_disk -= moving | {sidecar_path(relative) for relative in moving}
    rows = Photo.objects.values_list("pk", "path", "size", "sha256")
    for pk, relative, size, sha256 in rows.iterator(chunk_size=2000):
        report.rows_seen += 1
        on_disk.discard(relative)
        on_disk.discard(sidecar_path(relative))  # the XMP sidecar kept beside it (library.importing.sidecar_matching)
        if relative in moving:
            continue
        finding = check_row_file(root / relative, size, sha256, verify_hashes, on_bytes)
        if verify_hashes and (finding is None or finding.kind == Kind.HASH_MISMATCH):
            report.files_hashed += 1
            report.bytes_hashed += size
        if finding is not None:
            finding.path, finding.photo_id = relative, pk
            report.findings.append(finding)
    for relative in sorted(on_disk):
        if is_recent(root / relative, stale_after):
            report.busy_files += 1  # perhaps placed by a running import a moment before its row
        else:
            report.findings.append(Finding(Kind.UNTRACKED, relative))
    report.files_seconds = time.monotonic() - started


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
            report.findings.append(Finding(Kind.PARTIAL, relative, "cut off while it was being received"))
        elif entry.suffix == STAGED_SUFFIX:
            report.findings.append(Finding(Kind.STAGED, relative, "fully received, never imported"))
        else:
            report.findings.append(Finding(Kind.STRAY_TEMP, relative, "not written by Photosite; left alone"))


def check_resumable_upload(report: CheckReport, entry: Path):
    """A resumable upload's bytes so far wait a day for the next piece; older ones are stale."""
    if is_recent(entry, RESUMABLE_UPLOAD_STALE_SECONDS):
        report.busy_files += 1
    else:
        report.findings.append(Finding(Kind.STALE_UPLOAD, f"{IMPORT_TEMP_DIR}/{entry.name}",
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
        report.findings.append(Finding(Kind.INTERRUPTED_MOVE, move.source, detail, move.photo_id, move.pk))


def check_other_apps(report: CheckReport, stale_after=DEFAULT_STALE_AFTER_SECONDS):
    """Files other apps keep in or beside the library (the thumbnails app's cache): each app
    answers `library_checked` with its own findings, so the library never looks inside them."""
    library_checked.send(sender=CheckReport, report=report, stale_after=stale_after)
