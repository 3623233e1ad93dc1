"""Moments: the files that are one picture to a person (a Live Photo's still and motion, a
RAW+JPEG pair), linked at import (`library.importing.grouping`) or by hand in the admin.

Linking is decided by the database: both rows are locked and re-read inside one transaction, so
two imports pairing the same files at once (the still and its motion arrive side by side with
`--jobs 4`) make one moment, never two. Trash, restore and fix-date act on `members()`."""
import logging

from django.db import transaction

from library.models import HIDDEN_ROLES, MediaKind, Moment, MomentRole, Photo

logger = logging.getLogger("photosite.library")

class CannotLinkError(ValueError):
    """These files do not make one moment (the admin says why)."""


def members(photo: Photo) -> list[Photo]:
    """The photo and the other files of its moment, read afresh, the moment's face first."""
    if photo.moment_id is None:
        return list(Photo.objects.filter(pk=photo.pk))
    rows = Photo.objects.filter(moment_id=photo.moment_id).order_by("id")
    return sorted(rows, key=lambda row: row.moment_role in HIDDEN_ROLES)


def link(first: Photo, first_role: str, second: Photo, second_role: str) -> bool:
    """Make `first` and `second` one moment in these roles. A file already in a moment (in the
    same role) brings the other into it when that role is free there; False when the files
    cannot be linked (by then)."""
    with transaction.atomic():
        rows = {row.pk: row for row in Photo.objects.select_for_update().filter(pk__in=[first.pk, second.pk])}
        if len(rows) != 2:
            return False
        first_row, second_row = rows[first.pk], rows[second.pk]
        if first_row.moment_id and second_row.moment_id:
            return False
        if first_row.moment_id or second_row.moment_id:
            member, member_role, newcomer_role = (
                (first_row, first_role, second_role) if first_row.moment_id else (second_row, second_role, first_role)
            )
            if not can_join(member, member_role, newcomer_role):
                return False
        moment_id = first_row.moment_id or second_row.moment_id or Moment.objects.create().pk
        Photo.objects.filter(pk=first.pk).update(moment_id=moment_id, moment_role=first_role)
        Photo.objects.filter(pk=second.pk).update(moment_id=moment_id, moment_role=second_role)
    logger.info("Moment %s: photo %s (%s) with photo %s (%s)", moment_id, first.pk, first_role, second.pk, second_role)
    return True


def can_join(member: Photo, member_role: str, newcomer_role: str) -> bool:
    """A newcomer joins a member's moment when the member plays the same part there and nobody
    has the newcomer's part yet (a second motion for one still is refused)."""
    if member.moment_role != member_role:
        return False
    return not Photo.objects.filter(moment_id=member.moment_id, moment_role=newcomer_role).exists()


def link_by_hand(photos: list[Photo], is_raw) -> Moment:
    """The admin's "link": a still and its video, or a raw and its JPEG (`is_raw(photo)` tells
    raw from not). Each must be in no moment yet."""
    roles = roles_by_kind(photos, is_raw)
    if any(photo.moment_id for photo in photos):
        raise CannotLinkError("unlink these files from their moments first")
    (first, first_role), (second, second_role) = roles
    if not link(first, first_role, second, second_role):
        raise CannotLinkError("these files changed meanwhile; try again")
    first.refresh_from_db()
    return first.moment


def roles_by_kind(photos: list[Photo], is_raw) -> list[tuple[Photo, str]]:
    if len(photos) != 2:
        raise CannotLinkError("choose exactly two files: a still and its video, or a raw and its JPEG")
    videos = [photo for photo in photos if photo.kind == MediaKind.VIDEO]
    raws = [photo for photo in photos if photo.kind == MediaKind.PHOTO and is_raw(photo)]
    if len(videos) == 1 and not raws:
        still = next(photo for photo in photos if photo is not videos[0])
        return [(still, MomentRole.STILL), (videos[0], MomentRole.MOTION)]
    if len(raws) == 1 and not videos:
        jpeg = next(photo for photo in photos if photo is not raws[0])
        return [(jpeg, MomentRole.JPEG), (raws[0], MomentRole.RAW)]
    raise CannotLinkError("choose a still and its video, or a raw and its JPEG")


def unlink(photo: Photo) -> int:
    """Take the photo out of its moment; a moment left with one file ends. Returns files freed."""
    with transaction.atomic():
        moment_id = Photo.objects.select_for_update().filter(pk=photo.pk).values_list("moment_id", flat=True).first()
        if moment_id is None:
            return 0
        freed = Photo.objects.filter(pk=photo.pk).update(moment=None, moment_role="")
        rest = Photo.objects.filter(moment_id=moment_id)
        if rest.count() < 2:
            freed += rest.update(moment=None, moment_role="")
            Moment.objects.filter(pk=moment_id).delete()
    logger.info("Photo %s unlinked from moment %s", photo.pk, moment_id)
    return freed
