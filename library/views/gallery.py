"""The gallery: tiles grouped by day, newest first, one keyset page at a time, and a plain
viewer page per photo (the in-page viewer in gallery.js is the usual way in; this page is
its deep link and no-JavaScript fallback). Thin: the timeline service does the querying."""
from itertools import groupby

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from library.models import Photo
from library.services.timeline import (
    BadCursorError,
    Cursor,
    months_with_photos,
    newer_neighbour,
    older_neighbour,
    page_after,
    with_partners,
)
from thumbnails.placeholders import for_photos

# The JSON API the client-rendered grid reads (`#gallery[data-api]`); a scoped page adds its query.
GRID_API = "/api/timeline/"
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
    return gallery_page(request, "library/gallery.html", {"grid_api": GRID_API}, with_jump=True)


def gallery_page(request, template, context, tiles=None, with_jump=False):
    """The gallery's grid over `tiles` (all the library's when None), one page at a time: the
    page itself, or with `?fragment=1` the next page's tiles alone (the infinite scroll)."""
    try:
        cursor = requested_cursor(request)
    except BadCursorError as error:
        return bad_position(request, str(error))
    page = page_after(cursor, settings.PHOTOSITE_GALLERY_PAGE_SIZE, tiles)
    context = {**context, "page": page, "next_url": f"?after={page.next_cursor}" if page.next_cursor else "",
               "placeholders": for_photos(photo.pk for photo in page.photos)}
    if request.GET.get("fragment"):
        return render(request, "library/_tiles.html", context)
    if with_jump:
        context.update(jump_years=jump_choices(page), jumped=cursor is not None)
    return render(request, template, context)


def bad_position(request, reason: str):
    """400 for a position we did not write, as a page a person can read. The reason quotes the
    query, so it goes through the template's escaping, never straight into the body: a crafted
    link must not put markup (a script reading the CSRF cookie) into a page of this origin."""
    return render(request, "library/bad_request.html", {"reason": reason}, status=400)


@login_required
def photo_page(request, photo_id):
    """One photo large, with links to its neighbours in gallery order (two indexed queries).
    Who may see it is `Photo.is_visible_to`'s to say, as for its thumbnails and original."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or not photo.is_visible_to(request.user):
        raise Http404("no such photo")
    with_partners([photo])
    context = {"photo": photo, "newer": newer_neighbour(photo), "older": older_neighbour(photo)}
    return render(request, "library/photo.html", context)
