"""Fixing a photo's date taken. The file follows the date: it moves (atomically, never
overwriting) to the name the import's rule gives the new date, `YYYY-MM-DD/img_YYYYMMDD_<hash>.ext`,
and the row records the date as set by hand. The files of a moment all take the new date."""
import logging
from datetime import datetime

from library.media.dates import dating
from library.models import DateSource, MoveReason, Photo
from library.signals import photo_redated

from .file_moves import move_original
from .moments import members
from .trash import library_candidates

logger = logging.getLogger("photosite.library")


def redate(photo: Photo, taken_at: datetime):
    """Give `photo`, and the rest of its moment, a new date taken (an aware datetime)."""
    for member in members(photo):
        redate_one(member, taken_at)
    photo.refresh_from_db()


def redate_one(photo: Photo, taken_at: datetime):
    """A photo in the trash only gets its row changed: restoring it later files it under the new date."""
    candidates = list(library_candidates(photo, taken_at))
    if photo.trashed_at is not None or photo.path in candidates:
        Photo.objects.filter(pk=photo.pk).update(**dating(taken_at), taken_at_source=DateSource.MANUAL)
    else:
        move_original(photo, MoveReason.REDATE, candidates, taken_at=taken_at)
    photo.refresh_from_db()
    photo_redated.send(sender=Photo, photo=photo)
    logger.info("Photo %s redated to %s (%s)", photo.pk, taken_at.isoformat(), photo.path)
