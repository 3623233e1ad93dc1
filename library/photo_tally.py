"""How many photos there are, in the trash or not, by kind and playback: kept by the database as
photos change (library.tallies), read by `librarystatus` in one small query."""
from django.db.models import Q, Sum

from . import tallies
from .models import PhotoTally

TABLE = PhotoTally._meta.db_table


def key_of(row: str) -> str:
    """The counted properties of a photo row (NEW or OLD in a trigger; a table alias in a query)."""
    return (f"{row}.trashed_at IS NOT NULL, {row}.kind, {row}.embedded_video_offset IS NOT NULL, "
            f"{row}.playback")


TALLY = tallies.Tally(
    table=TABLE, key=("trashed", "kind", "motion", "playback"), values=("photos",),
    count_rows=f"SELECT {key_of('p')}, COUNT(*) FROM library_photo p GROUP BY {key_of('p')}")
COLUMNS = "trashed, kind, motion, playback, photos"
TRIGGER = tallies.Trigger(
    name="library_photo_tally",
    table="library_photo",
    add=f"INSERT INTO {TABLE} ({COLUMNS}) VALUES ({key_of('NEW')}, 1)",
    subtract=f"INSERT INTO {TABLE} ({COLUMNS}) VALUES ({key_of('OLD')}, -1)",
    when="(OLD.trashed_at IS NULL) <> (NEW.trashed_at IS NULL) OR OLD.kind <> NEW.kind "
         "OR (OLD.embedded_video_offset IS NULL) <> (NEW.embedded_video_offset IS NULL) "
         "OR OLD.playback <> NEW.playback",
)

IN_LIBRARY = Q(trashed=False)
# A video, or a motion photo (a still with a video inside): library.playback.HAS_VIDEO, tallied.
HAS_VIDEO = Q(kind="video") | Q(motion=True)


def count(condition: Q) -> int:
    """Photos whose counted properties meet `condition` (on PhotoTally's fields)."""
    return PhotoTally.objects.filter(condition).aggregate(photos=Sum("photos"))["photos"] or 0
