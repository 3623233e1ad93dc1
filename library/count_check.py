"""The counts part of `manage.py checklibrary`: the counts and copies the database keeps as rows
change (DayTiles, the gallery's tiles per day; the status tallies of library.tallies; the copy of
names the search reads, library.photo_names) against the rows themselves.

Triggers keep both in the same transaction as every write, so they differ only where something
skipped the triggers: a TRUNCATE, a bulk load with PostgreSQL's `session_replication_role =
replica`, a hand edit, a migration that remade the photo table on SQLite without them. Each
check reads aggregates, never a row at a time: one GROUP BY on the gallery's tile index for the
days, one GROUP BY over the counted properties for a tally. `--repair` counts the days, or the
tally, again from the rows."""
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date

from django.db import connection, transaction
from django.db.models import Count

from library import photo_names, photo_tally
from library.check_report import CheckReport, Finding
from library.models import GALLERY_TILE, DayTiles, Photo, PhotoName
from library.tallies import Tally

DAY_TILES = "days whose tile count differs from their photos"
PHOTO_TALLIES = "status tallies that differ from the photos"
NAME_COPY = "a copy of names that differs from the photos"


@contextmanager
def one_snapshot():
    """Both sides of a comparison read in one snapshot of the database, so a write between the
    two reads is not taken for a difference (SQLite's read transactions are snapshots already)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def check_day_tiles(report: CheckReport):
    """Each day's DayTiles count against the photos that are tiles that day. DayTiles holds one
    row per day that ever had a photo (some tens of thousands for a lifetime's library); the
    photos' counts stream from the GROUP BY."""
    repair = once(count_days_again)
    with one_snapshot():
        kept = dict(DayTiles.objects.values_list("day", "tiles"))
        tiles = Photo.objects.filter(GALLERY_TILE).order_by("taken_on").values_list("taken_on").annotate(Count("id"))
        for day, counted in tiles.iterator(chunk_size=2000):
            tallied = kept.pop(as_date(day), None)
            if (tallied or 0) != counted:
                report_day(report, as_date(day), tallied, counted, repair)
        for day, tallied in sorted(kept.items()):
            if tallied:
                report_day(report, as_date(day), tallied, 0, repair)


def as_date(day) -> date:
    return day if isinstance(day, date) else date.fromisoformat(day)


def report_day(report: CheckReport, day: date, tallied: int | None, counted: int, repair: Callable[[], str]):
    kept = "no row" if tallied is None else f"{tallied} tile(s)"
    report.add(Finding(DAY_TILES, day.isoformat(), f"DayTiles says {kept}, the photos {counted}", repair=repair))


def count_days_again():
    """Every day's count from its photos, in one GROUP BY on the gallery's tile index. Writers'
    triggers wait meanwhile (on PostgreSQL a lock their upserts cannot pass; on SQLite one writer
    at a time anyway), so a photo committed during the count is counted once: by the count, or by
    its trigger after it."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {DayTiles._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        days = Photo.objects.filter(GALLERY_TILE).values_list("taken_on").annotate(Count("id")).order_by()
        DayTiles.objects.all().delete()
        DayTiles.objects.bulk_create((DayTiles(day=day, tiles=tiles) for day, tiles in days.iterator(chunk_size=2000)),
                                     batch_size=2000)


def check_tally(report: CheckReport, tally: Tally, kind: str):
    """Each combination of properties `tally` counts against a count of its rows; a finding per
    combination that differs, all repaired by one rebuild of the tally."""
    with one_snapshot():
        differences = tally.differences()
    repair = once(tally.recount)
    for key, tallied, counted in differences:
        properties = ", ".join(f"{name} {value}" for name, value in zip(tally.key, key, strict=True))
        numbers = ", ".join(f"{name} {was} (counted {right})"
                            for name, was, right in zip(tally.values, tallied, counted, strict=True) if was != right)
        report.add(Finding(kind, properties, f"tallied {numbers}", repair=repair))


def check_name_copy(report: CheckReport):
    """The copy of names against the photos, by their numbers: a copy whose triggers were lost (a
    migration that remade the photo table on SQLite, a bulk load past them) falls behind with the
    next import, and a name search would miss the files it lacks. Two counts of primary keys."""
    with one_snapshot():
        photos, copied = Photo.objects.count(), PhotoName.objects.count()
    if photos != copied:
        report.add(Finding(NAME_COPY, PhotoName._meta.db_table, f"{copied} name(s) copied for {photos} photo(s)",
                           repair=once(photo_names.refill)))


def once(count_again: Callable[[], None]) -> Callable[[], str]:
    """The repair of every finding of one count: counting it all again, at the first call only."""
    done = []

    def repair():
        if not done:
            count_again()
            done.append(True)
        return "counted again"

    return repair


def check_counts(report: CheckReport):
    check_day_tiles(report)
    check_tally(report, photo_tally.TALLY, PHOTO_TALLIES)
    check_name_copy(report)
