"""Copying a library's originals from its folder to an S3-compatible object store (`manage.py
movelibrary`, which copies the renditions too, through thumbnails.rendition_move): every original
with its XMP sidecar, under the same names, so that the rows hold as they are once the site is
switched to the store.

Each original's bytes are hashed as they go up and checked against its row's SHA-256: an object
whose bytes differ is removed again and reported (a file damaged on disk is not carried over).
Writes never overwrite (photosite.object_storage), so a second run passes by what the first one
copied (an object of the same size under a name that holds its hash) and goes on: safe to stop
and run again. The folder is left as it was: the switch is the operator's, once it succeeds."""
import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.utils.module_loading import import_string

from library.models import Photo
from library.originals import local_path, store_errors
from library.paths import sidecar_path
from photosite.storage_url import object_storage_entry

logger = logging.getLogger("photosite.library")



@dataclass
class MoveCount:
    copied: int = 0
    already_there: int = 0
    problems: list[str] = field(default_factory=list)


class HashingFile(File):
    """A file whose bytes are hashed as the store's client reads them (once, from the start)."""

    def __init__(self, file):
        super().__init__(file)
        self.digest = hashlib.sha256()

    def seek(self, offset, whence=os.SEEK_SET):
        if offset == 0 and whence == os.SEEK_SET:
            self.digest = hashlib.sha256()
        return self.file.seek(offset, whence)

    def read(self, size=-1):
        data = self.file.read(size)
        self.digest.update(data)
        return data


def target_storage(url: str, endpoint_url: str, folder: str):
    entry = object_storage_entry(url, endpoint_url, folder)
    return import_string(entry["BACKEND"])(**entry["OPTIONS"])


def move_originals(url: str, endpoint_url: str, count: MoveCount, on_file: Callable[[], None]):
    """Copies every photo's original (and sidecar) to the store `url` names."""
    originals = target_storage(url, endpoint_url, "")
    for photo in Photo.objects.order_by("pk").iterator(chunk_size=500):
        copy_original(photo, originals, count)
        on_file()


def copy_original(photo: Photo, target, count: MoveCount):
    path = local_path(photo.path)
    if path is None or not path.is_file():
        count.problems.append(f"photo {photo.pk}: its file {photo.path} is missing; not copied")
        return
    copied = copy_file(path, photo.path, target, count)
    if copied is not None and copied != photo.sha256:
        with store_errors(photo.path):
            target.delete(photo.path)
        count.copied -= 1
        count.problems.append(f"photo {photo.pk}: {photo.path} does not hold the bytes its row records "
                              "(checklibrary tells more); not copied")
        return
    sidecar = local_path(sidecar_path(photo.path))
    if sidecar.is_file():
        copy_file(sidecar, sidecar_path(photo.path), target, count)


def copy_file(path: Path, name: str, target, count: MoveCount) -> str | None:
    """Puts the file as `name` unless it is there already; the SHA-256 of what went up, or None."""
    with store_errors(name), open(path, "rb") as source:
        content = HashingFile(source)
        try:
            target.put_if_absent(name, content)
        except FileExistsError:
            if target.size(name) != os.fstat(source.fileno()).st_size:
                count.problems.append(f"{name}: the store holds other bytes under this name; not copied")
            else:
                count.already_there += 1
            return None
    count.copied += 1
    logger.info("Copied %s to the object store", name)
    return content.digest.hexdigest()
