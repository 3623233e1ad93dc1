"""Moving an original file inside the library so that a crash can never lose track of it.

Order of events: a FileMove journal row is committed, the file is moved with the import's
no-overwrite move (a hard link then unlink, so an existing file is never replaced), both
directories are fsynced, and only then are the Photo row updated and the journal row deleted,
in one transaction. Whatever the crash point, the file is at the journal's `source` or `target`.
An XMP sidecar kept beside the original (`<original>.xmp`) follows it before the row is updated,
so a repair that finishes the move finds it at either name too.

In an object store (library.originals) a move is a copy to the new name, never overwriting,
then deleting the old one; the journal row names both, as on a disk."""
import logging
from collections.abc import Iterable

from django.db import transaction

from library.models import FileMove, Photo
from library.originals import exists, local_path, move_object
from library.paths import sidecar_path

from .placement import fsync_path, move_without_overwrite

logger = logging.getLogger("photosite.library")


class NoFreeNameError(FileExistsError):
    """Every candidate name for the moved file is taken."""


def move_original(photo: Photo, reason: str, candidates: Iterable[str], taken_at=None, source=None) -> FileMove:
    """Move `photo`'s file (or `source`, another relative path holding the same bytes) to the
    first free name in `candidates` and update its row to match.

    Must not run inside a transaction: the journal row has to be durable before the move."""
    source_relative = source or photo.path
    for relative in candidates:
        if is_taken(relative):
            continue
        journal = FileMove.objects.create(
            photo=photo, reason=reason, source=source_relative, target=relative, taken_at=taken_at
        )
        try:
            moved = move_file(source_relative, relative)
        except OSError:
            journal.delete()
            raise
        if not moved:
            journal.delete()
            continue
        move_sidecar(journal)
        finish_move(journal)
        logger.info("Moved photo %s (%s): %s -> %s", photo.pk, reason, journal.source, relative)
        photo.refresh_from_db()
        return journal
    raise NoFreeNameError(f"no free name to move {photo.path} to")


def is_taken(relative: str) -> bool:
    path = local_path(relative)
    return exists(relative) if path is None else path.exists()


def move_file(source: str, target: str) -> bool:
    """Moves the original's file, never overwriting, and makes the move durable; False (and
    nothing changed) if `target` was taken."""
    source_path, target_path = local_path(source), local_path(target)
    if source_path is None:
        return move_object(source, target)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    if not move_without_overwrite(source_path, target_path):
        return False
    fsync_path(target_path.parent)
    fsync_path(source_path.parent)
    return True


def move_sidecar(journal: FileMove):
    """The original's XMP sidecar, if it has one, to the original's new name (never overwriting)."""
    source = sidecar_path(journal.source)
    if is_taken(source):
        move_file(source, sidecar_path(journal.target))


def finish_move(journal: FileMove):
    """The file is at `journal.target`: make the row say so and close the journal entry."""
    with transaction.atomic():
        Photo.objects.filter(pk=journal.photo_id).update(**journal.row_changes())
        journal.delete()
