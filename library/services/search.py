"""Search: the filters a person combines, written in the gallery's address so that a search can be
bookmarked and shared (`/?from=2019-06-01&to=2019-08-31&kind=video&camera=iPhone+12&place=Arezzo`).

`SearchFilters.from_query` reads them from a query string and refuses what it did not write
(`BadFilterError`, a 400 with a short reason); `matching` narrows a queryset of tiles to them.
Every filter is one condition on the photo's own row (or an indexed EXISTS on its partners), so
the gallery's keyset walk stays what it is: the timeline pages through the result the way it
pages through the whole library."""
import re
from dataclasses import dataclass, fields
from datetime import date

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict

from library.media.raw_families import RAW_EXTENSIONS
from library.models import MediaKind, Photo

KINDS = ("photo", "video", "live", "raw")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# `date=` takes a year, a month or a day.
PERIOD = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?")
# Longer texts are no one's search; a name or place within them still matches.
MAX_TEXT = 100
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
        first_day = day_of(query, "from") or first_day
        last_day = day_of(query, "to") or last_day
        if first_day and last_day and first_day > last_day:
            raise BadFilterError("from must not be after to")
        kind = query.get("kind", "")
        if kind and kind not in KINDS:
            raise BadFilterError(f"kind must be one of {', '.join(KINDS)}")
        return cls(first_day, last_day, kind, text_of(query, "camera"), text_of(query, "place"), text_of(query, "name"))

    def __bool__(self):
        return any(getattr(self, field.name) for field in fields(self))

    def query_string(self) -> str:
        """The filters as the address writes them (empty ones left out)."""
        query = QueryDict(mutable=True)
        for parameter, value in (("from", self.first_day), ("to", self.last_day), ("kind", self.kind),
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
        queryset = queryset.filter(Q(camera_model=filters.camera) | Q(camera_make=filters.camera))
    if filters.place:
        queryset = queryset.filter(
            Q(place_city=filters.place) | Q(place_region=filters.place) | Q(place_country=filters.place))
    if filters.name:
        queryset = queryset.filter(name_matches(filters.name))
    return queryset


def partners(**conditions):
    """Whether a tile shows a partner (a Live Photo's motion, a raw) matching `conditions`:
    an EXISTS on the partner index."""
    return Exists(Photo.objects.filter(shown_with=OuterRef("pk"), **conditions))


KIND_CONDITIONS = {
    "photo": lambda: Q(kind=MediaKind.PHOTO),
    "video": lambda: Q(kind=MediaKind.VIDEO),
    # Live Photos (a still shown with its motion) and motion photos (the video inside the file)
    "live": lambda: Q(embedded_video_offset__isnull=False) | Q(partners(kind=MediaKind.VIDEO)),
    # a raw alone, or a JPEG shown with its raw
    "raw": lambda: Q(format__in=RAW_EXTENSIONS) | Q(partners(format__in=RAW_EXTENSIONS)),
}


def name_matches(term: str) -> Q:
    """A name or a title containing `term` (photo_name_trigram_idx and photo_title_trigram_idx on
    PostgreSQL), or, for a term of 6 or more hex digits, a hash starting with it: a range of the
    unique hash index (hashes are lower-case hex, so every hash with that prefix sorts between the
    prefix and the prefix + "g")."""
    match = Q(original_name__icontains=term) | Q(title__icontains=term)
    prefix = term.lower()
    return match | Q(sha256__gte=prefix, sha256__lt=f"{prefix}g") if HASH_PREFIX.fullmatch(prefix) else match


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
