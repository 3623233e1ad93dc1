"""How many tiles each day of a scope has, for the whole library in one small answer: what the
gallery's grid lays itself out from (a section per day, sized by its count, and the scrubber's
years and months) before it has a single tile.

On the wire the days are one flat JSON array, newest first: the newest day as a day number
(days since 1970-01-01), its count, then for each older day the number of days back from the one
before and its count. A gap of a day or two and a count under a hundred cost a few characters, so
a library of decades stays a few tens of kilobytes. The answer is cached under the library's
version (library_version), which every import, trash, restore, redate and delete bumps."""
import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db import connection
from django.db.models import Count

from library.models import MOMENT_FACE, DayTiles, Photo
from library.services import library_version

EPOCH = date(1970, 1, 1)
# Long enough to outlive a browsing session; the version in the key is what makes it stale.
CACHE_SECONDS = 24 * 3600
# The whole library's days as the database keeps them (DayTiles), each as its day number: read
# as plain integers, a library of decades costs no date objects and no ORM rows to answer.
DAY_NUMBER = {
    "postgresql": "day - DATE '1970-01-01'",
    "sqlite": "CAST(julianday(day) - 2440587.5 AS INTEGER)",
}
KEPT_DAYS_SQL = f"SELECT {{number}}, tiles FROM {DayTiles._meta.db_table} WHERE tiles > 0 ORDER BY day DESC"


@dataclass(frozen=True)
class Summary:
    body: bytes  # the JSON answer
    etag: str    # quoted, as the ETag header carries it


def day_number(day: date) -> int:
    return (day - EPOCH).days


def day_counts(scope) -> list[tuple[int, int]]:
    """[(day number, tiles)] of `scope`, newest first. The whole library's are kept per day by
    the database (DayTiles); a narrower scope's are a GROUP BY over the partial index of the
    gallery's tiles, which holds the day as its first column."""
    if is_whole_library(scope):
        with connection.cursor() as cursor:
            cursor.execute(KEPT_DAYS_SQL.format(number=DAY_NUMBER[connection.vendor]))
            return cursor.fetchall()
    rows = scope.filter(MOMENT_FACE).order_by("-taken_on").values_list("taken_on").annotate(Count("id"))
    return [(day_number(day if isinstance(day, date) else date.fromisoformat(day)), count) for day, count in rows]


def is_whole_library(scope) -> bool:
    return str(scope.query) == whole_library_query()


@functools.cache
def whole_library_query() -> str:
    return str(Photo.objects.in_library().query)


def encode(days: list[tuple[int, int]]) -> list[int]:
    """The flat array described above."""
    numbers, before = [], None
    for number, count in days:
        numbers += (number if before is None else before - number, count)
        before = number
    return numbers


def summary_of(scope, cached=True) -> Summary:
    """The scope's summary, from the cache when the library has not changed since it was made.
    The key names the scope by its query, so a search caches apart from the library; a scope that
    changes without the library changing (an album, favourites: `cached=False`) is counted anew."""
    version = library_version.current() if cached else None
    if version is None:
        return summary_made(scope)
    query = str(scope.filter(MOMENT_FACE).query).encode()
    key = f"photosite:day-summary:{version}:{hashlib.sha256(query).hexdigest()}"
    if (summary := cache.get(key)) is None:
        summary = summary_made(scope)
        cache.set(key, summary, CACHE_SECONDS)
    return summary


def summary_made(scope) -> Summary:
    days = day_counts(scope)
    body = json.dumps({"days": encode(days), "tiles": sum(count for _, count in days)}, separators=(",", ":")).encode()
    return Summary(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
