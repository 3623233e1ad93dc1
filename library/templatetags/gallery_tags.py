"""The gallery's tiles, rendered in Python: a page has over a hundred of them, and formatting
each through a dozen template variables (with localisation) and URL reversals costs more than
the database query. Links are only *links*: nothing is generated while a page renders."""
from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from library.models import MediaKind
from thumbnails.links import embedded_video_url, playable_url, thumbnail_url

register = template.Library()

# Until a photo's dimensions are known, a tile takes the most common camera shape.
DEFAULT_SHAPE = (4, 3)

TILE_HTML = (
    '<a class="tile" href="{href}" data-id="{id}" data-kind="{kind}" '
    'data-name="{name}" data-time="{time}" data-preview="{preview}" data-original="{original}" '
    'data-play="{play}"{moment}{placeholder}><img src="{thumbnail}" '
    'loading="lazy" decoding="async" alt="{name}" width="{width}" height="{height}">{badge}</a>'
)
VIDEO_BADGE_HTML = '<span class="badge" aria-label="video">▶ {}</span>'
MOMENT_BADGE_HTML = '<span class="badge badge-moment" aria-label="{}">{}</span>'
MOMENT_BADGES = {"live": ("Live Photo", "LIVE"), "motion": ("motion photo", "MOTION"), "raw": ("RAW+JPEG", "RAW")}


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


class SiteLinks:
    """A tile's URLs on the site's own routes, for its users. A share link's page passes its own
    (library.views.share_links.ShareTileLinks): the same routes under the link, and no download
    where the link allows none."""

    def url(self, url: str) -> str:
        return url

    def original(self, photo) -> str:
        return reverse("original", args=[photo.pk])


SITE_LINKS = SiteLinks()


def moment_parts(photo, links=SITE_LINKS) -> tuple[str, str, str]:
    """(badge kind, motion source, raw download) of a tile; empty strings where it has none.
    `photo.tile_partners` (timeline.with_partners) holds the files of its moment shown through it."""
    tile_partners = getattr(photo, "tile_partners", ())
    if not (tile_partners or photo.has_embedded_video):
        return "", "", ""  # most tiles: nothing more to work out
    partners = {partner.kind: partner for partner in tile_partners}
    raw = partners.get(MediaKind.PHOTO)
    raw_original = links.original(raw) if raw else ""
    raw_download = f"{raw_original}?download=1" if raw_original else ""
    if MediaKind.VIDEO in partners:
        return "live", links.url(playable_url(partners[MediaKind.VIDEO])), raw_download
    if photo.has_embedded_video:
        return "motion", links.url(embedded_video_url(photo)), raw_download
    return ("raw" if raw else ""), "", raw_download


def moment_html(photo, links):
    """The tile's badge and data attributes for the viewer: a motion to play, a raw to download."""
    kind, motion, raw = moment_parts(photo, links)
    if not kind:
        return "", ""
    attributes = format_html(' data-moment="{}"', kind)
    if motion:
        attributes += format_html(' data-motion="{}"', motion)
    if raw:
        attributes += format_html(' data-raw="{}"', raw)
    return attributes, format_html(MOMENT_BADGE_HTML, *MOMENT_BADGES[kind])


def tile_fields(photo, base, placeholders, links):
    width, height = (photo.width, photo.height) if photo.width and photo.height else DEFAULT_SHAPE
    if photo.is_video:  # never a moment's face; what it needs is where it plays from
        moment, badge, play = "", format_html(VIDEO_BADGE_HTML, clock(photo.duration)), playable_url(photo)
    else:
        (moment, badge), play = moment_html(photo, links), ""
    return {
        "href": links.url(f"{base}{photo.pk}/"), "original": links.original(photo), "id": photo.pk,
        "kind": photo.kind, "name": photo.original_name, "time": f"{photo.taken_local:%H:%M}", "width": width,
        "height": height, "preview": links.url(thumbnail_url(photo, "preview")), "thumbnail": links.url(thumbnail_url(photo)),
        "badge": badge,
        "play": links.url(play) if play else "", "moment": moment,
        "placeholder": format_html(' data-placeholder="{}"', placeholders[photo.pk]) if photo.pk in placeholders else "",
    }


@register.simple_tag
def moment_of(photo):
    """For the photo page: (badge kind, motion source, raw download) of a photo with `tile_partners`."""
    return moment_parts(photo)


@register.simple_tag
def tiles(photos, placeholders, links=None):
    """The tiles of one day: each sized by its aspect ratio before its thumbnail arrives. The
    ratio is the image's width and height attributes, which gallery.js copies into the tile's
    style (a style attribute here would be refused by the Content-Security-Policy).
    `placeholders` are the page's ThumbHashes by photo id (thumbnails.placeholders.for_photos,
    asked once for the whole page). `links` are a share link's (SiteLinks for the site's own)."""
    base = reverse("photo", args=[0]).removesuffix("0/")
    links = links or SITE_LINKS
    return format_html_join("", TILE_HTML, (tile_fields(photo, base, placeholders, links) for photo in photos))
