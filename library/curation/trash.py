"""Deleting from the library means moving to `<library>/.trash/`, never unlinking: the file
keeps its relative path under `.trash/` (the row's `path` says where it is), the row stays
with `trashed_at` set (so the gallery hides it and a re-import of the same bytes by staff or
the command line brings it back), and `photo_trashed` tells other apps (the thumbnails app
removes the photo's cached thumbnails). A moment (Live Photo, RAW+JPEG) goes and comes back whole."""
import logging
from pathlib import Path

from library.media.dates import wall_clock_date
from library.models import MoveReason, Photo
from library.paths import absolute_path, library_root, trash_name
from library.signals import photo_restored, photo_trashed

from .file_moves import move_original
from .moments import members
from .placement import MAX_NAME_ATTEMPTS, candidate_paths

logger = logging.getLogger("photosite.library")

# The import outcome's text when a re-import brought a photo back from the trash.
RESTORED_NOTE = "restored from trash"
# Its text when the photo is in the trash and the importer may not bring it back (trash is for staff).
IN_TRASH_NOTE = "in the trash"


def move_to_trash(photo: Photo):
    """Move the photo's file, and those of its moment, under .trash/ and hide them; files already
    in the trash are left alone."""
    for member in members(photo):
        if member.trashed_at is None:
            move_original(member, MoveReason.TRASH, trash_candidates(member.path))
            photo_trashed.send(sender=Photo, photo=member)
    photo.refresh_from_db()


def restore_from_trash(photo: Photo, replacement: Path | None = None) -> bool:
    """Put a trashed photo, and the rest of its moment, back in their `YYYY-MM-DD/` folders under
    free names by the naming rule; False when the photo is not (or no longer, after a concurrent
    restore) in the trash.

    `replacement` is a file inside the library with the same bytes (a re-import's staged file):
    it is used when the trash no longer has the original, e.g. after `.trash/` was emptied by hand."""
    restored = restore_one(photo, replacement)
    for member in members(photo):
        if member.pk != photo.pk and member.trashed_at is not None:
            restore_one(member)
    return restored


def restore_one(photo: Photo, replacement: Path | None = None) -> bool:
    photo.refresh_from_db()
    if photo.trashed_at is None:
        return False
    source = None
    if replacement is not None and not absolute_path(photo.path).exists():
        logger.warning("Photo %s was missing from the trash; restoring the re-imported copy", photo.pk)
        source = str(replacement.relative_to(library_root()))
    move_original(photo, MoveReason.RESTORE, library_candidates(photo), source=source)
    photo_restored.send(sender=Photo, photo=photo)
    return True


def trash_candidates(relative: str):
    for attempt in range(MAX_NAME_ATTEMPTS):
        yield trash_name(relative, attempt)


def library_candidates(photo: Photo, taken_at=None):
    """The names the import's rule gives this photo (taken at `taken_at`, else on its own day), in order of preference."""
    day = wall_clock_date(taken_at) if taken_at else photo.taken_on
    return candidate_paths(day, photo.sha256, photo.path.rpartition(".")[2])
