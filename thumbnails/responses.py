"""What a thumbnail response says, in one place for the view and the fast path alike: the spec a
request gets, its Cache-Control, the If-None-Match rule, and the offer the view leaves for the
fast path.

Data flows one way. The view answers through Django, whose middleware adds its own headers; when
it served a cached thumbnail from local disk, it leaves an `Offer` in the request's ASGI scope.
`thumbnails.fast_path`, which wraps Django, takes the offer together with the headers Django
actually sent, and remembers both. So the view never imports the fast path nor fills its tables,
the fast path never imports the view, and the headers a fast answer carries are Django's own.

The video routes (a rendition, a motion photo's video) answer Range requests through
`ranged_response`, streaming what `chunks` yields, so a player can seek and memory per
connection stays a chunk or two (uvicorn stops asking while a client does not read)."""
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import parse_etags

from photosite.byte_ranges import ByteRange, UnsatisfiableRangeError, parse_range

from .formats import served_spec
from .specs import ThumbnailSpec

IMMUTABLE = "private, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"
NO_STORE = "no-store"
OFFER_SCOPE_KEY = "photosite.thumbnail_offer"


def spec_for(size: str, accept: str) -> ThumbnailSpec:
    """`?size=` from the allow-list, in the format `formats` serves this Accept."""
    return served_spec(size, accept)


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


def leave_offer(request, offer: Offer):
    """Leaves the offer where the fast path, if it wraps this ASGI app, will find it; under WSGI
    (or the test client) there is no scope and nobody to take it."""
    scope = getattr(request, "scope", None)
    if scope is not None:
        scope[OFFER_SCOPE_KEY] = offer


def ranged_response(request, size: int, etag: str, content_type: str,
                    chunks: Callable[[ByteRange], AsyncIterator[bytes]]) -> HttpResponse:
    """200 with everything, 206 with the one range asked for (unless If-Range names another
    version: then everything), or 416 for a range beyond the end; `chunks(byte_range)` streams
    the bytes. The caller adds its Cache-Control."""
    try:
        byte_range = parse_range(request.headers.get("Range"), size)
    except UnsatisfiableRangeError:
        return HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}"})
    partial = byte_range is not None and request.headers.get("If-Range", etag) == etag
    if not partial:
        byte_range = ByteRange(0, size - 1)
    response = StreamingHttpResponse(chunks(byte_range), status=206 if partial else 200, content_type=content_type)
    response["Content-Length"] = str(byte_range.length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    if partial:
        response["Content-Range"] = byte_range.content_range(size)
    return response
