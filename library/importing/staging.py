"""Landing a file in `<library>/.import_temp/`, hashing its bytes on the way in.

Every entry point (web upload, CLI copy) writes through a StagingWriter, so each byte is read
once: the SHA-256 and the size are known the moment the last chunk is written, and the data
is fsynced before anything may claim it."""
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings

from library.paths import import_temp_dir

from .errors import EmptyFileError, FileTooLargeError

COPY_CHUNK_BYTES = 1024 * 1024
PARTIAL_SUFFIX = ".part"


@dataclass(frozen=True)
class StagedFile:
    """A complete, fsynced file in .import_temp with its hash, ready for the pipeline."""

    temp_path: Path
    original_name: str
    size: int
    sha256: str
    source_mtime: datetime | None = None


class StagingWriter:
    """Writes one incoming file into .import_temp, hashing and counting as it goes.

    The temp name is ours (random, `.part`), never derived from the user's file name.
    `abort()` removes the partial file, so a cut-off upload leaves nothing behind."""

    def __init__(self, original_name, max_bytes=None):
        self.original_name = original_name
        self.max_bytes = settings.PHOTOSITE_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
        self.hasher = hashlib.sha256()
        self.size = 0
        descriptor, name = tempfile.mkstemp(dir=import_temp_dir(), suffix=PARTIAL_SUFFIX)
        self.temp_path = Path(name)
        self.file = os.fdopen(descriptor, "wb", buffering=0)

    def write(self, chunk):
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise FileTooLargeError(f"file is larger than the limit of {self.max_bytes:,} bytes")
        self.hasher.update(chunk)
        self.file.write(chunk)

    def finish(self, source_mtime=None) -> StagedFile:
        try:
            if self.size == 0:
                raise EmptyFileError("file is empty (0 bytes)")
            os.fsync(self.file.fileno())
        except BaseException:
            self.abort()
            raise
        self.file.close()
        return StagedFile(self.temp_path, self.original_name, self.size, self.hasher.hexdigest(), source_mtime)

    def abort(self):
        self.file.close()
        self.temp_path.unlink(missing_ok=True)


def stage_copy(source: Path, original_name=None) -> StagedFile:
    """Copy a file from disk into .import_temp, hashing while copying (one read of the source)."""
    writer = StagingWriter(original_name or source.name)
    try:
        with open(source, "rb", buffering=0) as source_file:
            buffer = bytearray(COPY_CHUNK_BYTES)
            view = memoryview(buffer)
            while count := source_file.readinto(buffer):
                writer.write(view[:count])
            mtime = datetime.fromtimestamp(os.fstat(source_file.fileno()).st_mtime).astimezone()
    except BaseException:
        writer.abort()
        raise
    return writer.finish(source_mtime=mtime)
