"""Moments: the files that are one picture to a person (a Live Photo's still and motion, a
RAW+JPEG pair), linked at import (`library.importing.moment_pairing`) or by hand in the admin.

A moment is its face (the file the gallery shows: the still, the JPEG) and the partners that
point at it with `shown_with` (the motion, the raw), at most one of each kind. Linking is decided
by the database: both rows are locked and re-read inside one transaction, so two imports pairing
the same files at once (a still and its motion side by side with `--jobs 4`) link them once.
Trash, restore and fix-date act on `members()`."""
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef

from library.models import PARTNER, RAW_FORMAT, MediaKind, Photo

logger = logging.getLogger("photosite.library")


class Part:
    """A file's part in its moment, as the admin and the viewer name it."""

    STILL = "still of a Live Photo"
    MOTION = "motion of a Live Photo"
    JPEG = "JPEG of a RAW+JPEG pair"
    RAW = "raw of a RAW+JPEG pair"


class CannotLinkError(ValueError):
    """These files do not make one moment (the admin says why)."""


def members(photo: Photo) -> list[Photo]:
    """The photo's moment read afresh: its face first, then the partners shown through it."""
    face_id = Photo.objects.filter(pk=photo.pk).values_list("shown_with_id", flat=True).first() or photo.pk
    return sorted(Photo.objects.filter(pk=face_id) | Photo.objects.filter(shown_with_id=face_id),
                  key=lambda row: (row.shown_with_id is not None, row.pk))


def link(face: Photo, partner: Photo) -> bool:
    """Show `partner` through `face`'s tile. False when that no longer makes one moment: either
    is shown through another file, the partner has partners of its own, or the face has a
    partner of this kind already (one motion per still, one raw per JPEG)."""
    with transaction.atomic():
        rows = {row.pk: row for row in Photo.objects.select_for_update().filter(pk__in=[face.pk, partner.pk])}
        if len(rows) != 2 or rows[face.pk].shown_with_id or rows[partner.pk].shown_with_id:
            return False
        if Photo.objects.filter(shown_with_id=partner.pk).exists():
            return False
        if Photo.objects.filter(shown_with_id=face.pk, kind=rows[partner.pk].kind).exists():
            return False
        Photo.objects.filter(pk=partner.pk).update(shown_with_id=face.pk)
        note_raw_partner(face.pk)
    logger.info("Moment: photo %s is shown with photo %s", partner.pk, face.pk)
    return True


def link_by_hand(photos: list[Photo], is_raw) -> Photo:
    """The admin's "link": a still and its video, or a raw and its JPEG (`is_raw(photo)` tells a
    raw from another photo). Returns the face."""
    face, partner = face_and_partner_by_kind(photos, is_raw)
    if not link(face, partner):
        raise CannotLinkError("one of them is in a moment already; unlink it first")
    return face


def face_and_partner_by_kind(photos: list[Photo], is_raw) -> tuple[Photo, Photo]:
    if len(photos) == 2:
        first, second = photos
        for face, partner in ((first, second), (second, first)):
            is_face = face.kind == MediaKind.PHOTO and not is_raw(face)
            if is_face and (partner.kind == MediaKind.VIDEO or is_raw(partner)):
                return face, partner
    raise CannotLinkError("choose a still and its video, or a raw and its JPEG")


def unlink(photo: Photo) -> int:
    """Break the photo's moment up: each file a photo of its own again. Returns the files freed."""
    with transaction.atomic():
        face_id = Photo.objects.filter(pk=photo.pk).values_list("shown_with_id", flat=True).first() or photo.pk
        freed = Photo.objects.filter(shown_with_id=face_id).update(shown_with=None)
        note_raw_partner(face_id)
    if freed:
        logger.info("Moment of photo %s broken up (%d file(s) freed)", face_id, freed)
    return freed


def note_raw_partner(face_id: int):
    """Writes on the face whether a raw is shown with it (`has_raw_partner`), the fact the search's
    `kind=raw` reads from the tile's own row: set here, where moments are made and broken up."""
    raws = Photo.objects.filter(PARTNER & RAW_FORMAT, shown_with=OuterRef("pk"))
    Photo.objects.filter(pk=face_id).update(has_raw_partner=Exists(raws))


def part_of(photo: Photo, partners: list[Photo]) -> str:
    """What the photo is in its moment (`partners`: those shown through it); "" for a photo alone."""
    if photo.shown_with_id is not None:
        return Part.MOTION if photo.kind == MediaKind.VIDEO else Part.RAW
    if not partners:
        return ""
    return Part.STILL if any(partner.kind == MediaKind.VIDEO for partner in partners) else Part.JPEG
