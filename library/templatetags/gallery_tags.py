"""The gallery's tiles, rendered in Python: a page has over a hundred of them, and formatting
each through a dozen template variables (with localisation) and URL reversals costs more than
the database query. Links are only *links*: nothing is generated while a page renders."""
from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from thumbnails.links import playable_url, thumbnail_url

register = template.Library()

# Until a photo's dimensions are known, a tile takes the most common camera shape.
DEFAULT_SHAPE = (4, 3)

TILE_HTML = (
    '<a class="tile" href="{base}{id}/" data-id="{id}" data-kind="{kind}" '
    'data-name="{name}" data-time="{time}" data-preview="{preview}" data-original="{base}{id}/original" data-play="{play}"><img src="{thumbnail}" '
    'loading="lazy" decoding="async" alt="{name}" width="{width}" height="{height}">{badge}</a>'
)
VIDEO_BADGE_HTML = '<span class="badge" aria-label="video">▶ {}</span>'


@register.filter
def clock(seconds):
    """A video's duration as a player shows it: 0:07, 3:25, 1:02:03; under a second in tenths
    (0:00.4), never 0:00."""
    if seconds is None:
        return ""
    if seconds < 0.95:
        return f"0:00.{max(1, round(seconds * 10))}"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def tile_fields(photo, base):
    width, height = (photo.width, photo.height) if photo.width and photo.height else DEFAULT_SHAPE
    badge = format_html(VIDEO_BADGE_HTML, clock(photo.duration)) if photo.is_video else ""
    return {
        "base": base, "id": photo.pk, "kind": photo.kind, "name": photo.original_name,
        "time": f"{photo.taken_local:%H:%M}", "width": width,
        "height": height, "preview": thumbnail_url(photo, "preview"), "thumbnail": thumbnail_url(photo), "badge": badge,
        "play": playable_url(photo) if photo.is_video else "",
    }


@register.simple_tag
def tiles(photos):
    """The tiles of one day: each sized by its aspect ratio before its thumbnail arrives. The
    ratio is the image's width and height attributes, which gallery.js copies into the tile's
    style (a style attribute here would be refused by the Content-Security-Policy)."""
    base = reverse("photo", args=[0]).removesuffix("0/")
    return format_html_join("", TILE_HTML, (tile_fields(photo, base) for photo in photos))
