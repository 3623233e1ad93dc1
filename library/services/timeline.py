"""The gallery's walk through the library, newest first, by keyset pagination on
(`taken_at`, `id`): each page starts strictly after the last tile of the previous one, so a page
deep in a 100,000-photo library costs what the first one does (no OFFSET), and a photo imported
meanwhile never shifts the pages. Served by the partial index `photo_gallery_tile_idx`.

A moment (a Live Photo, a RAW+JPEG pair) is one tile: its face. The files shown through it (the
motion, the raw) are left out by the index's condition and come back as the tiles' `partners`,
in one more indexed query per page."""
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby

from django.db.models import Q
from django.utils import timezone

from library.importing.dates import wall_clock_date
from library.models import Photo

# Only what a tile needs: rendering 100+ tiles must not drag along every column.
TILE_FIELDS = ("id", "sha256", "kind", "original_name", "width", "height", "duration", "taken_at", "mime_type",
               "embedded_video_offset")
PARTNER_FIELDS = ("id", "sha256", "kind", "format", "original_name", "duration", "mime_type", "shown_with_id")


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
    """The position after a tile: its taken_at and id. Written as `<ISO datetime>~<id>`."""

    taken_at: datetime
    id: int

    def __str__(self):
        return f"{self.taken_at.isoformat()}~{self.id}"

    @classmethod
    def from_string(cls, text: str) -> "Cursor":
        """The position `str()` wrote; anything else is a BadCursorError, including a moment
        that exists only in its own offset (0001-01-01T00:00+14:00 is before year 1 in UTC,
        which the database adapter cannot represent)."""
        moment, _, pk = text.rpartition("~")
        try:
            taken_at = datetime.fromisoformat(moment.replace(" ", "+"))
            taken_at = taken_at if taken_at.tzinfo else timezone.make_aware(taken_at)
            taken_at.astimezone(UTC)
        except (ValueError, OverflowError) as error:
            raise BadCursorError(f"not a gallery position: {quoted(text)}") from error
        if not (CURSOR_ID.fullmatch(pk) and int(pk) <= MAX_ID):
            raise BadCursorError(f"not a gallery position: {quoted(text)}")
        return cls(taken_at, int(pk))

    @classmethod
    def for_month(cls, year: str, month: str) -> "Cursor":
        """`?year=YYYY&month=M` of the gallery's month picker, as the position that shows that month first."""
        match = MONTH_JUMP.fullmatch(f"{year}-{month}")
        if not (match and 1 <= int(match["month"]) <= 12 and 1 <= int(match["year"]) < 9999):
            raise BadCursorError(f"not a month: {quoted(year)}-{quoted(month)}")
        return cls.start_of_month_after(int(match["year"]), int(match["month"]))

    @classmethod
    def start_of_month_after(cls, year: int, month: int) -> "Cursor":
        """A position just before the last moment of `year`-`month`: jumping there shows that month first."""
        zone = timezone.get_default_timezone()
        return cls(datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone), 0)


@dataclass(frozen=True)
class Page:
    photos: list
    next_cursor: Cursor | None

    def days(self):
        """[(date, [photos])] in display order; a day may continue on the next page."""
        return [(day, list(photos)) for day, photos in groupby(self.photos, key=lambda p: wall_clock_date(p.taken_at))]


def page_after(cursor: Cursor | None, size: int) -> Page:
    """One page of tiles after `cursor` (from the newest when None), in a single query."""
    photos = Photo.objects.gallery_tiles().only(*TILE_FIELDS).order_by("-taken_at", "-id")
    if cursor is not None:
        # The redundant `taken_at <= t` gives the planner an index range to start from; with the
        # OR alone, SQLite scans the index from the newest photo (20 ms, 90,000 photos deep).
        after = Q(taken_at__lt=cursor.taken_at) | Q(taken_at=cursor.taken_at, id__lt=cursor.id)
        photos = photos.filter(after, taken_at__lte=cursor.taken_at)
    rows = list(photos[: size + 1])
    if len(rows) <= size:
        return Page(with_partners(rows), None)
    last = rows[size - 1]
    return Page(with_partners(rows[:size]), Cursor(last.taken_at, last.id))


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


def year_range() -> tuple[int, int] | None:
    """(oldest year, newest year) with photos, read off both ends of the gallery index."""
    ordered = Photo.objects.gallery_tiles().order_by("-taken_at", "-id").values_list("taken_at", flat=True)
    newest = ordered.first()
    if newest is None:
        return None
    oldest = ordered.reverse().first()
    return timezone.localtime(oldest).year, timezone.localtime(newest).year


def older_neighbour(photo: Photo) -> Photo | None:
    page = page_after(Cursor(photo.taken_at, photo.pk), 1)
    return page.photos[0] if page.photos else None


def newer_neighbour(photo: Photo) -> Photo | None:
    newer = Q(taken_at__gt=photo.taken_at) | Q(taken_at=photo.taken_at, id__gt=photo.pk)
    photos = Photo.objects.gallery_tiles().filter(newer, taken_at__gte=photo.taken_at)
    return photos.order_by("taken_at", "id").only(*TILE_FIELDS).first()
