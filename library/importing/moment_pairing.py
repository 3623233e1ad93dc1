"""Pairing a file just imported with the other file of its moment, whichever came first, in this
import or any earlier one, by any route.

- A Live Photo: a still and a video with the same Apple content identifier (the still's maker
  note, the motion's QuickTime metadata); failing that, the same base name in the same source
  folder, taken within 2 s, the video at most 5 s long.
- RAW+JPEG: a raw and a non-raw photo with the same base name and camera, taken within 1 s.

Only files of one uploader pair (the user of their import sessions; none for the command line):
a web upload has no folder, so by name and time, or by an identifier anyone can write into a
file, one user's video would otherwise become the hidden motion of another's still, and trashing
the still would trash it. Linking by hand in the admin is not limited.

It costs one indexed query per file (the time window on the timeline index, or the identifier on
its own index), written out once as SQL: built by the ORM per file, the query's compilation cost
more than the rest of pairing together (docs/measured-choices.md). It runs after the file's
row is committed: of two files of a pair imported side by side, the one committed second always
sees the first. Linking is `library.curation.moments.link`'s:
the still or the JPEG becomes the moment's face, the motion or the raw is shown through it."""
from datetime import timedelta
from pathlib import PurePath

from django.db import connection

from library.curation.moments import link
from library.media.detection import RAW_FORMATS
from library.models import ImportSession, MediaKind, Photo

LIVE_WINDOW = timedelta(seconds=2)
LIVE_LONGEST_MOTION_SECONDS = 5.0
RAW_WINDOW = timedelta(seconds=1)
CANDIDATE_LIMIT = 50
# In the library, not the file itself, taken within the window (or sharing its identifier).
# Uploaded by the same user (`{uploader}`: "= %s", or "IS NULL" for the command line's files), asked
# per candidate: as a join, SQLite drove the query from the user's sessions and read all their
# photos for every file.
CANDIDATES_SQL = (
    "SELECT id, kind, format, original_name, taken_at, duration, camera_make, camera_model, content_identifier, "
    "source_folder, shown_with_id FROM {photos} p WHERE trashed_at IS NULL AND id <> %s "
    "AND (taken_at BETWEEN %s AND %s{identifier}) "
    "AND (SELECT s.user_id FROM {sessions} s WHERE s.id = p.import_session_id) {uploader} ORDER BY id LIMIT {limit}"
)


def is_raw(photo: Photo) -> bool:
    """Asks detection, the one owner of which formats are raw (a row keeps its detected name)."""
    return photo.kind == MediaKind.PHOTO and photo.format in RAW_FORMATS


def pair_new_photo(photo: Photo) -> Photo | None:
    """Links the new photo with its partner, when there is one; returns the partner."""
    if photo.kind == MediaKind.VIDEO and not (photo.content_identifier or is_short(photo)):
        return None  # a long video without an identifier is nobody's motion
    for candidate in candidates(photo):
        pair = face_and_partner(photo, candidate)
        if pair and link(*pair):
            return candidate
    return None


def candidates(photo: Photo):
    """The rows that could be this file's partner, oldest first."""
    adapt = connection.ops.adapt_datetimefield_value
    params = [photo.pk, adapt(photo.taken_at - LIVE_WINDOW), adapt(photo.taken_at + LIVE_WINDOW)]
    identifier = ""
    if photo.content_identifier:
        identifier, params = " OR content_identifier = %s", [*params, photo.content_identifier]
    uploader = uploader_id(photo)
    if uploader is not None:
        params.append(uploader)
    sql = CANDIDATES_SQL.format(photos=Photo._meta.db_table, sessions=ImportSession._meta.db_table,
                                identifier=identifier, uploader="IS NULL" if uploader is None else "= %s",
                                limit=CANDIDATE_LIMIT)
    return Photo.objects.raw(sql, params)


def uploader_id(photo: Photo) -> int | None:
    """The user who imported the file; None for the command line (and a session since deleted)."""
    return photo.import_session.user_id if photo.import_session_id else None


def face_and_partner(new: Photo, other: Photo) -> tuple[Photo, Photo] | None:
    """(the still or JPEG, the motion or raw) when the two are one moment, else None."""
    if new.kind != other.kind:
        still, motion = (other, new) if new.kind == MediaKind.VIDEO else (new, other)
        return (still, motion) if not is_raw(still) and is_live_pair(still, motion) else None
    if new.kind == MediaKind.PHOTO and is_raw(new) != is_raw(other) and is_raw_pair(new, other):
        return (other, new) if is_raw(new) else (new, other)
    return None


def is_live_pair(still: Photo, motion: Photo) -> bool:
    """By the identifier when both have one; by name, folder, time and length when not."""
    if still.content_identifier and motion.content_identifier:
        return still.content_identifier == motion.content_identifier
    return (same_base_name(still, motion) and still.source_folder == motion.source_folder
            and abs(still.taken_at - motion.taken_at) <= LIVE_WINDOW and is_short(motion))


def is_raw_pair(first: Photo, second: Photo) -> bool:
    return (same_base_name(first, second) and abs(first.taken_at - second.taken_at) <= RAW_WINDOW
            and (first.camera_make, first.camera_model) == (second.camera_make, second.camera_model))


def is_short(video: Photo) -> bool:
    return video.duration is not None and video.duration <= LIVE_LONGEST_MOTION_SECONDS


def same_base_name(first: Photo, second: Photo) -> bool:
    return PurePath(first.original_name).stem.casefold() == PurePath(second.original_name).stem.casefold()
