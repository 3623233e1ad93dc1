"""The gallery: tiles grouped by day, newest first, one keyset page at a time; and a photo's own
address, the gallery at that photo's place with the viewer (viewer.js) open over it. Thin: the
timeline service does the querying."""
from itertools import groupby

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from library.services.photo_info import PhotoNotFoundError, visible_photo
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
    try:
        cursor = requested_cursor(request)
    except BadCursorError as error:
        return bad_position(request, str(error))
    page = page_after(cursor, settings.PHOTOSITE_GALLERY_PAGE_SIZE)
    if request.GET.get("fragment"):
        return render(request, "library/_tiles.html", page_context(page))
    return render(request, "library/gallery.html", gallery_context(page, jumped=cursor is not None))


def page_context(page):
    """A page of tiles and the link to the next; the link names the gallery, so that a page shown
    at a photo's own address continues the gallery too."""
    next_url = f"{reverse('gallery')}?after={page.next_cursor}" if page.next_cursor else ""
    return {"page": page, "next_url": next_url, "placeholders": for_photos(photo.pk for photo in page.photos)}


def gallery_context(page, jumped: bool):
    return {**page_context(page), "jump_years": jump_choices(page), "jumped": jumped}


def bad_position(request, reason: str):
    """400 for a position we did not write, as a page a person can read. The reason quotes the
    query, so it goes through the template's escaping, never straight into the body: a crafted
    link must not put markup (a script reading the CSRF cookie) into a page of this origin."""
    return render(request, "library/bad_request.html", {"reason": reason}, status=400)


@login_required
def photo_page(request, photo_id):
    """The gallery from this photo's place on (it is the first tile; a moment's other file starts
    at its moment's), the viewer open over it. Its neighbours are links too, for a browser
    without JavaScript (two indexed queries)."""
    try:
        photo = visible_photo(photo_id, request.user)
    except PhotoNotFoundError as error:
        raise Http404(str(error)) from error
    with_partners([photo])
    face = photo.shown_with or photo
    newer = newer_neighbour(face)
    page = page_after(Cursor.of(newer) if newer else None, settings.PHOTOSITE_GALLERY_PAGE_SIZE)
    context = {**gallery_context(page, jumped=newer is not None), "open_photo": photo, "newer": newer,
               "older": older_neighbour(face)}
    return render(request, "library/gallery.html", context)
