"""Landing a file in `<library>/.import_temp/`, hashing its bytes on the way in.

Every entry point (web upload, CLI copy) writes through a StagingWriter, so each byte is read
once: the SHA-256 and the size are known the moment the last chunk is written (a CLI copy is
made by the kernel and hashed from the copy's pages), and the data is fsynced before anything
may claim it. `--move` links the source in instead (`stage_link`), where it can. The writer also keeps PHOTOSITE_MIN_FREE_BYTES free on
the library's filesystem (for the database and logs): a file that would eat into it fails alone."""
import errno
import functools
import hashlib
import json
import logging
import mmap
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from django.conf import settings

from library.curation.placement import fsync_path, sync_filesystem
from library.media.errors import EmptyFileError, FileChangedError, FileTooLargeError, NotEnoughSpaceError
from library.originals import kept_on_this_machine
from library.paths import import_temp_dir

logger = logging.getLogger("photosite.import")

COPY_CHUNK_BYTES = 1024 * 1024
# Written data is handed to the disk every WRITEBACK_BYTES instead of all at the final fsync,
# so the disk writes overlap the copying and hashing (bench/bench_import.py measures it).
WRITEBACK_BYTES = 1024 * 1024
# A file still being written ends in `.part`; once complete and fsynced it is renamed to
# `.staged` (a web upload's too, before it is placed: `keep_all_received`). After a crash,
# `checklibrary --repair` imports the `.staged` ones (their bytes are whole) and removes the
# `.part` ones (cut off mid-write, or a copy whose source is still on its card).
PARTIAL_SUFFIX = ".part"
# A resumable upload's bytes so far (library/services/resumable_uploads.py): kept between its
# pieces, for up to a day, so neither `--repair` nor a crash takes them as a cut-off `.part`.
RESUMABLE_SUFFIX = ".upload"
# The free space is looked at (one statvfs) before each stretch of this many bytes is written:
# a file whose size is not known ahead (a web upload) stops within one stretch of the reserve.
SPACE_CHECK_BYTES = 16 * 1024 * 1024
STAGED_SUFFIX = ".staged"
# The stretch the kernel copies, then the process maps and hashes, at a time (a 20 GB video is never
# mapped whole).
COPY_RANGE_BYTES = 64 * 1024 * 1024
# What copy_file_range answers where the kernel cannot copy between these two files.
KERNEL_COPY_UNAVAILABLE = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM, errno.EBADF}
MAP_POPULATE = getattr(mmap, "MAP_POPULATE", 0)  # the copy's pages mapped at once, not one fault each
# A received file's origin (its name, the import session it came in, the browser's file time),
# kept with its bytes in an extended attribute, made durable with them: a file recovered after a
# crash is imported as what it was, into the session it was sent in (`origin_of`).
ORIGIN_ATTRIBUTE = "user.photosite.origin"


@dataclass(frozen=True)
class StagedFile:
    """A complete file in .import_temp with its hash, ready for the pipeline. Its data is
    fsynced already unless `durable` is False; then `make_durable()` does it before the
    pipeline lets anything claim the bytes."""

    temp_path: Path
    original_name: str
    size: int
    sha256: str
    source_mtime: datetime | None = None
    durable: bool = True


class StagingWriter:
    """Writes one incoming file into .import_temp, hashing and counting as it goes.

    The temp name is ours (random, `.part`), never derived from the user's file name.
    `abort()` removes the partial file, so a cut-off upload leaves nothing behind.
    `expected_size` (when the caller knows it) lets a file that cannot fit fail before a byte is written.

    A resumable upload arrives in pieces, perhaps in different processes: `pause()` closes the file
    between them and hands back the hash state, and `reopen()` goes on writing where the file ends,
    from that state (hashing first any bytes written since by another process) or, without it (a
    restarted server, another process), by hashing the bytes already there once."""

    def __init__(self, original_name, max_bytes=None, expected_size=None, suffix=PARTIAL_SUFFIX, *, resume=None,
                 write_back=True):
        self.original_name = original_name
        self.write_back = write_back
        self.max_bytes = settings.PHOTOSITE_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
        self.expected_size = expected_size
        self.hasher = hashlib.sha256()
        self.size = 0
        self.written_back = 0
        self.next_space_check = 0
        if resume is None:
            ensure_free_space(expected_size or 0)
            descriptor, name = tempfile.mkstemp(dir=import_temp_dir(), suffix=suffix)
            self.temp_path = Path(name)
            self.file = os.fdopen(descriptor, "wb", buffering=0)
        else:
            self.temp_path = Path(resume)
            self.file = open(self.temp_path, "r+b", buffering=0)  # noqa: SIM115 - closed by pause/finish/abort
            self.size = self.written_back = self.next_space_check = os.fstat(self.file.fileno()).st_size

    @classmethod
    def reopen(cls, path: Path, original_name, expected_size, hasher=None, size=None) -> "StagingWriter":
        """Go on writing a paused file. `hasher` is the state `pause()` returned at `size` bytes. A
        state behind the file (another process wrote pieces since) takes in only the bytes after
        `size`: a paused file only ever grows at its end, so the bytes before are the ones hashed.
        Without a state (or one ahead of the file) the bytes on disk are hashed from the start."""
        writer = cls(original_name, expected_size=expected_size, resume=path)
        try:
            if hasher is None or size is None or size > writer.size:
                hasher, size = hashlib.sha256(), 0
            hash_file(writer.file, hasher, start=size)
            writer.file.seek(writer.size)
        except BaseException:
            writer.file.close()
            raise
        writer.hasher = hasher
        return writer

    def pause(self):
        """Close the file, keeping its bytes, between two pieces; returns the hash state to resume with."""
        self.file.close()
        return self.hasher

    def write(self, chunk):
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise FileTooLargeError(f"file is larger than the limit of {self.max_bytes:,} bytes")
        start = self.size - len(chunk)
        if start >= self.next_space_check:
            ensure_free_space(max(len(chunk), self._next_stretch(start)))
            self.next_space_check = start + SPACE_CHECK_BYTES
        self.hasher.update(chunk)
        # An unbuffered write may write only part of the chunk (a disk filling up does that
        # without an error); the rest is written again, which raises if there is no room.
        remaining = memoryview(chunk)
        while remaining:
            remaining = remaining[self.file.write(remaining):]
        if self.write_back and self.size - self.written_back >= WRITEBACK_BYTES:
            start_writeback(self.file.fileno(), self.written_back, self.size - self.written_back)
            self.written_back = self.size

    def copy_in_kernel(self, source_file) -> bool:
        """The whole of `source_file` copied by the kernel (copy_file_range: no trip through this
        process's memory), each stretch hashed from the copy's pages mapped in place, so the hash
        is of the very bytes stored. That is one copy of the data where reading and writing it
        makes two (about half the CPU time, as little as `cp` and OpenSSL's SHA-256 of the same
        files: docs/measured-choices.md). Each stretch's writeback is started at once (unless the
        writer was made with `write_back=False`), so the group's syncfs finds most of it on the disk. False, with nothing written, where the kernel cannot
        (another filesystem type, an old kernel): then the caller writes it."""
        if self.size or not hasattr(os, "copy_file_range"):
            return False
        source, target = source_file.fileno(), self.file.fileno()
        while True:
            try:
                count = os.copy_file_range(source, target, COPY_RANGE_BYTES)
            except OSError as error:
                if self.size == 0 and error.errno in KERNEL_COPY_UNAVAILABLE:
                    return False
                raise
            if count == 0:
                return True
            if self.size + count > self.max_bytes:
                raise FileTooLargeError(f"file is larger than the limit of {self.max_bytes:,} bytes")
            self.hash_copied(target, self.size, count)
            if self.write_back:
                start_writeback(target, self.size, count)
            self.size += count

    def hash_copied(self, descriptor, offset, length):
        """Hashes bytes the kernel just wrote, through a mapping of their pages (no copy). Only
        our own temp file is mapped: a file someone else could truncate meanwhile would crash the
        process with SIGBUS."""
        skip = offset % mmap.ALLOCATIONGRANULARITY  # a mapping starts on a page boundary
        with mmap.mmap(descriptor, skip + length, offset=offset - skip, flags=mmap.MAP_SHARED | MAP_POPULATE,
                       prot=mmap.PROT_READ) as pages:
            whole = memoryview(pages)
            try:
                stretch = whole[skip:]
                try:
                    self.hasher.update(stretch)
                finally:
                    stretch.release()
            finally:
                whole.release()

    def _next_stretch(self, start):
        if self.expected_size is None:
            return SPACE_CHECK_BYTES
        return min(SPACE_CHECK_BYTES, self.expected_size - start)

    def finish(self, source_mtime=None, durable=True) -> StagedFile:
        """With `durable=False` the data is not fsynced yet and the file keeps its `.part` name,
        so a crash leaves a file that `checklibrary --repair` removes rather than imports."""
        try:
            if self.size == 0:
                raise EmptyFileError("file is empty (0 bytes)")
            if durable:
                os.fsync(self.file.fileno())
            self.file.close()
            if durable:
                self.temp_path = rename_whole(self.temp_path)
        except BaseException:
            self.abort()
            raise
        return StagedFile(self.temp_path, self.original_name, self.size, self.hasher.hexdigest(), source_mtime,
                          durable)

    def abort(self):
        self.file.close()
        self.temp_path.unlink(missing_ok=True)


def stage_copy(source: Path, original_name=None, durable=True) -> StagedFile:
    """Copy a file from disk into .import_temp and hash the copy (one read of the source).

    The command-line import passes `durable=False`: its source stays on disk, and the copy of
    a duplicate is thrown away, so waiting for it to reach the disk would be wasted time; the
    pipeline makes a new file's copy durable (`make_all_durable`) before claiming it. A copy that
    is never made durable (a library on an object store uploads it and removes it) is not handed
    to the disk early either: its pages are read once more by the upload, and writing them out
    would only compete with the store's own writes."""
    with open(source, "rb", buffering=0) as source_file:
        status = os.fstat(source_file.fileno())
        writer = StagingWriter(original_name or source.name, expected_size=status.st_size,
                               write_back=durable or kept_on_this_machine())
        try:
            if not writer.copy_in_kernel(source_file):
                buffer = bytearray(COPY_CHUNK_BYTES)
                view = memoryview(buffer)
                while count := source_file.readinto(buffer):
                    writer.write(view[:count])
        except BaseException:
            writer.abort()
            raise
    mtime = datetime.fromtimestamp(status.st_mtime).astimezone()
    return writer.finish(source_mtime=mtime, durable=durable)


def hash_file(file, hasher, start):
    """`hasher` (the state of an open file's bytes before `start`) taking in the rest of the file."""
    file.seek(start)
    buffer = bytearray(COPY_CHUNK_BYTES)
    view = memoryview(buffer)
    while count := file.readinto(buffer):
        hasher.update(view[:count])
    return hasher


def stage_link(source: Path, original_name=None) -> StagedFile | None:
    """For `--move`: a hard link to the source in .import_temp instead of a copy, so the bytes
    are read once (for the hash) and never written again. None when a link would not do and the
    caller should copy: another filesystem, links not allowed there, a symbolic link, or a file
    with other names (the library's original would share its bytes with a path someone can
    still write to). The source keeps its name until the import is done; a crash leaves a
    `.part` link that `checklibrary --repair` removes, the source untouched."""
    try:
        before = os.lstat(source)
    except OSError:
        return None  # stage_copy reports why it cannot be read
    temp_dir = import_temp_dir()
    if not stat.S_ISREG(before.st_mode) or before.st_nlink != 1 or before.st_dev != os.stat(temp_dir).st_dev:
        return None
    temp_path = temp_dir / f"{secrets.token_hex(16)}{PARTIAL_SUFFIX}"
    try:
        os.link(source, temp_path, follow_symlinks=False)
    except OSError:
        return None  # EPERM (protected hard links, a file someone else owns), EXDEV, EMLINK, …
    try:
        return hash_linked(temp_path, before, original_name or source.name)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise


def hash_linked(temp_path: Path, before: os.stat_result, original_name) -> StagedFile:
    with open(temp_path, "rb", buffering=0) as linked:
        digest = hashlib.file_digest(linked, "sha256").hexdigest()
        after = os.fstat(linked.fileno())
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise FileChangedError("the file changed while it was being imported; import it again once it is complete")
    if after.st_size == 0:
        raise EmptyFileError("file is empty (0 bytes)")
    mtime = datetime.fromtimestamp(before.st_mtime).astimezone()
    return StagedFile(temp_path, original_name, after.st_size, digest, mtime, durable=False)


def ensure_free_space(needed):
    """Raises NotEnoughSpaceError unless `needed` more bytes leave the library's filesystem its reserve."""
    reserve = settings.PHOTOSITE_MIN_FREE_BYTES
    if reserve <= 0:
        return
    disk = os.statvfs(import_temp_dir())
    if disk.f_bavail * disk.f_frsize - needed < reserve:
        raise NotEnoughSpaceError(f"not enough free space: the library keeps PHOTOSITE_MIN_FREE_BYTES "
                                  f"({readable_size(reserve)}) free for its database and logs")


def readable_size(size):
    return f"{size / 1024**3:.1f} GB" if size >= 1024**3 else f"{size / 1024**2:.0f} MB"


def start_writeback(descriptor, offset, length):
    """Asks the kernel to start writing this range to disk now, without waiting. On Linux,
    POSIX_FADV_DONTNEED starts writeback of dirty pages (which stay cached while being written)."""
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(descriptor, offset, length, os.POSIX_FADV_DONTNEED)


def make_durable(staged: StagedFile):
    """fsyncs the data of a file staged with `durable=False`; the pipeline calls this before
    anything may claim the bytes, since a row must never point at data a crash can lose."""
    if not staged.durable:
        fsync_path(staged.temp_path)


def rename_whole(path: Path) -> Path:
    """The `.staged` name of a file whose data is on the disk: from then on a crash leaves it for
    `checklibrary --repair` to import, where a `.part` would be removed."""
    staged_path = path.with_suffix(STAGED_SUFFIX)
    os.rename(path, staged_path)
    return staged_path


@dataclass(frozen=True)
class Origin:
    """Where a received file came from, as `checklibrary --repair` needs it after a crash (no
    session: one whose origin was not kept, named after its temp file)."""

    original_name: str
    session_id: int | None
    source_mtime: datetime | None = None


def remember_origin(path: Path, origin: Origin):
    """Keeps `origin` with the file at `path`, before the file is made durable (its fsync or
    syncfs carries the attribute too). A file system without user attributes (some network
    shares) keeps the bytes alone: the repair then names the file after its temp name."""
    value = {"name": origin.original_name, "session": origin.session_id,
             "mtime": origin.source_mtime.isoformat() if origin.source_mtime else None}
    try:
        os.setxattr(path, ORIGIN_ATTRIBUTE, json.dumps(value).encode())
    except OSError as error:
        origins_not_kept(error.strerror)


@functools.cache
def origins_not_kept(reason: str):
    """Said once per process and reason: a library on a file system without user attributes
    refuses every file's, and a warning per upload would bury the log."""
    logger.warning("Received files are kept without their origin (%s): after a crash, checklibrary --repair "
                   "names them after their temp files", reason)


def origin_of(path: Path) -> Origin | None:
    """The origin kept with a received file, or None where none was kept (or it is unreadable)."""
    try:
        value = json.loads(os.getxattr(path, ORIGIN_ATTRIBUTE))
        mtime = datetime.fromisoformat(value["mtime"]) if value["mtime"] else None
        return Origin(str(value["name"]), int(value["session"]), mtime)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def keep_all_received(staged_files: list[StagedFile], origins: list[Origin]) -> list[StagedFile]:
    """Files that are the only copy of their bytes (a web upload's: the sender may be gone by the
    time anything fails) made durable in one syncfs and given their `.staged` name before they are
    placed, so a process killed while placing them (a PUT to the object store takes seconds) leaves
    them for the repair to import, each with its `origin`; the command line's copies keep `.part`,
    their sources stay."""
    for staged, origin in zip(staged_files, origins, strict=True):
        remember_origin(staged.temp_path, origin)
    make_all_durable(staged_files)
    return [with_staged_name(replace(staged, durable=True)) for staged in staged_files]


def with_staged_name(staged: StagedFile) -> StagedFile:
    """A durable file under its `.staged` name; one the disk will not rename is still placed."""
    try:
        return replace(staged, temp_path=rename_whole(staged.temp_path))
    except OSError as error:  # placed under its `.part` name still, as before: only a crash would lose it
        logger.error("Could not give %s its staged name: %s", staged.temp_path.name, error)
        return staged


def make_all_durable(staged_files: list[StagedFile]):
    """`make_durable` for a group: one syncfs for all of them where the system has it. Nothing
    for a library on an object store: a staged file is uploaded and then removed, never
    claimed in place, and what makes its bytes durable is the store's acknowledgement, which
    the row waits for (library.originals.upload_without_overwrite)."""
    if not kept_on_this_machine():
        return
    waiting = [staged for staged in staged_files if not staged.durable]
    if len(waiting) > 1 and sync_filesystem(import_temp_dir()):
        return
    for staged in waiting:
        fsync_path(staged.temp_path)
