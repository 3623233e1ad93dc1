"""Giving a photo already in the library the place a sidecar (or anything else found later)
says it was taken: `apply_location(photo, locate(latitude, longitude, altitude))`.

The import keeps a file's own GPS itself (`library.media.metadata`); this is for a position
that arrives after the photo's row, and it follows the import's rules: the file's own position
wins, and a date whose zone was only the site's TIME_ZONE (a camera clock without offset, or a
bare instant shown in TIME_ZONE) is dated again in the zone at the new position. When that moves
the photo to another day, its file moves to that day's folder, journalled like a fixed date.
`place_from_file` does the same with a file's own position, for photos imported before places
were kept (`manage.py placephotos`)."""
import logging
from datetime import UTC, datetime

from library.media.dates import ZoneSource, as_aware, dating, placed
from library.media.detection import HEAD_BYTES, detect_format
from library.media.errors import ImportFileError
from library.media.metadata import read_metadata
from library.media.places import Location
from library.models import MoveReason, Photo
from library.paths import absolute_path
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


def place_from_file(photo: Photo) -> bool:
    """For a photo imported before places were kept (`manage.py placephotos`): its file's own
    position, applied as the import would have. Its zone's origin, unknown for an EXIF date then,
    is read from the file too, when the file still gives the date the row has. True when placed."""
    if photo.latitude is not None:
        return False
    path = absolute_path(photo.path)
    try:
        with open(path, "rb") as original:
            file_format = detect_format(original.read(HEAD_BYTES), photo.original_name, path)
        found = read_metadata(path, file_format, photo.original_name)
    except (ImportFileError, OSError) as error:
        logger.warning("Photo %s (%s) not read for its place: %s", photo.pk, photo.path, error)
        return False
    if found.location is None:
        return False
    if not photo.zone_source and found.taken_at == photo.taken_at:
        photo.zone_source = placed(found.taken_at)[1]
        Photo.objects.filter(pk=photo.pk).update(zone_source=photo.zone_source)
    return apply_location(photo, found.location)
