"""The gallery pages (the whole library, a search, favourites, an album): the shell of the grid
gallery.js draws from the timeline API, with the server-rendered keyset pages (tiles grouped by
day, newest first, and the Jump-to) inside its `<noscript>`, and a photo's own address: the
gallery with the viewer (viewer.js) open over that photo. Thin:
the timeline service does the querying."""
import json
from itertools import groupby

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from library.curation import favourites
from library.curation.albums import AlbumNotFoundError
from library.models import Photo
from library.services.day_summary import summary_of
from library.services.photo_info import PhotoNotFoundError, visible_photo
from library.services.search import KIND_CHOICES, BadFilterError, SearchFilters, camera_models
from library.services.timeline import (
    BadCursorError,
    Cursor,
    is_personal,
    months_with_photos,
    newer_neighbour,
    older_neighbour,
    page_after,
    scope_of,
    scope_query,
    with_partners,
)
from library.signals import gallery_page_served
from library.tile_records import SITE_LINKS

from .timeline_api import tiles_answer

MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"]


def requested_cursor(request) -> Cursor | None:
    """`?after=<cursor>` continues a walk; `?month=YYYY-M` (the Jump-to) or `?year=YYYY[&month=M]`
    jumps to that month's last photo."""
    if after := request.GET.get("after"):
        return Cursor.from_string(after)
    year, month = request.GET.get("year", ""), request.GET.get("month", "")
    if not year and "-" in month:
        year, _, month = month.partition("-")
    if not year:
        return None
    return Cursor.for_month(year, month or "12")


def jump_choices(page):
    """The Jump-to's months, only those with photos, grouped by year, newest first; the month
    selected is the one at the top of this page."""
    shown = (page.photos[0].taken_on.year, page.photos[0].taken_on.month) if page.photos else None
    return [
        (year, [(f"{year}-{month}", f"{MONTH_NAMES[month - 1]} {year}", (year, month) == shown)
                for _, month in months])
        for year, months in groupby(months_with_photos(), key=lambda year_month: year_month[0])
    ]


@login_required
def gallery(request):
    """The whole library, or what its search (the filters in the address) finds."""
    try:
        filters = SearchFilters.from_query(request.GET)
    except BadFilterError as error:
        return bad_position(request, str(error))
    # The camera list is a callable: the template calls it, so a fragment (which never shows it) costs no query.
    context = {"search": filters, "cameras": camera_models, "kinds": KIND_CHOICES, "searching": bool(filters)}
    return gallery_page(request, "library/gallery.html", context, with_jump=not filters)


def gallery_page(request, template, context, scope_parameters=None, with_jump=False, start=None, more_from="",
                 scope=None):
    """The grid over the request's scope (timeline.scope_of: its search, plus `scope_parameters`
    a page adds, such as its album), one page at a time from the request's position (or `start`):
    the page itself, or with `?fragment=1` the next page's tiles alone (the no-JavaScript pages).
    `more_from` is the page whose later pages the "More photos" link opens (this one when empty).
    A page that decides its photos itself (a share link's) passes `scope`, and its own `grid_api`
    in `context`."""
    query = request.GET.copy()
    query.update(scope_parameters or {})
    explicit_scope = scope is not None
    try:
        cursor = start or requested_cursor(request)
        if scope is None:
            scope = scope_of(request.user, query)
            context = {"grid_api": reverse("timeline-summary").removesuffix("summary"),
                       "grid_scope": scope_query(query), **context}
    except (BadCursorError, BadFilterError) as error:
        return bad_position(request, str(error))
    except AlbumNotFoundError as error:
        raise Http404(str(error)) from error
    if not explicit_scope:  # a share link's thumbnails are its own routes', which the fast path never answers
        gallery_page_served.send(sender=None, request=request, user=request.user)
    page = page_after(cursor, settings.PHOTOSITE_GALLERY_PAGE_SIZE, scope)
    answer = tiles_answer(page, context.get("tile_links") or SITE_LINKS)
    context = {**context, "page": page, "next_url": f"{more_from}?after={page.next_cursor}" if page.next_cursor else "",
               "tile_records": {record["id"]: record for record in answer["tiles"]}}
    if request.GET.get("fragment"):
        return render(request, "library/_tiles.html", context)
    # A photo's page starts the grid at its day, a position (a month jumped to) at the newest
    # tiles, which this page does not hold.
    at_newest = cursor is None and "open_photo" not in context
    if at_newest and not explicit_scope:
        mark_favourites(answer["tiles"], request.user)
    context.update(grid_start(scope, answer if at_newest else None, cached=not (explicit_scope or is_personal(query))))
    if with_jump:
        context.update(jump_years=jump_choices(page), jumped=cursor is not None)
    return render(request, template, context)


def grid_start(scope, newest_tiles: dict | None, cached: bool) -> dict:
    """What the grid starts from, in the page rather than asked after it (its first answers
    would otherwise wait for the page, then share the browser's connections with the scripts):
    the scope's day summary as the API answers it (day_summary.summary_of, cached as the API
    caches it); and, on a page that starts at the newest tiles, those tiles (`newest_tiles`, this
    page's own, as the API answers them)."""
    start = {"grid_summary": json.loads(summary_of(scope, cached=cached).body)}
    if newest_tiles is not None:
        start["newest_tiles"] = newest_tiles
    return start


def mark_favourites(records: list[dict], user):
    """Says on each tile the page carries whether it is the user's favourite: the tiles' hearts
    are then known with the page, and the grid does not ask for them while the first screen is
    drawn. (The timeline API's answers are the same for every user and cached as such, so their
    tiles leave it unknown, and the grid asks.)"""
    held = set(favourites.favourite_ids(user, [record["id"] for record in records]))
    for record in records:
        record["favourite"] = record["id"] in held


def bad_position(request, reason: str):
    """400 for a position or a filter we did not write, as a page a person can read. The reason
    quotes the query, so it goes through the template's escaping, never straight into the body: a
    crafted link must not put markup (a script reading the CSRF cookie) into a page of this origin."""
    return render(request, "library/bad_request.html", {"reason": reason}, status=400)


@login_required
def photo_page(request, photo_id):
    """The gallery from this photo's place on (it is the first tile; a moment's other file starts
    at its moment's), the viewer open over it. Its neighbours are links too, for a browser
    without JavaScript (two indexed queries). Who may see it is `Photo.is_visible_to`'s to say."""
    try:
        photo = visible_photo(photo_id, request.user)
    except PhotoNotFoundError as error:
        raise Http404(str(error)) from error
    with_partners([photo])
    face = photo.shown_with or photo
    scope = Photo.objects.in_library()
    newer = newer_neighbour(face, scope)
    context = {"open_photo": photo, "newer": newer, "older": older_neighbour(face, scope),
               "search": SearchFilters(), "cameras": camera_models, "kinds": KIND_CHOICES}
    return gallery_page(request, "library/gallery.html", context, start=Cursor.of(newer) if newer else None,
                        more_from=reverse("gallery"))  # the pages after it are the gallery's
