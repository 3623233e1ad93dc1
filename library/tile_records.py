"""What the gallery knows of one tile, as plain values: the server-rendered page writes it into a
tile's data attributes (templatetags/gallery_tags.py) and the timeline API sends it as JSON, so the
two can never disagree. Links are only *links*: nothing is generated while tiles are listed."""
from library.models import MediaKind
from photosite.id_routes import id_route
from thumbnails.links import embedded_video_url, playable_url, thumbnail_url

# Until a photo's dimensions are known, a tile takes the most common camera shape.
DEFAULT_SHAPE = (4, 3)


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
    """A tile's URLs on the site's own routes, for its users. A share link passes its own
    (library.views.share_links.ShareTileLinks): the same routes under the link, and no original
    where the link offers none."""

    def url(self, url: str) -> str:
        return url

    def original(self, photo) -> str:
        return id_route("original", photo.pk)


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


def photo_base() -> str:
    """`/photo/` as the URLconf spells it: a tile's page is `<base><id>/`, its original `<base><id>/original`."""
    return id_route("photo", 0).removesuffix("0/")


def tile_record(photo, base: str, placeholder: str | None = None, links=SITE_LINKS) -> dict:
    """The tile of `photo` (with `tile_partners`): what the grid lays out and the viewer shows.
    `placeholder` is the photo's ThumbHash (base64) when its renditions have one; `favourite` is
    unknown (None) unless a page that knows its user marks it (views.gallery.mark_favourites).
    `links` say where its files are: the site's routes, or a share link's (whose `original` is ""
    where the link offers no download)."""
    width, height = (photo.width, photo.height) if photo.width and photo.height else DEFAULT_SHAPE
    moment, motion, raw = ("", "", "") if photo.is_video else moment_parts(photo, links)
    return {
        "id": photo.pk, "kind": photo.kind, "name": photo.original_name, "time": f"{photo.taken_local:%H:%M}",
        "day": photo.taken_on.isoformat(), "width": width, "height": height,
        "clock": clock(photo.duration) if photo.is_video else "",
        "href": links.url(f"{base}{photo.pk}/"),
        "thumbnail": links.url(thumbnail_url(photo)), "preview": links.url(thumbnail_url(photo, "preview")),
        "original": links.original(photo), "play": links.url(playable_url(photo)) if photo.is_video else "",
        "moment": moment, "motion": motion, "raw": raw,
        "placeholder": placeholder, "favourite": None,
    }
