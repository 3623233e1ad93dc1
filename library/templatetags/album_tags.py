"""Album cards and pages: a date span for people, a cover's thumbnail."""
from django import template
from django.utils.dateformat import format as format_date

from thumbnails.links import thumbnail_url

register = template.Library()


@register.filter
def day_span(first, last):
    """'12 May 2024', '12 – 14 May 2024', '30 April – 2 May 2024', '30 December 2023 – 2 January 2024'."""
    if first is None:
        return ""
    if first == last or last is None:
        return format_date(first, "j F Y")
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} – {format_date(last, 'j F Y')}"
    if first.year == last.year:
        return f"{format_date(first, 'j F')} – {format_date(last, 'j F Y')}"
    return f"{format_date(first, 'j F Y')} – {format_date(last, 'j F Y')}"


@register.simple_tag
def cover_url(photo):
    return thumbnail_url(photo)
