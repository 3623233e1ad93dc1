"""The photo list's date drill-down: Django's `date_hierarchy` tag with dates found by index
probes (library.admin_timeline) instead of `DISTINCT DATE_TRUNC(...)` over every photo."""
import datetime

from django import template
from django.utils import formats
from django.utils.text import capfirst

from library.admin_timeline import DRILLED_FIELD, days, months, years

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def photo_date_hierarchy(cl):
    photos = cl.root_queryset.order_by()
    year, month, day = (cl.params.get(f"{DRILLED_FIELD}__{part}") for part in ("year", "month", "day"))
    year, month, day = (int(value[-1] if isinstance(value, list) else value) if value else None
                        for value in (year, month, day))

    def link(**parts):
        return cl.get_query_string({f"{DRILLED_FIELD}__{part}": value for part, value in parts.items()},
                                   [f"{DRILLED_FIELD}__"])

    if year and month and day:
        shown = datetime.date(year, month, day)
        return {"show": True, "back": {"link": link(year=year, month=month), "title": _format(shown, "YEAR_MONTH")},
                "choices": [{"title": _format(shown, "MONTH_DAY")}]}
    if year and month:
        return {"show": True, "back": {"link": link(year=year), "title": str(year)},
                "choices": [{"link": link(year=year, month=month, day=found.day), "title": _format(found, "MONTH_DAY")}
                            for found in days(photos, year, month)]}
    if year:
        return {"show": True, "back": {"link": link(), "title": "All dates"},
                "choices": [{"link": link(year=year, month=found.month), "title": _format(found, "YEAR_MONTH")}
                            for found in months(photos, year)]}
    return {"show": True, "back": None,
            "choices": [{"link": link(year=found.year), "title": str(found.year)} for found in years(photos)]}


def _format(day, name):
    return capfirst(formats.date_format(day, f"{name}_FORMAT"))
