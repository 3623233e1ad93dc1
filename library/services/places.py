"""Giving a photo already in the library the place a sidecar (or anything else found later)
says it was taken: `apply_location(photo, locate(latitude, longitude, altitude))`.

The import keeps a file's own GPS itself (`library.importing.metadata`); this is for a position
that arrives after the photo's row, and it follows the import's rules: the file's own position
wins, and a date whose zone was only the site's TIME_ZONE (a camera clock without offset, or a
bare instant shown in TIME_ZONE) is dated again in the zone at the new position. When that moves
the photo to another day, its file moves to that day's folder, journalled like a fixed date."""
import logging
from datetime import UTC, datetime

from library.importing.dates import ZoneSource, as_aware, dating
from library.importing.places import Location
from library.models import MoveReason, Photo
from library.signals import photo_redated

from .file_moves import move_original
from .trash import library_candidates

logger = logging.getLogger("photosite.library")


def apply_location(photo: Photo, location: Location | None) -> bool:
    """Record `location` on `photo` (and on its row) unless it is no place or the photo has a
    position of its own; re-dates it in the zone there (see the module). True when applied.
    Must not run inside a transaction: a file move's journal has to be durable first."""
    if location is None or photo.latitude is not None:
        return False
    Photo.objects.filter(pk=photo.pk).update(**location.photo_fields())
    photo.refresh_from_db()
    moment = as_read_without_zone(photo)
    if moment is not None and location.zone is not None:
        date_in_zone(photo, dating(moment, location.zone))
    logger.info("Photo %s placed at %.5f, %.5f (%s)", photo.pk, location.latitude, location.longitude,
                photo.place or "no name")
    return True


def as_read_without_zone(photo: Photo) -> datetime | None:
    """The photo's date as the import read it before any zone was known: its wall clock read in
    TIME_ZONE, or its bare instant; None when its zone is its own (the camera's offset, GPS)."""
    if photo.zone_source == ZoneSource.SITE:
        return as_aware(photo.taken_local)
    if photo.zone_source == ZoneSource.UTC:
        return photo.taken_at.astimezone(UTC)
    return None


def date_in_zone(photo: Photo, fields: dict):
    """A photo in the trash, or one staying on its day, only gets its row changed (a restore files
    it under its new day)."""
    candidates = list(library_candidates(photo, fields["taken_at"]))
    if photo.trashed_at is not None or photo.path in candidates:
        Photo.objects.filter(pk=photo.pk).update(**fields)
    else:
        move_original(photo, MoveReason.PLACE, candidates, taken_at=fields["taken_at"])
    photo.refresh_from_db()
    photo_redated.send(sender=Photo, photo=photo)
