"""How many renditions there are by spec and state, and their bytes, split by what their photo's
tally counts (in the trash or not, its playback): kept by the database as rendition rows change,
and as a photo's own counted properties move its rows (library.tallies)."""
from django.db.models import Q, Sum

from library import tallies

from .models import RenditionTally

TABLE = RenditionTally._meta.db_table
KEY = "spec, state, trashed, playback"
PHOTO_KEY = "trashed_at IS NOT NULL, playback"
ADD_TO_TALLY = (f"ON CONFLICT ({KEY}) DO UPDATE SET renditions = {TABLE}.renditions + excluded.renditions, "
                f"bytes = {TABLE}.bytes + excluded.bytes, unsized = {TABLE}.unsized + excluded.unsized")


def sizes(row: str) -> str:
    """(1, its bytes, 1 if unsized) of a rendition row: what it adds to its tally."""
    return f"1, COALESCE({row}.bytes, 0), CASE WHEN {row}.bytes IS NULL THEN 1 ELSE 0 END"


def rows_of_photo(photo: str, column: str) -> str:
    """The tally row's share of `column` among the rendition rows of photo `photo` (OLD in a trigger)."""
    return (f"(SELECT COALESCE(SUM({column}), 0) FROM thumbnails_thumbnail r WHERE r.photo_id = {photo}.id "
            f"AND r.spec = {TABLE}.spec AND r.state = {TABLE}.state)")


RENDITION_TRIGGER = tallies.Trigger(
    name="thumbnails_rendition_tally",
    table="thumbnails_thumbnail",
    add=f"INSERT INTO {TABLE} ({KEY}, renditions, bytes, unsized) SELECT NEW.spec, NEW.state, "
        f"p.trashed_at IS NOT NULL, p.playback, {sizes('NEW')} FROM library_photo p WHERE p.id = NEW.photo_id "
        f"{ADD_TO_TALLY}",
    subtract=f"UPDATE {TABLE} SET renditions = renditions - 1, bytes = bytes - COALESCE(OLD.bytes, 0), "
             f"unsized = unsized - (CASE WHEN OLD.bytes IS NULL THEN 1 ELSE 0 END) "
             f"WHERE spec = OLD.spec AND state = OLD.state AND (trashed, playback) = "
             f"(SELECT {PHOTO_KEY} FROM library_photo p WHERE p.id = OLD.photo_id)",
    when="OLD.spec <> NEW.spec OR OLD.state <> NEW.state OR OLD.photo_id <> NEW.photo_id "
         "OR (OLD.bytes IS NULL) <> (NEW.bytes IS NULL) OR OLD.bytes <> NEW.bytes",
)
# A photo trashed, restored or given another playback takes its rendition rows to another tally row.
PHOTO_TRIGGER = tallies.Trigger(
    name="thumbnails_photo_rendition_tally",
    table="library_photo",
    add=f"INSERT INTO {TABLE} ({KEY}, renditions, bytes, unsized) SELECT r.spec, r.state, "
        f"NEW.trashed_at IS NOT NULL, NEW.playback, COUNT(*), COALESCE(SUM(r.bytes), 0), "
        f"SUM(CASE WHEN r.bytes IS NULL THEN 1 ELSE 0 END) FROM thumbnails_thumbnail r WHERE r.photo_id = NEW.id "
        f"GROUP BY r.spec, r.state {ADD_TO_TALLY}",
    subtract=f"UPDATE {TABLE} SET renditions = renditions - {rows_of_photo('OLD', '1')}, "
             f"bytes = bytes - {rows_of_photo('OLD', 'r.bytes')}, "
             f"unsized = unsized - {rows_of_photo('OLD', 'CASE WHEN r.bytes IS NULL THEN 1 ELSE 0 END')} "
             f"WHERE (trashed, playback) = (OLD.trashed_at IS NOT NULL, OLD.playback)",
    when="(OLD.trashed_at IS NULL) <> (NEW.trashed_at IS NULL) OR OLD.playback <> NEW.playback",
)
TRIGGERS = (RENDITION_TRIGGER, PHOTO_TRIGGER)
RECOUNT = (f"INSERT INTO {TABLE} ({KEY}, renditions, bytes, unsized) SELECT r.spec, r.state, p.trashed_at IS NOT NULL, "
           f"p.playback, COUNT(*), COALESCE(SUM(r.bytes), 0), SUM(CASE WHEN r.bytes IS NULL THEN 1 ELSE 0 END) "
           f"FROM thumbnails_thumbnail r JOIN library_photo p ON p.id = r.photo_id "
           f"GROUP BY r.spec, r.state, p.trashed_at IS NOT NULL, p.playback")


def totals(condition: Q) -> dict[str, int]:
    """{"renditions", "bytes", "unsized"} summed over the tally rows meeting `condition`."""
    sums = RenditionTally.objects.filter(condition).aggregate(
        renditions=Sum("renditions"), bytes=Sum("bytes"), unsized=Sum("unsized"))
    return {name: value or 0 for name, value in sums.items()}


def by_state(condition: Q) -> dict[str, int]:
    """{state: rendition rows} over the tally rows meeting `condition`."""
    rows = RenditionTally.objects.filter(condition).values_list("state").annotate(rows=Sum("renditions"))
    return dict(rows.order_by())


def recount(sender=None, **kwargs):
    """Rebuilds the tally from the rows (also library.signals.recount_requested's receiver)."""
    tallies.recount(TABLE, RECOUNT)
