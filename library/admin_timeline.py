"""The photo list's order, sorting and date drill-down, each served by an index at a million rows.

- Sorting by a column orders by that column, then by the timeline (newest first), the whole list
  reversed when the column is sorted descending: one index `(column, -taken_at, -id)` serves both
  directions. Only the first sort column counts (a second one would need a sort of every row).
- The date drill-down lists years, months or days with one index probe each (a loose index scan on
  `photo_taken_on_idx`) instead of Django's `DISTINCT DATE_TRUNC(...)` over every row; it lists the
  dates of the whole library, not narrowed by the other filters (each probe stays one probe).
- A drill-down to a day, month or year also bounds `taken_at` (a day either side of the wall
  clock's dates covers every UTC offset), so the timeline index finds the page at once."""
import calendar
import datetime

from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import Min

from .admin_paging import EstimatedPaging

TIMELINE = ("-taken_at", "-id")
DRILLED_FIELD = "taken_on"
# More than any UTC offset (±14 h): what separates a wall-clock date from the instant's.
ANY_OFFSET = datetime.timedelta(days=1)


class TimelineChangeList(ChangeList):
    def get_ordering_field_columns(self):
        columns = super().get_ordering_field_columns()
        return dict(list(columns.items())[:1]) if ORDER_VAR in self.params else columns

    def get_ordering(self, request, queryset):
        ordering = super().get_ordering(request, queryset)
        if ORDER_VAR not in self.params or not isinstance(ordering[0], str):
            return ordering
        return column_then_timeline(ordering[0])

    def get_filters(self, request):
        specs, has_filters, lookups, duplicates, active = super().get_filters(request)
        since, until = lookups.get(f"{DRILLED_FIELD}__gte"), lookups.get(f"{DRILLED_FIELD}__lt")
        if since and until:
            lookups["taken_at__gte"] = [instant(since[-1]) - ANY_OFFSET]
            lookups["taken_at__lt"] = [instant(until[-1]) + ANY_OFFSET]
        return specs, has_filters, lookups, duplicates, active


class TimelinePaging(EstimatedPaging):
    """Mixed into the photo ModelAdmin: the list above, with estimated counts."""

    def get_changelist(self, request, **kwargs):
        return TimelineChangeList


def column_then_timeline(first: str) -> list[str]:
    """`name` → name, -taken_at, -id; `-name` → -name, taken_at, id (the same list reversed)."""
    field = first.lstrip("-")
    ascending = [field.lstrip("-") for field in reversed(TIMELINE)] if f"-{field}" in TIMELINE else [
        field, *TIMELINE]
    return [flip(part) for part in ascending] if first.startswith("-") else ascending


def flip(part: str) -> str:
    return part[1:] if part.startswith("-") else f"-{part}"


def instant(day) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


# -- The drill-down's dates -------------------------------------------------------------------------

def first_days(photos, since: datetime.date, until: datetime.date | None, next_period) -> list[datetime.date]:
    """The first day with a photo of each period (year, month or day) from `since` to `until`:
    one `MIN(taken_on)` probe of the index per period found, however many rows each holds."""
    found = []
    bound = since
    while until is None or bound < until:
        window = photos.filter(taken_on__gte=bound, **({"taken_on__lt": until} if until else {}))
        first = window.aggregate(first=Min(DRILLED_FIELD))["first"]
        if first is None:
            break
        found.append(first)
        bound = next_period(first)
    return found


def next_year(day):
    return datetime.date(day.year + 1, 1, 1)


def next_month(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1]) + datetime.timedelta(days=1)


def next_day(day):
    return day + datetime.timedelta(days=1)


def years(photos):
    return first_days(photos, datetime.date.min, None, next_year)


def months(photos, year: int):
    return first_days(photos, datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1), next_month)


def days(photos, year: int, month: int):
    start = datetime.date(year, month, 1)
    return first_days(photos, start, next_month(start), next_day)
