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

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan
from django.http import QueryDict

from library.models import HOLDS_RAW, PARTNER, DayTiles, MediaKind, Photo, PhotoName

KIND_CHOICES = (("photo", "Photos"), ("video", "Videos"), ("live", "Live and motion photos"), ("raw", "RAW"))
KINDS = tuple(value for value, _ in KIND_CHOICES)
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# `date=` takes a year, a month or a day.
PERIOD = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?")
# Longer texts are no one's search; a name or place within them still matches.
MAX_TEXT = 100
# Up to this many files holding a name (library.photo_names counts them on the days searched), the
# page is chosen among all of them rather than by walking the gallery: reading and sorting them
# costs what their number does.
FEW_NAME_MATCHES = 10_000
# From this share of the gallery's tiles on the days that files holding a name are found on (a
# camera's numbering, IMG_09, holds nearly all of them), the planner is told nothing of the name
# (`untold`: it takes it to hold for half): within a factor of two of the truth from here up, where
# its own estimate is ten times too low. Below, for a name spread thinly over years, its own
# estimate is the closer one, and reading the matches through the trigram index the cheaper start.
DENSE_NAME_SHARE = 0.25
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
    queryset = queryset.filter(within(filters.first_day, filters.last_day))
    if filters.kind:
        queryset = queryset.filter(KIND_CONDITIONS[filters.kind]())
    if filters.camera:
        queryset = queryset.filter(held_in(("camera_model", "camera_make"), filters.camera))
    if filters.place:
        queryset = queryset.filter(held_in(("place_city", "place_region", "place_country"), filters.place))
    if filters.name:
        queryset = named(queryset, filters)
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
    """A name or a title containing `term` (`text_matches`), or, for a term of 6 or more hex digits,
    a hash starting with it (`hash_prefix_matches`)."""
    hashed = hash_prefix_matches(term)
    return text_matches(term) | hashed if hashed else text_matches(term)


def text_matches(term: str) -> Q:
    """A name or a title containing `term`: on PostgreSQL, trigram indexes of the photos
    (photo_name_trigram_idx, photo_title_trigram_idx) and of their narrow copy (library.photo_names)."""
    return Q(original_name__icontains=term) | Q(title__icontains=term)


def hash_prefix_matches(term: str) -> Q | None:
    """For a term of 6 or more hex digits, a hash starting with it: a range of the unique hash
    index (hashes are lower-case hex, so every hash with that prefix sorts between the prefix and
    the prefix + "g"); None for any other term."""
    prefix = term.lower()
    return Q(sha256__gte=prefix, sha256__lt=f"{prefix}g") if HASH_PREFIX.fullmatch(prefix) else None


@dataclass(frozen=True)
class NamedFiles:
    """How many files hold a term (at most: one matching by name and hash counts twice), the oldest
    and newest day among them, and on PostgreSQL, when they are few, the ids of those holding it in
    their name or title."""
    count: int
    first_day: date | None
    last_day: date | None
    ids: list[int] | None


def files_named(term: str, first_day: date | None, last_day: date | None) -> NamedFiles:
    """The files of the whole library (the trash and moments' partners too) holding `term` between
    `first_day` and `last_day` (None: no limit): one read of `copies_named`, and for a hash prefix
    one range of the hash index. A hundred thousand matches cost tens of milliseconds there, where
    reading them from the photo table costs as many wide rows."""
    summary = {"count": Count("pk"), "first_day": Min("taken_on"), "last_day": Max("taken_on")}
    copies = summary | ({"ids": few_ids()} if connection.vendor == "postgresql" else {})
    found = [copies_named(term, first_day, last_day).aggregate(**copies)]
    if hashed := hash_prefix_matches(term):
        found.append(Photo.objects.filter(hashed, within(first_day, last_day)).aggregate(**summary))
    firsts = [part["first_day"] for part in found if part["count"]]
    lasts = [part["last_day"] for part in found if part["count"]]
    return NamedFiles(sum(part["count"] for part in found), min(firsts, default=None), max(lasts, default=None),
                      found[0].get("ids"))


def few_ids():
    """The copies' photo ids, or NULL when there are more than FEW_NAME_MATCHES: the list is
    gathered in the database either way, but only a short one is sent."""
    return Case(When(GreaterThan(Count("pk"), FEW_NAME_MATCHES), then=Value(None)), default=ArrayAgg("photo_id"),
                output_field=ArrayField(BigIntegerField()))


def copies_named(term: str, first_day: date | None, last_day: date | None):
    """The narrow copies of names, titles and days (library.photo_names) holding `term` between
    `first_day` and `last_day`: read through their trigram indexes, and their index of days."""
    return PhotoName.objects.filter(text_matches(term), within(first_day, last_day))


def within(first_day: date | None, last_day: date | None) -> Q:
    """Taken between `first_day` and `last_day`, both included (None: no limit on that side)."""
    days = Q(taken_on__gte=first_day) if first_day else Q()
    return days & Q(taken_on__lte=last_day) if last_day else days


class AmongIds(Func):
    """`id = ANY(ARRAY(SELECT UNNEST(ids)))`: the ids, handed to the query as a subquery's result,
    which the planner cannot count (a literal list it counts, and with thousands it walks the
    gallery testing each tile against them, reading every tile between two)."""
    arg_joiner = " = ANY(ARRAY(SELECT UNNEST("
    template = "%(expressions)s)))"
    output_field = BooleanField()

    def __init__(self, ids: list[int]):
        super().__init__(F("pk"), Value(ids, output_field=ArrayField(BigIntegerField())))


def named(scope, filters: SearchFilters):
    """The files of `scope` whose name or title holds `filters.name` (`name_matches`), within the
    days that `files_named` finds them on. With few (PostgreSQL), the page is chosen among them:
    their ids, read with their count, then their tiles sorted, however thinly spread and old. An
    id array the planner cannot count is the one form it cannot turn back into a walk of the
    gallery testing each tile's name, which reads every tile between two matches. With many, that
    walk finds a page soonest, and the days bound it: it starts at the newest match, not today, so
    files that are all years old cost what new ones do, and it stops at the oldest. Where the name
    is dense on those days (`dense_on_their_days`), its test is one the planner cannot estimate
    (`untold`)."""
    term = filters.name
    found = files_named(term, filters.first_day, filters.last_day)
    if not found.count:
        return scope.none()
    if found.ids is not None:
        hashed = hash_prefix_matches(term)
        return scope.filter(Q(AmongIds(found.ids)) | hashed if hashed else Q(AmongIds(found.ids)))
    test = untold(name_matches(term)) if dense_on_their_days(found) else name_matches(term)
    return scope.filter(test, within(found.first_day, found.last_day))


def dense_on_their_days(found: NamedFiles) -> bool:
    """Whether the files holding a name are at least DENSE_NAME_SHARE of the gallery's tiles on the
    days between the oldest and newest of them (DayTiles: one read of a day per row)."""
    tiles = DayTiles.objects.filter(day__gte=found.first_day, day__lte=found.last_day).aggregate(tiles=Sum("tiles"))
    return found.count >= DENSE_NAME_SHARE * (tiles["tiles"] or 0)


def untold(condition: Q) -> Case:
    """`condition` as a CASE, which the planner takes to hold for half the rows. A name dense on
    the days it bounds holds for nearly all of them, but the planner multiplies its share of the
    whole library (a tenth, say) by the days' share, as if the two were unrelated: believing a
    hundredth of those days' tiles match, it reads every match through the trigram index to
    join them to the other filters (favourites: 100,000 rows for 2,000) rather than walk the
    gallery, or the other filter's own index, over those days, testing each tile's name."""
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


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
