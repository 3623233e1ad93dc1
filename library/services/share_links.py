"""Share links: an album shown to anyone who has the link, without an account.

The album's owner (or staff) makes a link, with an optional last day, an optional password,
downloads allowed or not and the photos' location kept or removed; anyone of them may revoke it.
The link carries a random token (`secrets.token_urlsafe`, 256 bits); only its SHA-256 is kept,
so the database alone opens nothing.

`share_scope(link)` is the one rule of what a link shows: the album's photos outside the trash,
with the files of their moments (a Live Photo's motion, a raw). Every view under `/s/<token>/`
asks it, so a photo outside it is a 404 whatever URL is guessed."""
import hashlib
import hmac
import secrets
from datetime import date, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from library.curation.albums import AlbumAccess, AlbumInputError, AlbumPermissionError, album_for
from library.models import AlbumPhoto, Photo, ShareLink
from library.services.zip_download import may_clean_location

TOKEN_BYTES = 32
# A link's use is written at most this often: a page asks for dozens of thumbnails at once.
USE_RECORDED_EVERY = timedelta(minutes=1)
MAX_PASSWORD = 200


class ShareLinkNotFoundError(LookupError):
    """No such link among those this user may manage."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(user, album_id, *, expires_on: date | None = None, password: str = "", allow_download=False,
                keep_location=False) -> tuple[ShareLink, str]:
    """A new link to the album (its owner's or, for staff, any); returns it and its token, which
    is shown this once and never kept."""
    album = album_for(user, album_id)
    if album.access < AlbumAccess.OWN and not user.is_staff:
        raise AlbumPermissionError("only the album's owner may make links to it")
    if expires_on is not None and expires_on < timezone.localdate():
        raise AlbumInputError("the link's last day is in the past")
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        raise AlbumInputError(f"a password of at most {MAX_PASSWORD} characters, please")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink.objects.create(
        album=album, created_by=user, token_sha256=token_digest(token), expires_on=expires_on,
        password=make_password(password) if password else "", allow_download=bool(allow_download),
        keep_location=bool(keep_location))
    return link, token


def links_for(user):
    """The links `user` manages: those to their albums and those they made; staff, every link."""
    links = ShareLink.objects.select_related("album", "created_by")
    return links if user.is_staff else links.filter(Q(album__owner=user) | Q(created_by=user))


def revoke(user, link_id) -> ShareLink:
    link = links_for(user).filter(pk=link_id).first()
    if link is None:
        raise ShareLinkNotFoundError("no such link")
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def link_for_token(token: str) -> ShareLink | None:
    """The link this token opens, revoked or expired included (`is_open` tells), or None. The row
    is found by the token's digest; the digests are compared again in constant time, so that how
    long an answer takes says nothing of how close a guess came."""
    digest = token_digest(token)
    link = ShareLink.objects.select_related("album").filter(token_sha256=digest).first()
    if link is None or not hmac.compare_digest(link.token_sha256, digest):
        return None
    return link


def is_open(link: ShareLink) -> bool:
    """Not revoked, and not past its last day."""
    return link.revoked_at is None and (link.expires_on is None or timezone.localdate() <= link.expires_on)


def password_matches(link: ShareLink, password) -> bool:
    return isinstance(password, str) and check_password(password, link.password)


def share_scope(link: ShareLink):
    """What the link shows: the album's photos outside the trash, and the files of their moments
    (shown through them). Tiles are the `MOMENT_FACE` of these."""
    entries = AlbumPhoto.objects.filter(album_id=link.album_id)
    return Photo.objects.in_library().filter(
        Exists(entries.filter(photo=OuterRef("pk"))) | Exists(entries.filter(photo=OuterRef("shown_with"))))


def has_location(photo: Photo) -> bool:
    return photo.latitude is not None or photo.longitude is not None


def may_download(link: ShareLink, photo: Photo) -> bool:
    """Its original may be downloaded through the link: downloads are allowed, and the file
    carries no location the link removes, or is of a kind it can be taken out of
    (zip_download.location_free sends it so)."""
    return link.allow_download and (may_send_original(link, photo) or may_clean_location(photo))


def may_send_original(link: ShareLink, photo: Photo) -> bool:
    """Its original file may leave through the link at all (a video played as it is included)."""
    return link.keep_location or not has_location(photo)


def record_use(link: ShareLink):
    """Stamps the link's last use, at most once a minute."""
    now = timezone.now()
    if link.last_used_at is None or now - link.last_used_at >= USE_RECORDED_EVERY:
        ShareLink.objects.filter(pk=link.pk).update(last_used_at=now)
        link.last_used_at = now
