"""The gallery grid's JSON API: the day summary it lays itself out from, and the tiles of a run
of days it fills in as they come into view. Thin: the timeline services query, and both start
from `timeline.scope_for(request)`; a share link's (library.views.share_links) answer the same
through `summary_response` and `tiles_response` over the link's scope."""
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from django.views.decorators.http import require_GET

from library.curation.albums import AlbumNotFoundError
from library.services.day_summary import summary_of
from library.services.search import BadFilterError
from library.services.timeline import BadCursorError, Cursor, is_personal, page_of_days, quoted, scope_for
from library.tile_records import SITE_LINKS, photo_base, tile_record
from thumbnails.placeholders import for_photos

# Tiles per answer when the grid does not say; never more than MAX_TILES however many it asks for.
DEFAULT_TILES = 200
MAX_TILES = 500


class BadQueryError(ValueError):
    """A query parameter the grid would not send."""


def bad_request(reason: str):
    return JsonResponse({"error": reason}, status=400)


def requested_scope(request):
    """The request's scope (timeline.scope_for), or the 400/404 that says why there is none."""
    try:
        return scope_for(request)
    except BadFilterError as error:
        raise BadQueryError(str(error)) from error
    except AlbumNotFoundError as error:
        raise Http404(str(error)) from error


@login_required
@require_GET
def summary(request):
    """Per-day tile counts of the whole scope; revalidated by ETag, so an unchanged library costs
    a 304 and no body."""
    try:
        scope = requested_scope(request)
    except BadQueryError as error:
        return bad_request(str(error))
    return summary_response(request, scope, cached=not is_personal(request.GET))


def summary_response(request, scope, cached: bool):
    """The summary of `scope` (day_summary.summary_of), or 304 when the client holds it already."""
    answer = summary_of(scope, cached=cached)
    if answer.etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(answer.body, content_type="application/json")
    response["ETag"] = answer.etag
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
@require_GET
def tiles(request):
    """`?from=<newest day>&to=<oldest day>[&after=<cursor>][&limit=N]`: the tiles of those days
    (both included), newest first, at most `limit`; `next` continues the same days."""
    return tiles_response(request, requested_scope)


def tiles_response(request, scope_of_request, links=SITE_LINKS):
    """The tiles answer over the scope `scope_of_request(request)` names (asked once the query
    is known to be good), each tile's URLs from `links` (a share link's, or the site's)."""
    try:
        newest, oldest = day_parameter(request, "from"), day_parameter(request, "to")
        after = Cursor.from_string(request.GET["after"]) if request.GET.get("after") else None
        limit = limit_parameter(request)
        scope = scope_of_request(request)
    except (BadQueryError, BadCursorError) as error:
        return bad_request(str(error))
    if oldest > newest:
        return bad_request("`to` is a day after `from`: from is the newest day, to the oldest")
    page = page_of_days(newest, oldest, after, limit, scope)
    return JsonResponse(tiles_answer(page, links))


def tiles_answer(page, links=SITE_LINKS) -> dict:
    """The tiles of `page` as the grid takes them, with the cursor that continues their days: the
    API's answer, and a gallery page's (its no-script tiles, and the newest tiles it carries)."""
    base, placeholders = photo_base(), for_photos(photo.pk for photo in page.photos)
    return {"tiles": [tile_record(photo, base, placeholders.get(photo.pk), links) for photo in page.photos],
            "next": str(page.next_cursor) if page.next_cursor else None}


def day_parameter(request, name: str) -> date:
    text = request.GET.get(name, "")
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise BadQueryError(f"`{name}` must be a day, YYYY-MM-DD, not {quoted(text)}")


def limit_parameter(request) -> int:
    text = request.GET.get("limit", "")
    if not text:
        return DEFAULT_TILES
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_TILES):
        raise BadQueryError(f"`limit` must be a whole number from 1 to {MAX_TILES}, not {quoted(text)}")
    return int(text)
