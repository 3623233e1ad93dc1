"""The moments part of `manage.py checklibrary`: a moment partly in the trash (a trash or restore
of the group cut off midway). Its files follow their face, the file the gallery shows: trashed
if it is, back if it is not. Files with a move in progress are left to `check_moves` and the
next run; the repair looks at the moment afresh, as interrupted moves are settled first."""
from functools import partial

from django.db.models import Q

from library.check_report import CheckReport, Finding
from library.models import FileMove, Photo

from .moments import members
from .trash import move_to_trash, restore_from_trash

HALF_TRASHED = "moments partly in the trash"


def check_moments(report: CheckReport):
    moving = set(FileMove.objects.values_list("photo_id", flat=True))
    split = Photo.objects.filter(
        Q(trashed_at__isnull=True, shown_with__trashed_at__isnull=False)
        | Q(trashed_at__isnull=False, shown_with__trashed_at__isnull=True, shown_with__isnull=False)
    )
    for pk, path, face_id in split.values_list("pk", "path", "shown_with_id").order_by("pk"):
        if not moving & {pk, face_id}:
            report.add(Finding(HALF_TRASHED, path, f"shown with photo {face_id}", pk,
                                           repair=partial(follow_the_face, pk)))


def follow_the_face(photo_id: int) -> str:
    face, *partners = members(Photo.objects.get(pk=photo_id))
    if face.trashed_at is not None:
        move_to_trash(face)
        return "in the trash, as its face"
    for partner in partners:
        if partner.trashed_at is not None:
            restore_from_trash(partner)
    return "restored, as its face"
