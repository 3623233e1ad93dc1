"""Where the originals are kept: `STORAGES["originals"]`, the library folder itself by default
(`LibraryFolderStorage`), or a prefix of an S3-compatible bucket with `PHOTOSITE_STORAGE_URL`
(photosite.object_storage.NoOverwriteS3Storage). A Photo's `path` is its name in that storage.

Code that reads an original never asks which class it is (Wagtail's `is_stored_locally` idea,
as thumbnails.storage does it): a storage that keeps its files on this machine has
`local_path`, and readers open the file in place; otherwise `local_copy` fetches the object into
a temporary file for the generators (Pillow, rawpy and ffmpeg want a file they can seek in),
which costs one download per rendition made, and the originals view hands browsers a
presigned link to the store instead of passing the bytes through. What reads an original from
start to end (a ZIP download) streams it with `opened`."""
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages

from library.paths import library_root

if TYPE_CHECKING:  # the store's backend loads boto3, which a command on a folder library never needs
    from photosite.object_storage import StoredObject, UnfinishedUpload

COPY_CHUNK_BYTES = 1024 * 1024


class ObjectStoreError(OSError):
    """The object store could not be reached, or refused a request (its words in the message)."""


class LibraryFolderStorage(FileSystemStorage):
    """The library folder, followed on each call (a test, or `movelibrary`, points it elsewhere)."""

    @property
    def base_location(self):
        return str(library_root())

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def local_path(self, name: str) -> str:
        """Where the original is on this machine: readers may open it directly."""
        return self.path(name)


def originals_storage():
    return storages["originals"]


def kept_on_this_machine() -> bool:
    """Whether the originals are files on this machine (a folder) rather than objects in a store."""
    return local_path("") is not None


def local_path(name: str) -> Path | None:
    """The original's path on this machine, or None when the storage keeps it elsewhere."""
    ask = getattr(originals_storage(), "local_path", None)
    return Path(ask(name)) if ask is not None else None


@contextmanager
def local_copy(name: str) -> Iterator[Path]:
    """A file a decoder can open and seek in: the original itself on this machine, or a temporary
    copy of its object (FileNotFoundError when the store has none), removed afterwards."""
    path = local_path(name)
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="photosite-original-") as folder:
        copy = Path(folder) / name.rsplit("/", 1)[-1]
        with store_errors(name), originals_storage().open(name, "rb") as source, open(copy, "wb") as target:
            shutil.copyfileobj(source, target, COPY_CHUNK_BYTES)
        yield copy


def size(name: str) -> int:
    """The original's length in bytes (FileNotFoundError when it is not there)."""
    path = local_path(name)
    if path is not None:
        return path.stat().st_size
    with store_errors(name):
        try:
            return originals_storage().size(name)
        except object_store_errors() as error:
            if getattr(error, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise FileNotFoundError(f"no object {name}") from error
            raise


@contextmanager
def opened(name: str) -> Iterator[BinaryIO]:
    """The original, open to be read in order from its start: the file itself, or the object
    streamed by one GET as it is read (never fetched whole first, so a reader holds one chunk of
    a video at a time). FileNotFoundError when it is not there; the store's failures, even half
    way, are ObjectStoreError."""
    path = local_path(name)
    if path is not None:
        with open(path, "rb") as file:
            yield file
        return
    with store_errors(name):
        reader = originals_storage().reader(name)
        try:
            reader.seek(0)
            yield reader
        finally:
            reader.close()


def upload_without_overwrite(source: Path, name: str) -> bool:
    """Puts the file at `source` into the store as `name`, never replacing an object; True once the
    store has acknowledged it. An object already there of the same size is these same bytes (the
    name holds their hash: a crashed import's, or a concurrent one's), so it counts as placed,
    and False means the name is taken by other bytes."""
    storage = originals_storage()
    with store_errors(name), open(source, "rb") as content:
        try:
            storage.put_if_absent(name, File(content))
        except FileExistsError:
            return storage.size(name) == os.fstat(content.fileno()).st_size
    return True


def move_object(source: str, target: str) -> bool:
    """Copies the object `source` to `target` (never overwriting), then deletes `source`; False
    (and nothing changed) when `target` is taken. The caller's FileMove row says which two names
    to look at should this stop half way: the bytes are then at one of them, or both."""
    storage = originals_storage()
    with store_errors(source), storage.open(source, "rb") as content:
        try:
            storage.put_if_absent(target, content)
        except FileExistsError:
            return False
    delete(source)
    return True


def replace_object(name: str, data: bytes):
    """A small object (a sidecar) written anew: the newest one brought replaces an older one. Not
    atomic, unlike the disk's rename: a reader in between finds none, as before the first."""
    storage = originals_storage()
    with store_errors(name), suppress(FileExistsError):  # then a concurrent writer's, as new as this one
        storage.delete(name)
        storage.put_if_absent(name, ContentFile(data))


def same_original(first: str, second: str) -> bool:
    """Whether two names hold one original: one file under two links on a disk (a move cut off
    between its link and its unlink), or two objects of one size in the store (a move cut off
    between its copy and its delete; both names hold the bytes' hash, as in
    `upload_without_overwrite`)."""
    first_path, second_path = local_path(first), local_path(second)
    if first_path is not None:
        return os.path.samefile(first_path, second_path)
    with store_errors(first):
        return originals_storage().size(first) == originals_storage().size(second)


def sha256_of(name: str, on_bytes: Callable[[int], None] | None = None) -> str:
    """The SHA-256 of the original's bytes, read from its file or streamed from its object
    (FileNotFoundError when there is none)."""
    path = local_path(name)
    with store_errors(name), (open(path, "rb", buffering=0) if path else originals_storage().reader(name)) as source:
        hasher = hashlib.sha256()
        while chunk := source.read(COPY_CHUNK_BYTES):
            hasher.update(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
    return hasher.hexdigest()


def listed_objects(folder: str | None = None) -> Iterator["StoredObject"]:
    """The store's objects under the library's prefix (or directly in its `folder`), a page at a time."""
    with store_errors(folder or "the library's prefix"):
        yield from originals_storage().listed_objects(folder)


def unfinished_uploads() -> Iterator["UnfinishedUpload"]:
    with store_errors("the library's prefix"):
        yield from originals_storage().unfinished_uploads()


def abort_upload(upload: "UnfinishedUpload") -> str:
    with store_errors(upload.name):
        originals_storage().abort_upload(upload)
    return "aborted"


def delete(name: str):
    with store_errors(name):
        originals_storage().delete(name)


def exists(name: str) -> bool:
    with store_errors(name):
        return originals_storage().exists(name)


def object_store_errors() -> tuple[type[Exception], ...]:
    """What an object store's client raises: botocore's errors where botocore is loaded (it is
    where the originals are in a bucket), none otherwise, so that a library kept on its own disk
    never imports botocore for an `except` that cannot match."""
    loaded = sys.modules.get("botocore.exceptions")
    return (loaded.BotoCoreError, loaded.ClientError) if loaded else ()


@contextmanager
def store_errors(name: str):
    """The store's failures (unreachable, refused) as ObjectStoreError, an OSError like a disk's,
    so that the import records them per file and curation stops before touching its rows."""
    try:
        yield
    except object_store_errors() as error:
        raise ObjectStoreError(f"the object store failed on {name}: {error}") from error
