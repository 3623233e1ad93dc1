"""Cache hits of `GET /api/photo/<id>/thumbnail` answered before Django: a small ASGI middleware
in front of the site (photosite/asgi.py).

A gallery page asks for 60–120 thumbnails at once, and through Django each costs the whole
middleware stack, a session read and a user read from the database, and thread hops: about 20
times what sending the same bytes as a static file costs. The thumbnail itself is already on
disk, so the fast path only has to decide whether it may send it, without the database:

- the session cookie must be one Django itself authenticated within the last TTL seconds (the
  view served this session a thumbnail, or the gallery page offered it), which says who it is
  (staff or not);
- the thumbnail must be one the view served from local disk (within the TTL, for this
  machine's copy of a remote store's), so its file, ETag, content version, whether the photo was
  in the trash and the headers Django sent are known, and its file must still be the very one
  the view served (not deleted, not made again since);
- `library.models.photo_is_visible`, the rule the view asks, must let that session see it: a
  trashed photo's thumbnail goes to staff only.

The view does not fill these tables: it leaves an offer in the request's ASGI scope
(`thumbnails.responses`), and this middleware, seeing Django's response go out, remembers the
offer with the headers Django sent (a page's session offer, with no headers to keep). So data
flows one way, view → Django's response → here. All of it lives in the in-process tables of
`fast_path_tables`, which documents the one trade-off: what Django would now decide differently
(a session logged out or a user deactivated in another process) reaches the fast path within
`PHOTOSITE_THUMBNAIL_FAST_PATH_TTL` seconds rather than at once; a logout in this process does
at once. Everything else — other paths and methods, an unknown session or thumbnail, a bad
`?size=`, a trashed photo and a session not staff's, a file gone from the disk or replaced —
goes to Django unchanged, which decides as it always does.

The response carries the headers Django sent for that thumbnail (its middleware's included; see
`replayed_headers`), plus `X-Thumbnail-Served-By: fast-path` so tests and operators can tell
which path answered.
`PHOTOSITE_THUMBNAIL_FAST_PATH=0` leaves it out of the ASGI stack."""
import os
import re
from urllib.parse import parse_qsl

from django.conf import settings
from django.http.cookie import parse_cookie

from library.models import photo_is_visible

from . import fast_path_tables
from .fast_path_tables import KnownHit, Principal, file_identity
from .formats import served_spec
from .responses import OFFER_SCOPE_KEY, SESSION_OFFER_SCOPE_KEY, Offer, cache_control, etag_matches
from .specs import DEFAULT_SIZE, InvalidSpecError, ThumbnailSpec

# Ids of up to 18 digits (any longer is no photo; Django answers it).
THUMBNAIL_PATH = re.compile(r"/api/photo/(?P<photo_id>[0-9]{1,18})/thumbnail")
# Headers of Django's response the fast path does not replay: those it gives per answer itself
# (type, length, tag, caching, which depends on `?v=`), and those that belong to one response.
NOT_REPLAYED = {b"content-type", b"content-length", b"etag", b"cache-control", b"set-cookie", b"date", b"server"}
SERVED_BY = (b"x-thumbnail-served-by", b"fast-path")


class ThumbnailFastPath:
    """ASGI middleware: answers a thumbnail cache hit itself when it may, else calls `app`."""

    def __init__(self, app):
        self.app = app
        self.cookie_name = settings.SESSION_COOKIE_NAME

    async def __call__(self, scope, receive, send):
        answer = self.answer(scope) if scope["type"] == "http" else None
        if answer is None:
            await self.app(scope, receive, self.learning(scope, send) if scope["type"] == "http" else send)
            return
        status, headers, body = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    @staticmethod
    def learning(scope, send):
        """`send`, remembering on the way out what the view offered and the headers Django sent."""
        async def learn_then_send(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                offer = scope.pop(OFFER_SCOPE_KEY, None)
                if offer is not None:
                    remember(offer, message["headers"])
                session_offer = scope.pop(SESSION_OFFER_SCOPE_KEY, None)
                if session_offer is not None:
                    fast_path_tables.remember_session(session_offer.session_key, Principal(session_offer.is_staff))
            await send(message)
        return learn_then_send

    def answer(self, scope) -> tuple[int, list, bytes] | None:
        """(status, headers, body) when the fast path may answer this request, else None."""
        match = THUMBNAIL_PATH.fullmatch(scope["path"])
        if match is None or scope["method"] not in ("GET", "HEAD"):
            return None
        headers = request_headers(scope)
        principal = fast_path_tables.trusted_principal(parse_cookie(headers.get("cookie", "")).get(self.cookie_name))
        if principal is None:
            return None
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        spec = requested_spec(headers, query)
        photo_id = int(match["photo_id"])
        hit = fast_path_tables.known_hit(photo_id, spec) if spec else None
        if hit is None or not photo_is_visible(hit.in_trash, principal):
            return None
        body = read_file(hit)
        if body is None:
            fast_path_tables.forget_hit(photo_id, spec)  # gone, remade or unreadable: Django decides
            return None
        caching = cache_control(query.get("v"), hit.content_version)
        if etag_matches(hit.etag, headers.get("if-none-match", "")):
            return 304, [(b"content-length", b"0"), *response_headers(hit, caching)], b""
        content_headers = [(b"content-type", hit.content_type.encode()), (b"content-length", str(len(body)).encode())]
        return 200, [*content_headers, *response_headers(hit, caching)], body


def remember(offer: Offer, django_headers: list[tuple[bytes, bytes]]):
    """Remembers the session and the thumbnail the view offered, with the headers Django sent."""
    try:
        identity = file_identity(os.stat(offer.path))
    except OSError:
        return  # deleted since it was read (its photo trashed): nothing to remember
    fast_path_tables.remember_session(offer.session_key, Principal(offer.is_staff))
    fast_path_tables.remember_hit(offer.photo_id, offer.spec, KnownHit(
        offer.path, identity, offer.etag, offer.content_type, offer.content_version, offer.in_trash,
        offer.deleted_on_trash, replayed_headers(django_headers)))


def replayed_headers(django_headers: list[tuple[bytes, bytes]]) -> tuple[tuple[bytes, bytes], ...]:
    """What Django's middleware (and the view's Vary) added, the same for every thumbnail: kept
    once, shared by every hit (interned), so a hundred thousand hits cost no more memory."""
    kept = tuple((name.lower(), value) for name, value in django_headers if name.lower() not in NOT_REPLAYED)
    return fast_path_tables.shared_headers(kept)


def request_headers(scope) -> dict[str, str]:
    """The request's headers by lower-case name; repeated ones joined as Django joins them."""
    headers = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        separator = "; " if name == "cookie" else ","
        headers[name] = f"{headers[name]}{separator}{value}" if name in headers else value
    return headers


def requested_spec(headers: dict[str, str], query: dict[str, str]) -> ThumbnailSpec | None:
    """The spec the view would pick (`?size=`, WebP when accepted); None for a size outside the
    allow-list, which Django answers with a 400 and the reason."""
    try:
        return served_spec(query.get("size", DEFAULT_SIZE), headers.get("accept", ""))
    except InvalidSpecError:
        return None


def read_file(hit: KnownHit) -> bytes | None:
    """The hit's bytes, or None unless its file is still the one the view served: a trashed
    photo's thumbnails are deleted, and one made again since (for staff) is a new file.

    A thumbnail is a few dozen kilobytes, usually in the page cache: reading it right in the
    event loop is cheaper than a hop to a worker thread (the view does the same)."""
    try:
        with open(hit.path, "rb") as cached:
            if file_identity(os.fstat(cached.fileno())) != hit.file_identity:
                return None
            return cached.read()
    except OSError:
        return None


def response_headers(hit: KnownHit, cache_control: str) -> list[tuple[bytes, bytes]]:
    """The headers of both the 200 and the 304 (which, as Django's, has no content type)."""
    return [
        (b"etag", hit.etag.encode()),
        (b"cache-control", cache_control.encode()),
        *hit.headers,
        SERVED_BY,
    ]
