"""A ZIP of originals, for a selection or an album: what goes in it, under which names, and
how each file is read (as it is, or without its GPS position for a share link).

Each photo brings the other files of its moment (a Live Photo's motion, a RAW+JPEG pair's raw),
under the names they were imported with, made unique and safe to unpack anywhere. The archive
streams (photosite.zip_stream) and its exact length is known before the first byte.

Without its location (`keep_location=False`), a JPEG is cleaned in place
(library.media.location_stripping). Other formats (HEIC, raw, video, and JPEGs that carry a second
image or a video) cannot be cleaned safely here: they go in unchanged only when the import found
no GPS position in them, and are otherwise left out and listed in a `NOT INCLUDED.txt`.

Originals are read where the library keeps them (library.originals): from the folder, or streamed
from the object store a chunk at a time.

A file that vanishes from the library between the size being promised and its turn to be sent
cannot be replaced by anything of the same length: the stream ends there, with an error logged,
and the browser reports the download as failed rather than saving a broken archive as whole."""
import logging
import os
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from functools import partial

from django.utils import timezone

from library import originals
from library.media import location_stripping
from library.media.detection import JPEG
from library.models import Photo
from photosite.ranged_responses import CHUNK_BYTES
from photosite.zip_stream import ZipMember, ZipStream

logger = logging.getLogger("photosite.gallery")

NOTE_NAME = "NOT INCLUDED.txt"
# Characters no file system or unzip tool should meet in a name: path separators, controls, and
# what Windows refuses.
UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
MOST_NAME_CHARACTERS = 200


class PhotosNotFoundError(LookupError):
    """Some photos asked for do not exist, or are not for this user's eyes."""

    def __init__(self, count):
        super().__init__(f"{count} of the photos asked for {'was' if count == 1 else 'were'} not found")
        self.count = count


@dataclass(frozen=True)
class Source:
    """What goes in the archive for one file: its size, and its bytes a chunk at a time."""
    size: int
    chunks: Callable[[], Iterator[bytes]]


def visible_photos(photo_ids: list[int], user) -> list[Photo]:
    """The photos of `photo_ids` in the order asked; PhotosNotFoundError if any is missing or not
    visible to `user` (a request is answered whole or not at all)."""
    found = {photo.pk: photo for photo in Photo.objects.filter(pk__in=photo_ids) if photo.is_visible_to(user)}
    if len(found) < len(photo_ids):
        raise PhotosNotFoundError(len(photo_ids) - len(found))
    return [found[photo_id] for photo_id in photo_ids]


def with_moment_files(photos: list[Photo], user) -> list[Photo]:
    """Each photo followed by the files of its moment shown through it, each file once."""
    partners = {}
    for partner in Photo.objects.filter(shown_with_id__in=[photo.pk for photo in photos]).order_by("id"):
        if partner.is_visible_to(user):
            partners.setdefault(partner.shown_with_id, []).append(partner)
    files = {}
    for photo in photos:
        files.setdefault(photo.pk, photo)
        for partner in partners.get(photo.pk, []):
            files.setdefault(partner.pk, partner)
    return list(files.values())


def zip_of(files: list[Photo], keep_location: bool) -> ZipStream:
    """The archive of `files`' originals, with a note naming any left out."""
    names = UniqueNames()
    members, left_out = [], []
    for photo in files:
        try:
            source = original_source(photo) if keep_location else location_free(photo)
        except FileNotFoundError:
            logger.error("Original of photo %s is missing: %s", photo.pk, photo.path)
            left_out.append((photo, "its file is missing from the library"))
            continue
        except originals.ObjectStoreError as error:
            logger.error("Original of photo %s could not be read: %s", photo.pk, error)
            left_out.append((photo, "the object store did not answer for its file"))
            continue
        if source is None:
            left_out.append((photo, "its GPS position cannot be removed from this kind of file"))
            continue
        members.append(ZipMember(names.claim(photo.original_name, photo.pk), source.size, photo.taken_local,
                                 source.chunks))
    if left_out:
        note = "".join(f"{photo.original_name}: {reason}\n" for photo, reason in left_out).encode()
        members.append(ZipMember(names.claim(NOTE_NAME, 0), len(note), timezone.localtime(), partial(iter, [note])))
    return ZipStream(members)


def original_source(photo: Photo) -> Source:
    return Source(originals.size(photo.path), partial(file_chunks, photo.path))


def location_free(photo: Photo) -> Source | None:
    """The original without its GPS position, or None when that cannot be done safely and the
    import found a position in it (see the module's docstring). Read where the originals are
    kept (library.originals: the library folder or an object store), a chunk at a time."""
    size = originals.size(photo.path)
    if may_clean_location(photo):
        if photo.latitude is None or jpeg_is_strippable(photo.path):
            return Source(size, partial(jpeg_chunks_without_location, photo.path))
        return None
    return Source(size, partial(file_chunks, photo.path)) if photo.latitude is None else None


def may_clean_location(photo: Photo) -> bool:
    """Whether `location_free` can take a GPS position out of this kind of file (a plain JPEG),
    told from its row alone: a file whose segments turn out not to parse still cannot be."""
    return photo.format == JPEG.name and not photo.has_embedded_video


def jpeg_is_strippable(name: str) -> bool:
    with originals.opened(name) as file:
        return location_stripping.is_strippable(file)


def file_chunks(name: str) -> Iterator[bytes]:
    with originals.opened(name) as file:
        while chunk := file.read(CHUNK_BYTES):
            yield chunk


def jpeg_chunks_without_location(name: str) -> Iterator[bytes]:
    with originals.opened(name) as file:
        yield from location_stripping.jpeg_without_location(file, CHUNK_BYTES)


async def sent_whole_or_cut(stream: ZipStream) -> AsyncIterator[bytes]:
    """The archive's chunks; a file that cannot be read as promised ends them, with an error
    logged (the response's length then goes unmet, so the client sees a failed download)."""
    try:
        async for chunk in stream.chunks():
            yield chunk
    except OSError as error:  # a vanished file, or one of another size (MemberSizeError)
        logger.error("A ZIP download was cut short, it can no longer be sent as promised: %s", error)


class UniqueNames:
    """Names for the archive's members: safe to unpack, and unique even on file systems that
    ignore case (`IMG_0001.jpg`, then `IMG_0001 (2).jpg`)."""

    def __init__(self):
        self.taken = set()

    def claim(self, name: str, photo_id: int) -> str:
        stem, extension = os.path.splitext(safe_name(name) or f"photo-{photo_id}")
        candidate, number = stem + extension, 1
        while candidate.casefold() in self.taken:
            number += 1
            candidate = f"{stem} ({number}){extension}"
        self.taken.add(candidate.casefold())
        return candidate


def safe_name(name: str) -> str:
    """A name as imported, without separators, control characters, leading spaces, or trailing
    dots and spaces (so never `.` or `..`), cut to a length every file system takes."""
    name = UNSAFE_IN_NAME.sub("_", name).lstrip(" ").rstrip(". ")
    if len(name) > MOST_NAME_CHARACTERS:
        stem, extension = os.path.splitext(name)
        name = stem[:MOST_NAME_CHARACTERS - len(extension[:20])] + extension[:20]
    return name
