"""What a thumbnail response says, in one place for the view and the fast path alike: its
Cache-Control, the If-None-Match rule, and the offer the view leaves for the
fast path.

Data flows one way. The view answers through Django, whose middleware adds its own headers; when
it served a cached thumbnail from local disk, it leaves an `Offer` in the request's ASGI scope.
`thumbnails.fast_path`, which wraps Django, takes the offer together with the headers Django
actually sent, and remembers both. A gallery page (the library's `gallery_page_served`) leaves a
`SessionOffer`, so that a new device's first screen is answered by the fast path too. So the
view never imports the fast path nor fills its tables, the fast path never imports the view,
and the headers a fast answer carries are Django's own."""
from dataclasses import dataclass

from django.conf import settings
from django.utils.http import parse_etags

from .specs import ThumbnailSpec

IMMUTABLE = "private, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"
NO_STORE = "no-store"
OFFER_SCOPE_KEY = "photosite.thumbnail_offer"
SESSION_OFFER_SCOPE_KEY = "photosite.thumbnail_session_offer"


def cache_control(asked_version: str | None, content_version: str) -> str:
    """Forever for the content-addressed URL (`?v=` of today's content), else revalidate."""
    return IMMUTABLE if asked_version == content_version else REVALIDATE


def etag_matches(etag: str, if_none_match: str) -> bool:
    """Whether an If-None-Match header names this entity tag (weakly compared, as RFC 9110 asks)."""
    return etag in {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}


@dataclass(frozen=True)
class Offer:
    """A thumbnail the view just served from local disk, and to whom: what the fast path needs
    to answer the same request itself (who may see it is still `photo_is_visible`'s to say)."""
    session_key: str | None
    is_staff: bool
    photo_id: int
    spec: ThumbnailSpec
    path: str
    etag: str
    content_type: str
    content_version: str
    in_trash: bool
    # Whether trashing the photo deletes this very file, in whichever process or machine trashes
    # it: true for the library's own storage on this machine, false for this machine's copy of a
    # remote store's thumbnail (thumbnails.local_cache), which outlives a trash elsewhere.
    deleted_on_trash: bool


@dataclass(frozen=True)
class SessionOffer:
    """A session Django just authenticated on a page whose thumbnails the browser asks for next."""
    session_key: str | None
    is_staff: bool


def leave_offer(request, offer: Offer):
    leave_in_scope(request, OFFER_SCOPE_KEY, offer)


def offer_session(sender, request, user, **kwargs):
    """Offers the fast path this logged-in request's session, from a gallery page (the library's
    `gallery_page_served`): a new device's (or a returning one's) first screen of thumbnails then
    comes from the fast path as soon as their files are known, instead of each going through
    Django until one of them has taught the fast path the session."""
    if user.is_authenticated and settings.PHOTOSITE_THUMBNAIL_FAST_PATH:
        leave_in_scope(request, SESSION_OFFER_SCOPE_KEY, SessionOffer(request.session.session_key, user.is_staff))


def leave_in_scope(request, key: str, offer):
    """Leaves an offer where the fast path, if it wraps this ASGI app, will find it; under WSGI
    (or the test client) there is no scope and nobody to take it."""
    scope = getattr(request, "scope", None)
    if scope is not None:
        scope[key] = offer
