"""The gallery: tiles grouped by day, newest first, one keyset page at a time, and a plain
viewer page per photo (the in-page viewer in gallery.js is the usual way in; this page is
its deep link and no-JavaScript fallback). Thin: the timeline service does the querying."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from library.models import Photo
from library.services.timeline import (
    BadCursorError,
    Cursor,
    newer_neighbour,
    older_neighbour,
    page_after,
    with_partners,
    year_range,
)

MONTHS = [(number, name) for number, name in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1
)]


def requested_cursor(request) -> Cursor | None:
    """`?after=<cursor>` continues a walk; `?year=YYYY&month=M` jumps to that month's last photo."""
    if after := request.GET.get("after"):
        return Cursor.from_string(after)
    year, month = request.GET.get("year", ""), request.GET.get("month", "12")
    if not year:
        return None
    return Cursor.for_month(year, month)


@login_required
def gallery(request):
    try:
        cursor = requested_cursor(request)
    except BadCursorError as error:
        return bad_position(request, str(error))
    page = page_after(cursor, settings.PHOTOSITE_GALLERY_PAGE_SIZE)
    context = {"page": page, "next_url": f"?after={page.next_cursor}" if page.next_cursor else ""}
    if request.GET.get("fragment"):
        return render(request, "library/_tiles.html", context)
    years = year_range()
    context.update(
        years=range(years[1], years[0] - 1, -1) if years else [],
        months=MONTHS,
        jumped_year=request.GET.get("year", ""),
        jumped_month=request.GET.get("month", ""),
    )
    return render(request, "library/gallery.html", context)


def bad_position(request, reason: str):
    """400 for a position we did not write, as a page a person can read. The reason quotes the
    query, so it goes through the template's escaping, never straight into the body: a crafted
    link must not put markup (a script reading the CSRF cookie) into a page of this origin."""
    return render(request, "library/bad_request.html", {"reason": reason}, status=400)


@login_required
def photo_page(request, photo_id):
    """One photo large, with links to its neighbours in gallery order (two indexed queries)."""
    photo = get_object_or_404(Photo.objects.in_library(), pk=photo_id)
    with_partners([photo])
    context = {"photo": photo, "newer": newer_neighbour(photo), "older": older_neighbour(photo)}
    return render(request, "library/photo.html", context)
