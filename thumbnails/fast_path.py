"""Cache hits of `GET /api/photo/<id>/thumbnail` answered before Django: a small ASGI middleware
in front of the site (photosite/asgi.py).

A gallery page asks for 60–120 thumbnails at once, and through Django each costs the whole
middleware stack, a session read and a user read from the database, and thread hops: about 20
times what sending the same bytes as a static file costs. The thumbnail itself is already on
disk, so the fast path only has to decide whether it may send it, without the database:

- the session cookie must be one Django itself authenticated within the last TTL seconds (the
  view served this session a thumbnail), and
- the thumbnail must be one the view served from local disk within the TTL, so its file, ETag
  and content version are known.

Both come from the in-process tables of `fast_path_tables`, which documents the one trade-off:
what Django would now decide differently (a session logged out in another process, a deleted
photo) reaches the fast path within `PHOTOSITE_THUMBNAIL_FAST_PATH_TTL` seconds rather than at
once; a logout in this process does at once. Everything else — other paths and methods, an
unknown session or thumbnail, a bad `?size=`, a file gone from the disk (a trashed photo) —
goes to Django unchanged, which decides as it always does.

The response carries the same headers as the view's (see HEADERS_DJANGO_ADDS), plus
`X-Thumbnail-Served-By: fast-path` so tests and operators can tell which path answered.
`PHOTOSITE_THUMBNAIL_FAST_PATH=0` leaves it out of the ASGI stack."""
import re
from urllib.parse import parse_qsl

from django.conf import settings
from django.http.cookie import parse_cookie

from . import fast_path_tables
from .fast_path_tables import KnownHit
from .specs import DEFAULT_SIZE, InvalidSpecError, ThumbnailSpec
from .views import IMMUTABLE, REVALIDATE, if_none_match, spec_for

# Ids of up to 18 digits (any longer is no photo; Django answers it).
THUMBNAIL_PATH = re.compile(r"/api/photo/(?P<photo_id>[0-9]{1,18})/thumbnail")
# What the site's middleware (security, sessions, clickjacking) adds to the view's response with
# the current settings; the end-to-end tests compare both paths header by header, so a settings
# change that alters these fails there.
HEADERS_DJANGO_ADDS = [
    (b"vary", b"Accept, Cookie"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
SERVED_BY = (b"x-thumbnail-served-by", b"fast-path")


class ThumbnailFastPath:
    """ASGI middleware: answers a thumbnail cache hit itself when it may, else calls `app`."""

    def __init__(self, app):
        self.app = app
        self.cookie_name = settings.SESSION_COOKIE_NAME

    async def __call__(self, scope, receive, send):
        answer = self.answer(scope) if scope["type"] == "http" else None
        if answer is None:
            await self.app(scope, receive, send)
            return
        status, headers, body = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    def answer(self, scope) -> tuple[int, list, bytes] | None:
        """(status, headers, body) when the fast path may answer this request, else None."""
        match = THUMBNAIL_PATH.fullmatch(scope["path"])
        if match is None or scope["method"] not in ("GET", "HEAD"):
            return None
        headers = request_headers(scope)
        if not fast_path_tables.is_trusted_session(parse_cookie(headers.get("cookie", "")).get(self.cookie_name)):
            return None
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        spec = requested_spec(headers, query)
        photo_id = int(match["photo_id"])
        hit = fast_path_tables.known_hit(photo_id, spec) if spec else None
        if hit is None:
            return None
        try:
            body = read_file(hit.path)
        except OSError:
            fast_path_tables.forget_hit(photo_id, spec)  # gone (trashed photo) or unreadable: Django decides
            return None
        cache_control = IMMUTABLE if query.get("v") == hit.content_version else REVALIDATE
        if hit.etag in if_none_match(headers.get("if-none-match", "")):
            return 304, [(b"content-length", b"0"), *response_headers(hit, cache_control)], b""
        content_headers = [(b"content-type", hit.content_type.encode()), (b"content-length", str(len(body)).encode())]
        return 200, [*content_headers, *response_headers(hit, cache_control)], body


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
        return spec_for(query.get("size", DEFAULT_SIZE), headers.get("accept", ""))
    except InvalidSpecError:
        return None


def read_file(path: str) -> bytes:
    """A thumbnail is a few dozen kilobytes, usually in the page cache: reading it right in the
    event loop is cheaper than a hop to a worker thread (the view does the same)."""
    with open(path, "rb") as cached:
        return cached.read()


def response_headers(hit: KnownHit, cache_control: str) -> list[tuple[bytes, bytes]]:
    """The headers of both the 200 and the 304 (which, as Django's, has no content type)."""
    return [
        (b"etag", hit.etag.encode()),
        (b"cache-control", cache_control.encode()),
        *HEADERS_DJANGO_ADDS,
        SERVED_BY,
    ]
