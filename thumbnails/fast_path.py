"""Cache hits of `GET /api/photo/<id>/thumbnail` answered before Django: a small ASGI middleware
in front of the site (photosite/asgi.py).

A gallery page asks for 60–120 thumbnails at once, and through Django each costs the whole
middleware stack, a session read and a user read from the database, and thread hops: about 20
times what sending the same bytes as a static file costs. The thumbnail itself is already on
disk, so the fast path only has to decide whether it may send it, without the database:

- the session cookie must be one Django itself authenticated within the last TTL seconds (the
  view served this session a thumbnail), which says who it is (staff or not);
- the thumbnail must be one the view served from local disk within the TTL, so its file, ETag,
  content version and whether the photo was in the trash are known, and its file must still be
  the very one the view served (not deleted, not made again since);
- `library.models.photo_is_visible`, the rule the view asks, must let that session see it: a
  trashed photo's thumbnail goes to staff only.

All of it comes from the in-process tables of `fast_path_tables`, which documents the one
trade-off: what Django would now decide differently (a session logged out or a user deactivated
in another process) reaches the fast path within `PHOTOSITE_THUMBNAIL_FAST_PATH_TTL` seconds (5
by default) rather than at once; a logout in this process does at once. Everything else — other
paths and methods, an unknown session or thumbnail, a bad `?size=`, a trashed photo and a
session not staff's, a file gone from the disk or replaced — goes to Django unchanged, which
decides as it always does.

The response carries the same headers as the view's (see HEADERS_DJANGO_ADDS), plus
`X-Thumbnail-Served-By: fast-path` so tests and operators can tell which path answered.
`PHOTOSITE_THUMBNAIL_FAST_PATH=0` leaves it out of the ASGI stack."""
import os
import re
from urllib.parse import parse_qsl

from django.conf import settings
from django.http.cookie import parse_cookie

from library.models import photo_is_visible

from . import fast_path_tables
from .fast_path_tables import KnownHit, file_identity
from .specs import DEFAULT_SIZE, InvalidSpecError, ThumbnailSpec
from .views import IMMUTABLE, REVALIDATE, etag_matches, spec_for

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
        cache_control = IMMUTABLE if query.get("v") == hit.content_version else REVALIDATE
        if etag_matches(hit.etag, headers.get("if-none-match", "")):
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
        *HEADERS_DJANGO_ADDS,
        SERVED_BY,
    ]
