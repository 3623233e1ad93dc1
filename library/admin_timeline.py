"""The photo list's order, sorting and date drill-down, each served by an index at a million rows.

- Sorting by a column orders by that column, then by the timeline (newest first), the whole list
  reversed when the column is sorted descending: one index `(column, -taken_at, -id)` serves both
  directions. Only the first sort column counts (a second one would need a sort of every row).
- The date drill-down lists years, months or days with one index probe each (a loose index scan on
  `photo_taken_on_idx`) instead of Django's `DISTINCT DATE_TRUNC(...)` over every row; it lists the
  dates of the whole library, not narrowed by the other filters (each probe stays one probe).
- A list drilled down to a year, month or day is in the gallery's order (days on the camera's
  clock, then the instant), which `photo_taken_on_idx` holds: the page and its count walk that
  one range of the index (ordered by the instant, a year of photos would be read and sorted)."""
import calendar
import datetime

from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import Min

from .admin_paging import EstimatedPaging

TIMELINE = ("-taken_at", "-id")
DRILLED_FIELD = "taken_on"
DAY_ORDER = ("-taken_on", "-taken_at", "-id")


class TimelineChangeList(ChangeList):
    def get_ordering_field_columns(self):
        chosen = self.sorted_column()
        return {} if chosen is None else {chosen[0]: chosen[1]}

    def get_ordering(self, request, queryset):
        chosen = self.sorted_column()
        if chosen is None:
            return list(DAY_ORDER if f"{DRILLED_FIELD}__year" in self.params else TIMELINE)
        field = self.get_ordering_field(self.list_display[chosen[0]])
        return column_then_timeline(field if chosen[1] == "asc" else f"-{field}")

    def sorted_column(self) -> tuple[int, str] | None:
        """(index in list_display, "asc" or "desc") of the first sort column asked for, if sortable
        (Django's own would sort by a column left out of `sortable_by` too)."""
        first = self.params.get(ORDER_VAR, "").split(".")[0]
        _, minus, index = first.rpartition("-")
        if not index.isdigit() or int(index) >= len(self.list_display):
            return None
        name = self.list_display[int(index)]
        if name not in self.sortable_by or not isinstance(self.get_ordering_field(name), str):
            return None
        return int(index), "desc" if minus else "asc"


class TimelinePaging(EstimatedPaging):
    """Mixed into the photo ModelAdmin: the list above, with estimated counts."""

    def get_changelist(self, request, **kwargs):
        return TimelineChangeList


def column_then_timeline(first: str) -> list[str]:
    """`name` → name, -taken_at, -id; `-name` → -name, taken_at, id (the same list reversed)."""
    field = first.lstrip("-")
    ascending = [flip(part) for part in TIMELINE] if f"-{field}" in TIMELINE else [field, *TIMELINE]
    return [flip(part) for part in ascending] if first.startswith("-") else ascending


def flip(part: str) -> str:
    return part[1:] if part.startswith("-") else f"-{part}"


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
