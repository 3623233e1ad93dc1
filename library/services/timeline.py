"""The gallery's walk through the library, newest first, by keyset pagination on
(`taken_on`, `taken_at`, `id`): days on the camera's own clock, and within a day the exact instant.
Each page starts strictly after the last tile of the previous one, so a page deep in a
100,000-photo library costs what the first one does (no OFFSET), and a photo imported meanwhile
never shifts the pages. Served by the partial index `photo_gallery_tile_idx`.

A moment (a Live Photo, a RAW+JPEG pair) is one tile: its face. The files shown through it (the
motion, the raw) are left out by the index's condition and come back as the tiles' `partners`,
in one more indexed query per page."""
import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import groupby

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from library.models import Photo

# Only what a tile needs: rendering 100+ tiles must not drag along every column.
TILE_FIELDS = ("id", "sha256", "kind", "original_name", "width", "height", "duration", "taken_at", "taken_at_offset",
               "taken_on", "mime_type", "playback", "embedded_video_offset")
# What a tile needs of its partners: a Live Photo's motion plays from its playable source
# (thumbnails.links.playable_url), which asks the video's verdict.
PARTNER_FIELDS = ("id", "sha256", "kind", "format", "original_name", "duration", "mime_type", "playback",
                  "shown_with_id")
ORDER = ("-taken_on", "-taken_at", "-id")


# A cursor's id is a row id: ASCII digits that fit a bigint (`int()` would also take "١", "1_0" and " 1").
CURSOR_ID = re.compile(r"[0-9]{1,19}")
MAX_ID = 2**63 - 1
MONTH_JUMP = re.compile(r"(?P<year>[0-9]{1,4})-(?P<month>[0-9]{1,2})")


class BadCursorError(ValueError):
    """A `?after=` (or `?year=`/`?month=`) value that we did not write."""


def quoted(text: str) -> str:
    """`text` for an error message: the reason stays short however long the value sent was."""
    return repr(text if len(text) <= 60 else text[:60] + "…")


@dataclass(frozen=True)
class Cursor:
    """The position after a tile: its day, instant and id, written as `<day>~<ISO datetime>~<id>`.
    A month jump's position has no instant: it is the end of a day (that day and everything before)."""

    taken_on: date
    taken_at: datetime | None
    id: int

    def __str__(self):
        return f"{self.taken_on.isoformat()}~{self.taken_at.isoformat()}~{self.id}"

    @classmethod
    def of(cls, photo: Photo) -> "Cursor":
        return cls(photo.taken_on, photo.taken_at, photo.pk)

    @classmethod
    def from_string(cls, text: str) -> "Cursor":
        """The position `str()` wrote; anything else is a BadCursorError, including a moment
        that exists only in its own offset (0001-01-01T00:00+14:00 is before year 1 in UTC,
        which the database adapter cannot represent)."""
        day, _, rest = text.partition("~")
        moment, _, pk = rest.rpartition("~")
        try:
            taken_on = date.fromisoformat(day)
            taken_at = datetime.fromisoformat(moment.replace(" ", "+"))
            taken_at = taken_at if taken_at.tzinfo else timezone.make_aware(taken_at)
            taken_at.astimezone(UTC)
        except (ValueError, OverflowError) as error:
            raise BadCursorError(f"not a gallery position: {quoted(text)}") from error
        if not (CURSOR_ID.fullmatch(pk) and int(pk) <= MAX_ID):
            raise BadCursorError(f"not a gallery position: {quoted(text)}")
        return cls(taken_on, taken_at, int(pk))

    @classmethod
    def for_month(cls, year: str, month: str) -> "Cursor":
        """`?year=YYYY&month=M` of the gallery's month picker, as the position that shows that month
        first: its last day, inclusive (the day after it would not exist for December 9999)."""
        match = MONTH_JUMP.fullmatch(f"{year}-{month}")
        if not (match and 1 <= int(match["month"]) <= 12 and 1 <= int(match["year"]) <= 9999):
            raise BadCursorError(f"not a month: {quoted(year)}-{quoted(month)}")
        year, month = int(match["year"]), int(match["month"])
        return cls(date(year, month, calendar.monthrange(year, month)[1]), None, 0)

    def older(self) -> Q:
        """The photos after this position in the gallery's order. The redundant `taken_on <= day`
        gives the planner an index range to start from; with the OR alone, SQLite scans the index
        from the newest photo."""
        if self.taken_at is None:
            return Q(taken_on__lte=self.taken_on)
        return Q(taken_on__lte=self.taken_on) & (
            Q(taken_on__lt=self.taken_on) | Q(taken_on=self.taken_on, taken_at__lt=self.taken_at)
            | Q(taken_on=self.taken_on, taken_at=self.taken_at, id__lt=self.id)
        )

    def newer(self) -> Q:
        """The photos before this position (the mirror of `older`)."""
        return Q(taken_on__gte=self.taken_on) & (
            Q(taken_on__gt=self.taken_on) | Q(taken_on=self.taken_on, taken_at__gt=self.taken_at)
            | Q(taken_on=self.taken_on, taken_at=self.taken_at, id__gt=self.id)
        )


@dataclass(frozen=True)
class Page:
    photos: list
    next_cursor: Cursor | None

    def days(self):
        """[(date, [photos])] in display order; a day may continue on the next page."""
        return [(day, list(photos)) for day, photos in groupby(self.photos, key=lambda photo: photo.taken_on)]


def tiles_after(cursor: Cursor | None, tiles=None):
    """The gallery's tiles after `cursor` (from the newest when None), in its order: a walk of
    the partial index `photo_gallery_tile_idx`, whose condition and columns these are. `tiles`
    narrows the walk to a scope (an album's, a user's favourites)."""
    photos = (Photo.objects.gallery_tiles() if tiles is None else tiles).only(*TILE_FIELDS).order_by(*ORDER)
    return photos if cursor is None else photos.filter(cursor.older())


def page_after(cursor: Cursor | None, size: int, tiles=None) -> Page:
    """One page of tiles after `cursor` (from the newest when None) among `tiles` (all the
    gallery's when None): one query for the tiles, one for their partners."""
    rows = list(tiles_after(cursor, tiles)[: size + 1])
    if len(rows) <= size:
        return Page(with_partners(rows), None)
    return Page(with_partners(rows[:size]), Cursor.of(rows[size - 1]))


def with_partners(photos: list) -> list:
    """Gives each photo `tile_partners`: the files of its moment shown through it (in the library)."""
    by_face = {}
    if photos:
        partners = Photo.objects.in_library().filter(shown_with_id__in=[photo.pk for photo in photos])
        for partner in partners.only(*PARTNER_FIELDS).order_by("id"):
            by_face.setdefault(partner.shown_with_id, []).append(partner)
    for photo in photos:
        photo.tile_partners = by_face.get(photo.pk, [])
    return photos


# The months with photos, newest first, in one statement however long the library's history:
# from the newest day, each step is one index probe for the newest day before the start of the
# month just found (a skip scan), not a read of every row.
MONTH_START = {
    "sqlite": "date(%s, 'start of month')",
    "postgresql": "CAST(date_trunc('month', %s) AS date)",
}
# Spells out GALLERY_TILE (`trashed_at IS NULL AND shown_with_id IS NULL`), the condition of the
# index it probes: a month has photos when it has tiles (a moment's other files are on its face's).
NEWEST_DAY_SQL = ("SELECT taken_on FROM {table} WHERE trashed_at IS NULL AND shown_with_id IS NULL {before} "
                  "ORDER BY taken_on DESC LIMIT 1")
MONTHS_SQL = """
WITH RECURSIVE months(day) AS (
    SELECT ({first})
    UNION ALL
    SELECT ({next}) FROM months WHERE day IS NOT NULL
)
SELECT day FROM months WHERE day IS NOT NULL
"""


def months_sql() -> str:
    table = Photo._meta.db_table
    before = "AND taken_on < " + MONTH_START[connection.vendor] % "months.day"
    return MONTHS_SQL.format(first=NEWEST_DAY_SQL.format(table=table, before=""),
                             next=NEWEST_DAY_SQL.format(table=table, before=before))


def months_with_photos() -> list[tuple[int, int]]:
    """[(year, month)] that have photos outside the trash, newest first: the gallery's Jump-to."""
    with connection.cursor() as cursor:
        cursor.execute(months_sql())
        days = [row[0] for row in cursor.fetchall()]
    days = [day if isinstance(day, date) else date.fromisoformat(day) for day in days]
    return [(day.year, day.month) for day in days]


def older_neighbour(photo: Photo) -> Photo | None:
    page = page_after(Cursor.of(photo), 1)
    return page.photos[0] if page.photos else None


def newer_neighbour(photo: Photo) -> Photo | None:
    photos = Photo.objects.gallery_tiles().filter(Cursor.of(photo).newer())
    return photos.order_by("taken_on", "taken_at", "id").only(*TILE_FIELDS).first()
