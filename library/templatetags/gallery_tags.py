"""The gallery's tiles, rendered in Python: a page has over a hundred of them, and formatting
each through a dozen template variables (with localisation) and URL reversals costs more than
the database query. What a tile carries is library.tile_records' to say; this only writes it."""
from django import template
from django.utils.html import format_html, format_html_join

from library.tile_records import clock, moment_parts

register = template.Library()

TILE_HTML = (
    '<a class="tile" href="{href}" data-id="{id}" data-kind="{kind}" '
    'data-name="{name}" data-time="{time}" data-preview="{preview}" data-original="{original}" '
    'data-play="{play}"{moment_attributes}><img src="{thumbnail}" '
    'loading="lazy" decoding="async" alt="{name}" width="{width}" height="{height}">{badge}</a>'
)
VIDEO_BADGE_HTML = '<span class="badge" aria-label="video">▶ {}</span>'
MOMENT_BADGE_HTML = '<span class="badge badge-moment" aria-label="{}">{}</span>'
MOMENT_BADGES = {"live": ("Live Photo", "LIVE"), "motion": ("motion photo", "MOTION"), "raw": ("RAW+JPEG", "RAW")}


register.filter("clock", clock)


def moment_html(record):
    """The tile's data attributes for the viewer (a motion to play, a raw to download) and its badge."""
    if not record["moment"]:
        return "", ""
    attributes = format_html(' data-moment="{}"', record["moment"])
    if record["motion"]:
        attributes += format_html(' data-motion="{}"', record["motion"])
    if record["raw"]:
        attributes += format_html(' data-raw="{}"', record["raw"])
    return attributes, format_html(MOMENT_BADGE_HTML, *MOMENT_BADGES[record["moment"]])


def tile_fields(record):
    if record["kind"] == "video":
        attributes, badge = "", format_html(VIDEO_BADGE_HTML, record["clock"])
    else:
        attributes, badge = moment_html(record)
    if record["placeholder"]:
        attributes = format_html('{} data-placeholder="{}"', attributes, record["placeholder"])
    return {**record, "moment_attributes": attributes, "badge": badge}


@register.simple_tag
def moment_of(photo):
    """For the photo page: (badge kind, motion source, raw download) of a photo with `tile_partners`."""
    return moment_parts(photo)


@register.simple_tag
def tiles(photos, records):
    """The tiles of one day: each sized by its aspect ratio before its thumbnail arrives. The
    ratio is the image's width and height attributes (a style attribute here would be refused by
    the Content-Security-Policy). `records` are the page's tile records by photo id, the very ones
    the page carries for the grid (views.gallery: made once for both)."""
    return format_html_join("", TILE_HTML, (tile_fields(records[photo.pk]) for photo in photos))
