"""Where a file goes in the library, and moving it there without ever overwriting anything.

The name is library.paths.photo_name's. The move is a hard link to the final name
(which fails, atomically, if the name exists) followed by removing the temp name: a rename
that cannot overwrite. Django's file_move_safe is not that, so it is not used."""
import ctypes
import errno
import functools
import os
from datetime import date
from pathlib import Path

from library.paths import NAME_HASH_CHARS, library_root, photo_name

MAX_NAME_ATTEMPTS = 100


def candidate_paths(taken_on: date, sha256: str, extension: str):
    """The names the rule gives a file, in order of preference: the plain one, then `_1`, `_2`, …"""
    for attempt in range(MAX_NAME_ATTEMPTS):
        yield photo_name(taken_on, sha256, extension, attempt)


def claim_path(temp_path: Path, taken_on: date, sha256: str, extension: str, sync_folder=True) -> str:
    """Move the temp file to its place; returns the relative path it got. A name already taken
    (by another file, or by a concurrent import of these same bytes) gets a numbered variant:
    the database decides afterwards which copy is kept. With `sync_folder=False` the caller
    hands the new name to the disk itself (`sync_folders`), once for a whole group of files."""
    root = library_root()
    for relative in candidate_paths(taken_on, sha256, extension):
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if move_without_overwrite(temp_path, target):
            if sync_folder:
                sync_folders([relative])
            return relative
    raise FileExistsError(f"no free name for {sha256[:NAME_HASH_CHARS]} after {MAX_NAME_ATTEMPTS} attempts")


def move_without_overwrite(source: Path, target: Path) -> bool:
    """True when `source` now lives at `target`; False (and nothing changed) if the name was taken."""
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        return exclusive_rename(source, target)
    source.unlink()
    return True


def exclusive_rename(source: Path, target: Path) -> bool:
    """For filesystems without hard links (some NAS shares): reserve the name with O_EXCL,
    then rename over our own reservation."""
    try:
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        return False
    os.replace(source, target)
    return True


def release_path(relative: str):
    """Undo a claim whose database row could not be written: the file must not stay unclaimed."""
    (library_root() / relative).unlink(missing_ok=True)


def sync_folders(relative_paths):
    """Makes the names just claimed durable: each day folder once, then the library folder (which
    holds the day folders, perhaps just made); for several folders, one syncfs instead (an fsync
    per day folder was a large part of a group's time: bench/bench_import.py)."""
    root = library_root()
    folders = {(root / relative).parent for relative in relative_paths}
    if len(folders) > 1 and sync_filesystem(root):
        return
    for folder in sorted(folders):
        fsync_path(folder)
    fsync_path(root)


def fsync_path(path: Path):
    """Hand a file's data, or a directory's entries (a name just linked or removed), to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sync_filesystem(path: Path) -> bool:
    """Hands every dirty page of the filesystem holding `path` to the disk, with one journal
    commit (Linux's syncfs); False where there is no syncfs (then fsync each file). For a group
    of files just written this is far cheaper than an fsync each: on ext4 every fsync of a file
    whose blocks were allocated since the last commit is a commit of its own, and each commit
    waits for all the data written meanwhile (bench/bench_import.py; docs/measured-choices.md)."""
    syncfs = _libc_syncfs()
    if syncfs is None:
        return False
    descriptor = os.open(path, os.O_RDONLY)
    try:
        if syncfs(descriptor) != 0:
            number = ctypes.get_errno()
            raise OSError(number, os.strerror(number), str(path))
    finally:
        os.close(descriptor)
    return True


@functools.cache
def _libc_syncfs():
    try:
        return getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)
    except OSError:
        return None
