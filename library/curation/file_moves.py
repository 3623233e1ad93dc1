"""Moving an original file inside the library so that a crash can never lose track of it.

Order of events: a FileMove journal row is committed, the file is moved with the import's
no-overwrite move (a hard link then unlink, so an existing file is never replaced), both
directories are fsynced, and only then are the Photo row updated and the journal row deleted,
in one transaction. Whatever the crash point, the file is at the journal's `source` or `target`.
An XMP sidecar kept beside the original (`<original>.xmp`) follows it before the row is updated,
so a repair that finishes the move finds it at either name too."""
import logging
from collections.abc import Iterable

from django.db import transaction

from library.models import FileMove, Photo
from library.paths import absolute_path, sidecar_path

from .placement import fsync_path, move_without_overwrite

logger = logging.getLogger("photosite.library")


class NoFreeNameError(FileExistsError):
    """Every candidate name for the moved file is taken."""


def move_original(photo: Photo, reason: str, candidates: Iterable[str], taken_at=None, source=None) -> FileMove:
    """Move `photo`'s file (or `source`, another relative path holding the same bytes) to the
    first free name in `candidates` and update its row to match.

    Must not run inside a transaction: the journal row has to be durable before the move."""
    source_relative = source or photo.path
    source = absolute_path(source_relative)
    for relative in candidates:
        target = absolute_path(relative)
        if target.exists():
            continue
        journal = FileMove.objects.create(
            photo=photo, reason=reason, source=source_relative, target=relative, taken_at=taken_at
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            moved = move_without_overwrite(source, target)
        except OSError:
            journal.delete()
            raise
        if not moved:
            journal.delete()
            continue
        fsync_path(target.parent)
        fsync_path(source.parent)
        move_sidecar(journal)
        finish_move(journal)
        logger.info("Moved photo %s (%s): %s -> %s", photo.pk, reason, journal.source, relative)
        photo.refresh_from_db()
        return journal
    raise NoFreeNameError(f"no free name to move {photo.path} to")


def move_sidecar(journal: FileMove):
    """The original's XMP sidecar, if it has one, to the original's new name (never overwriting)."""
    source, target = absolute_path(sidecar_path(journal.source)), absolute_path(sidecar_path(journal.target))
    if source.exists() and move_without_overwrite(source, target):
        fsync_path(target.parent)
        fsync_path(source.parent)


def finish_move(journal: FileMove):
    """The file is at `journal.target`: make the row say so and close the journal entry."""
    with transaction.atomic():
        Photo.objects.filter(pk=journal.photo_id).update(**journal.row_changes())
        journal.delete()
