"""The moments part of `manage.py checklibrary`: groups that no longer hold together.

- A moment left with one file (its partner unlinked by hand, or a row changed outside the site)
  would hide nothing and show one tile anyway; repair dissolves it.
- A moment partly in the trash (a trash or restore of the group cut off midway): the files
  follow their face, the file the gallery shows — trashed if it is, back if it is not.
- A moment with no file at all is removed.

Moments whose files have a move in progress are left to `check_moves` and the next run. Each
repair looks at the moment afresh, as interrupted moves are settled first."""
from functools import partial
from itertools import groupby

from library.models import HIDDEN_ROLES, FileMove, Moment, Photo

from .library_check import CheckReport, Finding
from .moments import members, unlink
from .trash import move_to_trash, restore_from_trash

LONELY = "moments with a single file"
HALF_TRASHED = "moments partly in the trash"
EMPTY = "moments with no file"


def check_moments(report: CheckReport):
    moving = set(FileMove.objects.values_list("photo_id", flat=True))
    grouped = Photo.objects.filter(moment__isnull=False).order_by("moment_id", "id")
    rows = grouped.values_list("moment_id", "pk", "path", "trashed_at")
    for moment_id, files in groupby(rows.iterator(chunk_size=2000), key=lambda row: row[0]):
        files = list(files)
        if moving & {pk for _, pk, _, _ in files}:
            continue
        if len(files) == 1:
            report.findings.append(Finding(LONELY, files[0][2], f"moment {moment_id}", files[0][1],
                                           repair=partial(dissolve, files[0][1])))
        elif len({trashed is None for _, _, _, trashed in files}) > 1:
            report.findings.append(Finding(HALF_TRASHED, files[0][2], f"moment {moment_id}", files[0][1],
                                           repair=partial(follow_the_face, files[0][1])))
    for moment_id in Moment.objects.filter(photos=None).values_list("pk", flat=True):
        report.findings.append(Finding(EMPTY, f"moment {moment_id}", repair=partial(remove_empty, moment_id)))


def dissolve(photo_id: int) -> str:
    unlink(Photo.objects.get(pk=photo_id))
    return "a photo of its own again"


def follow_the_face(photo_id: int) -> str:
    group = members(Photo.objects.get(pk=photo_id))
    face = next((photo for photo in group if photo.moment_role not in HIDDEN_ROLES), group[0])
    if face.trashed_at is not None:
        move_to_trash(face)
        return "all in the trash, as its face"
    for photo in group:
        if photo.trashed_at is not None:
            restore_from_trash(photo)
    return "all restored, as its face"


def remove_empty(moment_id: int) -> str:
    Moment.objects.filter(pk=moment_id, photos=None).delete()
    return "removed"
