"""Search: the filters a person combines, written in the gallery's address so that a search can be
bookmarked and shared (`/?since=2019-06-01&until=2019-08-31&kind=video&camera=iPhone+12&place=Arezzo`).

`SearchFilters.from_query` reads them from a query string and refuses what it did not write
(`BadFilterError`, a 400 with a short reason); `matching` narrows a queryset of tiles to them.
Every filter is one condition on the photo's own row (or an EXISTS on its partners), so the
gallery's keyset walk stays what it is: the timeline pages through the result the way it pages
through the whole library. A camera or a place is one column's value (`held_in`), whose index of
tiles is already in display order; a date range is a range of the gallery's own index."""
import re
from dataclasses import dataclass, fields
from datetime import date
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, Subquery
from django.http import QueryDict

from library.models import HOLDS_RAW, PARTNER, MediaKind, Photo
from library.planner import planned_rows

KIND_CHOICES = (("photo", "Photos"), ("video", "Videos"), ("live", "Live and motion photos"), ("raw", "RAW"))
KINDS = tuple(value for value, _ in KIND_CHOICES)
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# `date=` takes a year, a month or a day.
PERIOD = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?")
# Longer texts are no one's search; a name or place within them still matches.
MAX_TEXT = 100
# Up to this many files matching a name (PostgreSQL's estimate), the page is chosen among all of
# them rather than by walking the gallery: reading and sorting them costs what their number does.
FEW_NAME_MATCHES = 10_000
# A search term that may be the start of a file's SHA-256 (as `checklibrary` and logs print it).
HASH_PREFIX = re.compile(r"[0-9a-f]{6,64}")


class BadFilterError(ValueError):
    """A search parameter we did not write: its reason names the parameter and what it takes."""


@dataclass(frozen=True)
class SearchFilters:
    first_day: date | None = None
    last_day: date | None = None
    kind: str = ""
    camera: str = ""
    place: str = ""
    name: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> "SearchFilters":
        first_day, last_day = period(query.get("date", ""))
        first_day = day_of(query, "since") or first_day
        last_day = day_of(query, "until") or last_day
        if first_day and last_day and first_day > last_day:
            raise BadFilterError("since must not be after until")
        kind = query.get("kind", "")
        if kind and kind not in KINDS:
            raise BadFilterError(f"kind must be one of {', '.join(KINDS)}")
        return cls(first_day, last_day, kind, text_of(query, "camera"), text_of(query, "place"), text_of(query, "name"))

    def __bool__(self):
        return any(getattr(self, field.name) for field in fields(self))

    def query_string(self) -> str:
        """The filters as the address writes them (empty ones left out)."""
        query = QueryDict(mutable=True)
        for parameter, value in (("since", self.first_day), ("until", self.last_day), ("kind", self.kind),
                                 ("camera", self.camera), ("place", self.place), ("name", self.name)):
            if value:
                query[parameter] = str(value)
        return query.urlencode()


def period(text: str) -> tuple[date | None, date | None]:
    """The first and last day of `date=YYYY`, `YYYY-MM` or `YYYY-MM-DD`."""
    if not text:
        return None, None
    match = PERIOD.fullmatch(text)
    try:
        if not match:
            raise ValueError
        year, month, day = int(match["year"]), int(match["month"] or 0), int(match["day"] or 0)
        if day:
            return date(year, month, day), date(year, month, day)
        if month:
            next_month = date(year + month // 12, month % 12 + 1, 1) if (year, month) != (9999, 12) else None
            return date(year, month, 1), date.fromordinal(next_month.toordinal() - 1) if next_month else date.max
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        raise BadFilterError("date must be a year (2019), a month (2019-06) or a day (2019-06-14)") from None


def day_of(query: QueryDict, parameter: str) -> date | None:
    text = query.get(parameter, "")
    if not text:
        return None
    try:
        if not DAY.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise BadFilterError(f"{parameter} must be a day, YYYY-MM-DD") from None


def text_of(query: QueryDict, parameter: str) -> str:
    text = query.get(parameter, "").strip()
    if len(text) > MAX_TEXT or "\x00" in text:
        raise BadFilterError(f"{parameter} must be at most {MAX_TEXT} characters")
    return text


def matching(queryset, filters: SearchFilters):
    """`queryset` (of tiles) narrowed to `filters`."""
    if filters.first_day:
        queryset = queryset.filter(taken_on__gte=filters.first_day)
    if filters.last_day:
        queryset = queryset.filter(taken_on__lte=filters.last_day)
    if filters.kind:
        queryset = queryset.filter(KIND_CONDITIONS[filters.kind]())
    if filters.camera:
        queryset = queryset.filter(held_in(("camera_model", "camera_make"), filters.camera))
    if filters.place:
        queryset = queryset.filter(held_in(("place_city", "place_region", "place_country"), filters.place))
    if filters.name:
        queryset = named(queryset, filters.name)
    return queryset


def held_in(columns, value: str) -> Q:
    """`value` in any of `columns`, narrowed first to the columns some tile holds it in. With one
    left, the page is a walk of that column's index of tiles, already in display order, however
    rare the value or long ago; with an OR of them all, the planner, guessing the value is spread
    evenly through time, walks the whole gallery from today back to a camera retired years ago."""
    return reduce(or_, (Q(**{column: value}) for column in columns if newest_tile_with(column, value)), Q(pk__in=[]))


def newest_tile_with(column: str, value: str) -> list:
    """[the id of the newest tile whose `column` is `value`] or []: asked in the gallery's order so
    that it is one probe of the column's index of tiles (unordered, the planner reads the table
    until it meets one, which for a value it thinks common may be to the end)."""
    tiles = Photo.objects.gallery_tiles().filter(**{column: value})
    return list(tiles.order_by("-taken_on", "-taken_at", "-id").values_list("pk", flat=True)[:1])


def partners(condition: Q):
    """Whether a tile shows a partner (a Live Photo's motion) matching `condition`: an EXISTS that
    the planner reads once, from the partial index of such partners (photo_motion_partner_idx),
    as a hash of their faces."""
    return Exists(Photo.objects.filter(PARTNER & condition, shown_with=OuterRef("pk")))


KIND_CONDITIONS = {
    "photo": lambda: Q(kind=MediaKind.PHOTO),
    "video": lambda: Q(kind=MediaKind.VIDEO),
    # Live Photos (a still shown with its motion) and motion photos (the video inside the file)
    "live": lambda: Q(embedded_video_offset__isnull=False) | Q(partners(Q(kind=MediaKind.VIDEO))),
    # a raw alone, or a JPEG shown with its raw: photo_raw_tile_idx lists them in display order
    "raw": lambda: HOLDS_RAW,
}


def name_matches(term: str) -> Q:
    """A name or a title containing `term` (photo_name_trigram_idx and photo_title_trigram_idx on
    PostgreSQL), or, for a term of 6 or more hex digits, a hash starting with it: a range of the
    unique hash index (hashes are lower-case hex, so every hash with that prefix sorts between the
    prefix and the prefix + "g")."""
    match = Q(original_name__icontains=term) | Q(title__icontains=term)
    prefix = term.lower()
    return match | Q(sha256__gte=prefix, sha256__lt=f"{prefix}g") if HASH_PREFIX.fullmatch(prefix) else match


class AmongIds(Func):
    """`id = ANY(ARRAY(subquery))`: the subquery's ids, read once before the query that uses them."""
    arg_joiner = " = ANY(ARRAY("
    template = "%(expressions)s))"
    output_field = BooleanField()

    def __init__(self, queryset):
        super().__init__(F("pk"), Subquery(queryset.order_by().values("pk")))


def named(scope, term: str):
    """The files of `scope` whose name or title holds `term` (`name_matches`), read as a list of
    their ids first when PostgreSQL expects few. Otherwise the planner walks the gallery's index
    testing each tile's name, assuming matches spread evenly through time: for a term whose files
    are all months old, or absent from the period searched, that walk reads every tile in
    between. Read through the trigram indexes, the few matches are then sorted, whatever their
    age. An id array is the one form the planner cannot turn back into the walk; with many
    matches, the walk finds a page soonest."""
    matches = scope.filter(name_matches(term))
    if connection.vendor != "postgresql" or planned_rows(matches) > FEW_NAME_MATCHES:
        return matches
    return scope.filter(AmongIds(matches))


# Each camera model seen, in order: one probe of photo_camera_timeline_idx per model (a loose
# index scan), where `SELECT DISTINCT` would read every photo.
CAMERA_MODELS_SQL = f"""
    WITH RECURSIVE seen(name) AS (
        SELECT MIN(camera_model) FROM {Photo._meta.db_table} WHERE camera_model > ''
        UNION ALL
        SELECT (SELECT MIN(camera_model) FROM {Photo._meta.db_table} WHERE camera_model > seen.name)
        FROM seen WHERE seen.name IS NOT NULL
    ) SELECT name FROM seen WHERE name IS NOT NULL"""


def camera_models() -> list[str]:
    """The camera models the library holds, in order (the search's list and the admin's filter)."""
    with connection.cursor() as cursor:
        cursor.execute(CAMERA_MODELS_SQL)
        return [name for (name,) in cursor.fetchall()]
