"""Share links: the album seen through a link (`/s/<token>/…`, no account needed), and the pages
and API where owners make, list and revoke links. Thin: what a link shows is
library.services.share_links.share_scope, asked by every view under `/s/`.

Under a link:
- `GET /s/<token>/` the album's page (its grid and viewer); a password-protected link first asks
  for the password (`POST` it; a few tries a minute per address, then 429).
- `GET /s/<token>/photo/<id>/` a photo's address: the album's page with the viewer open on it.
- `GET /s/<token>/api/summary`, `…/api/tiles`: the grid's JSON (as timeline_api's) over what the
  link shows, every URL in a tile under the link.
- `GET /s/<token>/photo/<id>/original` (and `…/thumbnail`, `…/video`, `…/motion`, which
  photosite/share_renditions.py answers behind `shared_media`): as the site's own routes, for the
  photos the link shows; 404 for any other id. An original only where the link
  allows downloads (a video that plays as it is excepted); where the link removes location, a
  JPEG's is sent without its GPS position and any other file that has a position is refused.
An unknown token is a 404; a revoked or expired link a 410; a missing password a 403.

For owners:
- `GET /shares/` the links of one's albums (staff: all), with their last use.
- `POST /api/shares/` `{"album": id, "expires_on": "YYYY-MM-DD"|null, "password": …,
  "allow_download": bool, "keep_location": bool}` → 201 with the link's `url`, shown this once.
- `DELETE /api/shares/<id>` revokes it → 204."""
from datetime import date
from functools import wraps

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.db.models import F
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from library.curation import albums
from library.models import Album
from library.services import share_links
from library.services.share_links import ShareLinkNotFoundError, share_scope
from library.services.timeline import Cursor, newer_neighbour, older_neighbour, with_partners
from library.services.zip_download import location_free
from library.tile_records import photo_base, tile_record
from photosite.json_api import json_api
from photosite.json_body import json_request_body
from photosite.rate_limits import seconds_to_wait

from .api import BadInputError, body_field, by_method
from .gallery import gallery_page
from .originals import original_response
from .timeline_api import summary_response, tiles_response

# The session's list of the password-protected links it has opened.
UNLOCKED = "share_links_unlocked"
# token_urlsafe(32) is 43 characters; anything much longer is no token of ours.
MAX_TOKEN = 64
PASSWORD_FIELD = "password"


class LinkClosedError(Exception):
    """A link that was revoked or is past its last day."""


class LockedError(Exception):
    """A password-protected link this session has not opened yet (`link`)."""

    def __init__(self, link):
        super().__init__("this link asks for a password")
        self.link = link


def opened_link(request, token):
    """The link the request may use (its use stamped); Http404, LinkClosedError or LockedError."""
    link = share_links.link_for_token(token) if len(token) <= MAX_TOKEN else None
    if link is None:
        raise Http404("no such link")
    if not share_links.is_open(link):
        raise LinkClosedError
    if link.password and link.pk not in request.session.get(UNLOCKED, []):
        raise LockedError(link)
    share_links.record_use(link)
    return link


def shared_page(view):
    """For the pages under a link: `view(request, link, token, …)` once the link is open and
    unlocked; the closed-link page (410) or the password form (403) otherwise."""
    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        try:
            link = opened_link(request, token)
        except LinkClosedError:
            return render(request, "library/share_closed.html", status=410)
        except LockedError as locked:
            return password_form(request, locked.link, token)
        return view(request, link, token, *args, **kwargs)
    return wrapper


def refusal(error) -> HttpResponse:
    """A closed (410) or locked (403) link's answer to a route that is not a page."""
    if isinstance(error, LinkClosedError):
        return HttpResponse("this link was revoked or has expired", status=410, content_type="text/plain")
    return HttpResponse("this link asks for a password", status=403, content_type="text/plain")


def shared_media(view):
    """For the async routes under a link: `view(request, link, token, …)` once the link is open
    and unlocked; 410 and 403 (plain text) otherwise."""
    @wraps(view)
    async def wrapper(request, token, *args, **kwargs):
        try:
            link = await sync_to_async(opened_link)(request, token)
        except (LinkClosedError, LockedError) as error:
            return refusal(error)
        return await view(request, link, token, *args, **kwargs)
    return wrapper


def shared_api(view):
    """For the grid's JSON routes under a link: as `shared_media`, for views that are not async."""
    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        try:
            link = opened_link(request, token)
        except (LinkClosedError, LockedError) as error:
            return refusal(error)
        return view(request, link, token, *args, **kwargs)
    return wrapper


class ShareTileLinks:
    """A tile's URLs under the link (library.tile_records.SiteLinks' counterpart):
    the same routes, `/photo/<id>/…` or `/api/photo/<id>/…` become `/s/<token>/photo/<id>/…`."""

    def __init__(self, link, token):
        self.link, self.base = link, reverse("share-page", args=[token]) + "photo/"

    def url(self, url: str) -> str:
        return self.base + url.split("/photo/", 1)[1]

    def original(self, photo) -> str:
        return f"{self.base}{photo.pk}/original" if share_links.may_download(self.link, photo) else ""


@require_http_methods(["GET", "HEAD", "POST"])
@shared_page
def share_page(request, link, token):
    """The album's page under the link (the password form until it is given)."""
    if request.method == "POST":  # the password again, from a second tab: already open
        return HttpResponseRedirect(request.path)
    return gallery_page(request, "library/share.html", share_context(link, token), scope=share_scope(link))


def share_context(link, token) -> dict:
    """What the album's page under the link shows besides its tiles."""
    album, home = link.album, reverse("share-page", args=[token])
    return {
        "album": album, "link": link, "scope_title": album.title, "tile_links": ShareTileLinks(link, token),
        "grid_home": home, "grid_api": home + "api/", "grid_scope": "",
        "empty_message": "There are no photos in this album.",
        "summary": share_summary(link),
    }


@require_GET
@shared_api
def share_summary_api(request, link, token):
    """The grid's day summary (timeline_api.summary) of what the link shows."""
    return summary_response(request, share_scope(link), cached=False)  # an album changes without the library


@require_GET
@shared_api
def share_tiles_api(request, link, token):
    """The grid's tiles (timeline_api.tiles) of what the link shows, every URL under the link."""
    return tiles_response(request, lambda request: share_scope(link), ShareTileLinks(link, token))


def share_summary(link):
    """The album's count and days as the link shows them (never the trash, whoever looks)."""
    return albums.summaries(AnonymousUser(), Album.objects.filter(pk=link.album_id))[0]


def password_form(request, link, token):
    """The form, and on POST its check: at most PHOTOSITE_SHARE_PASSWORD_TRIES_PER_MINUTE tries a
    minute per address (429 past it), whatever the link."""
    context = {"action": reverse("share-page", args=[token]), "error": ""}
    if request.method == "POST":
        wait = seconds_to_wait("share-password", request.META.get("REMOTE_ADDR", ""),
                               settings.PHOTOSITE_SHARE_PASSWORD_TRIES_PER_MINUTE)
        if wait:
            context["error"] = f"Too many tries: wait {wait} seconds and try again."
            response = render(request, "library/share_password.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
        if share_links.password_matches(link, request.POST.get(PASSWORD_FIELD)):
            request.session[UNLOCKED] = [*request.session.get(UNLOCKED, []), link.pk]
            request.session.cycle_key()
            return HttpResponseRedirect(request.path)
        context["error"] = "That is not the password."
    return render(request, "library/share_password.html", context, status=403)


@require_GET
@shared_page
def share_photo_page(request, link, token, photo_id):
    """A photo's address under the link (the viewer writes it as it shows the photo): the album's
    page with the viewer open on it, as the site's own photo page opens it over the gallery. The
    grid starts at the photo's place for a browser without JavaScript; the photo's tile is in the
    page for the viewer (a visitor has no info route to ask for it)."""
    scope = share_scope(link)
    photo = scope.filter(pk=photo_id).first()
    if photo is None:
        raise Http404("no such photo")
    with_partners([photo])
    context = share_context(link, token)
    face = photo.shown_with if photo.shown_with_id else photo
    newer = newer_neighbour(face, scope)
    context.update(open_photo=photo, newer=newer, older=older_neighbour(face, scope),
                   open_tile=tile_record(photo, photo_base(), links=context["tile_links"]))
    return gallery_page(request, "library/share.html", context, start=Cursor.of(newer) if newer else None,
                        more_from=context["grid_home"], scope=scope)


@shared_media
async def share_original(request, link, token, photo_id):
    """Downloads where the link allows them; a video's original also plays in the page (it is
    what `video` sends a browser that plays it as it is)."""
    photo = await share_scope(link).filter(pk=photo_id).afirst()
    if photo is None:
        raise Http404("no such photo")
    downloading = bool(request.GET.get("download"))
    if not (share_links.may_download(link, photo)
            or (photo.is_video and not downloading and share_links.may_send_original(link, photo))):
        return HttpResponse("this link does not offer this original", status=403, content_type="text/plain")
    if share_links.may_send_original(link, photo):
        return await original_response(request, photo)
    return await location_free_response(request, photo)


async def location_free_response(request, photo):
    """The original without its GPS position (zip_download.location_free), whole; 403 where the
    file turns out not to be one it can be taken out of."""
    try:
        source = await sync_to_async(location_free)(photo)
    except FileNotFoundError as error:
        raise Http404("the original file is missing from the library") from error
    if source is None:
        return HttpResponse("this link does not offer this original", status=403, content_type="text/plain")
    response = StreamingHttpResponse(chunks_in_thread(source.chunks()), content_type=photo.mime_type)
    response["Content-Length"] = str(source.size)
    response["Cache-Control"] = "private, no-store"
    if request.GET.get("download"):
        response["Content-Disposition"] = content_disposition_header(True, photo.original_name)
    return response


async def chunks_in_thread(chunks):
    """A file's chunks read in a thread, so the event loop never waits on the disk."""
    while (chunk := await sync_to_async(next, thread_sensitive=False)(chunks, None)) is not None:
        yield chunk


# Logged-in users only (401 otherwise); the album rules' and the links' refusals as statuses.
share_api = json_api({albums.AlbumNotFoundError: 404, ShareLinkNotFoundError: 404, albums.AlbumPermissionError: 403,
                      albums.AlbumInputError: 400, BadInputError: 400})


def link_json(request, link, token=None) -> dict:
    answer = {
        "id": link.pk, "album": link.album_id, "album_title": link.album.title, "created": link.created,
        "created_by": link.created_by.username, "expires_on": link.expires_on, "password": bool(link.password),
        "allow_download": link.allow_download, "keep_location": link.keep_location,
        "revoked": link.revoked_at is not None, "open": share_links.is_open(link), "last_used": link.last_used_at,
    }
    if token is not None:
        answer["url"] = request.build_absolute_uri(reverse("share-page", args=[token]))
    return answer


@login_required
@require_GET
def shares_page(request):
    links = list(share_links.links_for(request.user).order_by(F("revoked_at").asc(nulls_first=True), "-created"))
    for link in links:
        link.expired = link.revoked_at is None and not share_links.is_open(link)
    return render(request, "library/shares.html", {"links": links})


@share_api
def list_links(request):
    return JsonResponse({"links": [link_json(request, link) for link in share_links.links_for(request.user)]})


@share_api
@json_request_body
def create_link(request, body):
    flags = {name: body_field(body, name) or False for name in ("allow_download", "keep_location")}
    if not all(isinstance(flag, bool) for flag in flags.values()):
        raise BadInputError('"allow_download" and "keep_location" are true or false')
    album_id, password = body_field(body, "album"), body_field(body, "password") or ""
    if not isinstance(album_id, int) or isinstance(album_id, bool):
        raise BadInputError('"album": the album\'s id, please')
    link, token = share_links.create_link(request.user, album_id, expires_on=day(body_field(body, "expires_on")),
                                          password=password, **flags)
    return JsonResponse(link_json(request, link, token), status=201)


def day(value) -> date | None:
    """`expires_on` of a body: a day, or null (or "", as an empty date field sends it)."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise BadInputError('"expires_on": a day, YYYY-MM-DD, or null')


@share_api
def revoke_link(request, link_id):
    share_links.revoke(request.user, link_id)
    return HttpResponse(status=204)


links_api = by_method(GET=list_links, POST=create_link)
link_api = by_method(DELETE=revoke_link)
