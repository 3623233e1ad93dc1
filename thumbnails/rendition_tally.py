"""How many renditions there are by spec and state, and their bytes, split by what their photo's
tally counts (in the trash or not, its playback): kept by the database as rendition rows change,
and as a photo's own counted properties move its rows (library.tallies)."""
from django.db.models import Q, Sum

from library import count_check, tallies

from .models import Rendition, RenditionTally

TABLE = RenditionTally._meta.db_table
# The heading `checklibrary` lists differences of the tally under.
DIFFERENT = "rendition tallies that differ from the renditions"
COLUMNS = "spec, state, trashed, playback, renditions, bytes, unsized"


def tally_of(renditions: str) -> tallies.Tally:
    """The tally of the rendition rows in the table named `renditions` (a migration names the
    table as it was then)."""
    return tallies.Tally(
        table=TABLE, key=("spec", "state", "trashed", "playback"), values=("renditions", "bytes", "unsized"),
        count_rows="SELECT r.spec, r.state, p.trashed_at IS NOT NULL, p.playback, COUNT(*), COALESCE(SUM(r.bytes), 0), "
                   f"SUM(CASE WHEN r.bytes IS NULL THEN 1 ELSE 0 END) FROM {renditions} r "
                   "JOIN library_photo p ON p.id = r.photo_id GROUP BY r.spec, r.state, p.trashed_at IS NOT NULL, p.playback")


def one_row(row: str, sign: str) -> str:
    """The change one rendition row (NEW or OLD) makes, under its photo's properties."""
    return (f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {row}.spec, {row}.state, p.trashed_at IS NOT NULL, p.playback, "
            f"{sign}1, {sign}COALESCE({row}.bytes, 0), {sign}(CASE WHEN {row}.bytes IS NULL THEN 1 ELSE 0 END) "
            f"FROM library_photo p WHERE p.id = {row}.photo_id")


def rows_of_photo(renditions: str, photo: str, sign: str) -> str:
    """The change a photo's rendition rows make under its properties (NEW or OLD)."""
    return (f"INSERT INTO {TABLE} ({COLUMNS}) SELECT r.spec, r.state, {photo}.trashed_at IS NOT NULL, "
            f"{photo}.playback, {sign}COUNT(*), {sign}COALESCE(SUM(r.bytes), 0), "
            f"{sign}SUM(CASE WHEN r.bytes IS NULL THEN 1 ELSE 0 END) FROM {renditions} r "
            f"WHERE r.photo_id = {photo}.id GROUP BY r.spec, r.state")


def triggers_of(renditions: str) -> tuple[tallies.Trigger, tallies.Trigger]:
    """The triggers that keep the tally of the rendition rows in the table named `renditions`:
    one on those rows, and one on photos, since a photo trashed, restored or given another
    playback takes its rendition rows to another key. Both name the table, so renaming it means
    making them again (PostgreSQL's trigger functions name it in their bodies)."""
    return (
        tallies.Trigger(
            name="thumbnails_rendition_tally",
            table=renditions,
            add=one_row("NEW", ""),
            subtract=one_row("OLD", "-"),
            when="OLD.spec <> NEW.spec OR OLD.state <> NEW.state OR OLD.photo_id <> NEW.photo_id "
                 "OR (OLD.bytes IS NULL) <> (NEW.bytes IS NULL) OR OLD.bytes <> NEW.bytes",
        ),
        tallies.Trigger(
            name="thumbnails_photo_rendition_tally",
            table="library_photo",
            add=rows_of_photo(renditions, "NEW", ""),
            subtract=rows_of_photo(renditions, "OLD", "-"),
            when="(OLD.trashed_at IS NULL) <> (NEW.trashed_at IS NULL) OR OLD.playback <> NEW.playback",
        ),
    )


TALLY = tally_of(Rendition._meta.db_table)
TRIGGERS = triggers_of(Rendition._meta.db_table)


def totals(condition: Q) -> dict[str, int]:
    """{"renditions", "bytes", "unsized"} summed over the tally rows meeting `condition`."""
    sums = RenditionTally.objects.filter(condition).aggregate(
        renditions=Sum("renditions"), bytes=Sum("bytes"), unsized=Sum("unsized"))
    return {name: value or 0 for name, value in sums.items()}


def by_state(condition: Q) -> dict[str, int]:
    """{state: rendition rows} over the tally rows meeting `condition`."""
    rows = RenditionTally.objects.filter(condition).values_list("state").annotate(rows=Sum("renditions"))
    return dict(rows.order_by())


def settle(sender=None, recount: bool = False, **kwargs):
    """Receiver of library.signals.tallies_requested."""
    if recount:
        TALLY.recount()
    else:
        TALLY.fold()


def check(sender, report, **kwargs):
    """Receiver of library.signals.library_checked: the tally against the rendition rows."""
    count_check.check_tally(report, TALLY, DIFFERENT)
