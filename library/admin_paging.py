"""Admin lists that stay fast at a million rows: a count that never counts a whole table, and
pages near either end that never skip far.

Django's admin paginator runs `SELECT COUNT(*)` over the filtered list on every page, and its
page N reads and throws away (N-1) × 50 rows. At a million photos each is a second. Here the
count stops at `EXACT_UP_TO` rows (it walks the same index as the page); beyond that it is
PostgreSQL's planner estimate of the filtered list (an `EXPLAIN`, no rows read), shown as
"about". SQLite has no estimate to give: there the count is exact (its libraries are small).
With an estimated count, a page in the back half is read from the end in reverse order, so the
last page costs what the first does."""
from django.contrib.admin import ShowFacets
from django.core.paginator import Page, Paginator
from django.db import connections
from django.utils.functional import cached_property

from library.planner import planned_rows

# Up to this many rows a list's count is exact; above, it is the planner's estimate.
EXACT_UP_TO = 1000


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self):
        counted = self.object_list[:EXACT_UP_TO + 1].count()
        if counted <= EXACT_UP_TO:
            return counted
        return max(planned_rows(self.object_list), counted) if self.can_estimate else self.object_list.count()

    @cached_property
    def can_estimate(self):
        return connections[self.object_list.db].vendor == "postgresql"

    @property
    def is_estimated(self):
        return self.count > EXACT_UP_TO and self.can_estimate

    def page(self, number):
        """Pages in the back half of an estimated list come from its end, read backwards."""
        number = self.validate_number(number)
        if not self.is_estimated or number <= (self.num_pages + 1) // 2:
            return super().page(number)
        after = self.count - number * self.per_page  # rows after this page, counted from the end
        rows = list(self.object_list.reverse()[max(after, 0):after + self.per_page])
        return Page(rows[::-1], number, self)


class EstimatedPaging:
    """Mixed into a ModelAdmin whose table grows with the library: estimated counts, and no
    count per filter value (facets), which would be a scan per value."""

    paginator = EstimatedCountPaginator
    show_facets = ShowFacets.NEVER
    show_full_result_count = False
