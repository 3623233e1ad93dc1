"""Albums: the list of a user's albums, an album's page (the gallery's grid over its photos), and
the JSON API that makes and changes them. Thin: who may do what is library.curation.albums.

- `GET /api/albums/` → `{"albums": [album, …]}` (those the user sees; `access` says what they may do)
- `POST /api/albums/` `{"title": …, "ids": [...]}` → 201 with the new album (ids optional)
- `GET /api/albums/<id>`; `POST` `{"title": …}` renames, `{"cover": <photo id>}` sets the cover;
  `DELETE` deletes the album (its photos stay in the library) → 204
- `POST /api/albums/<id>/photos` `{"add": [...]}` or `{"remove": [...]}` → the album, with `changed`
- `POST /api/albums/<id>/members` `{"username": …, "access": "view" | "add" | "none"}` → the album

An album the user may not see is a 404; one they see but may not change that way a 403."""
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from library.curation import albums
from library.curation.albums import AlbumAccess, AlbumNotFoundError
from photosite.json_body import json_request_body

from .api import BadInputError, api_view, body_field, by_method, photo_ids
from .gallery import gallery_page


def album_json(user, album) -> dict:
    summary = albums.summaries(user, albums.albums_for(user).filter(pk=album.pk))[0]
    answer = {
        "id": album.pk, "title": album.title, "url": f"/albums/{album.pk}/", "owner": album.owner.username,
        "access": AlbumAccess(summary.album.access).name.lower(), "count": summary.count,
        "first_day": summary.first_day, "last_day": summary.last_day,
        "cover": summary.cover.pk if summary.cover else None,
    }
    if summary.album.access == AlbumAccess.OWN:
        answer["members"] = [{"username": name, "access": access} for name, access in albums.members_of(album)]
    return answer


@login_required
@require_GET
def album_list(request):
    cards = albums.summaries(request.user, albums.albums_for(request.user).select_related("owner"))
    return render(request, "library/albums.html", {"cards": cards})


@login_required
@require_GET
def album_page(request, album_id):
    try:
        album = albums.album_for(request.user, album_id)
    except AlbumNotFoundError as error:
        raise Http404(str(error)) from error
    summary = albums.summaries(request.user, albums.albums_for(request.user).filter(pk=album.pk))[0]
    owner = album.access == AlbumAccess.OWN
    context = {
        "album": album, "summary": summary, "scope_title": album.title, "owner": owner,
        "can_add": album.access >= AlbumAccess.ADD, "can_link": owner or request.user.is_staff,
        "members": albums.members_of(album) if owner else [],
        "share_choices": share_choices(request.user) if owner else [],
        "empty_message": "No photos in this album yet: select some in the gallery and add them.",
    }
    return gallery_page(request, "library/album.html", context, {"album": str(album.pk)})


def share_choices(owner) -> list[str]:
    """The other users an album can be shared with (a family's handful)."""
    users = get_user_model().objects.filter(is_active=True).exclude(pk=owner.pk).order_by("username")
    return list(users.values_list("username", flat=True))


@api_view
def list_albums(request):
    return JsonResponse({"albums": [
        {"id": card.album.pk, "title": card.album.title, "count": card.count, "url": f"/albums/{card.album.pk}/",
         "access": AlbumAccess(card.album.access).name.lower()}
        for card in albums.summaries(request.user, albums.albums_for(request.user))]})


@api_view
@json_request_body
def create_album(request, body):
    ids = photo_ids(body_field(body, "ids") or [])
    album = albums.create_album(request.user, body_field(body, "title"), ids)
    return JsonResponse(album_json(request.user, album), status=201)


@api_view
def album_detail(request, album_id):
    return JsonResponse(album_json(request.user, albums.album_for(request.user, album_id)))


@api_view
@json_request_body
def change_album(request, album_id, body):
    albums.album_for(request.user, album_id, AlbumAccess.OWN)  # first: a stranger learns nothing from a body
    if not isinstance(body, dict) or not ({"title", "cover"} & body.keys()):
        raise BadInputError('send JSON {"title": …} or {"cover": <photo id>}')
    album = None
    if "title" in body:
        album = albums.rename(request.user, album_id, body["title"])
    if "cover" in body:
        album = albums.set_cover(request.user, album_id, photo_ids([body["cover"]], "cover")[0])
    return JsonResponse(album_json(request.user, album))


@api_view
def delete_album(request, album_id):
    albums.delete_album(request.user, album_id)
    return HttpResponse(status=204)


@api_view
@json_request_body
def album_photos(request, album_id, body):
    albums.album_for(request.user, album_id, AlbumAccess.ADD)
    if body_field(body, "add") is not None:
        changed = albums.add_photos(request.user, album_id, photo_ids(body["add"], "add"))
    elif body_field(body, "remove") is not None:
        changed = albums.remove_photos(request.user, album_id, photo_ids(body["remove"], "remove"))
    else:
        raise BadInputError('send JSON {"add": [...]} or {"remove": [...]}')
    album = albums.album_for(request.user, album_id)
    return JsonResponse({**album_json(request.user, album), "changed": changed})


@api_view
@json_request_body
def album_members(request, album_id, body):
    album = albums.share(request.user, album_id, body_field(body, "username"), body_field(body, "access"))
    return JsonResponse(album_json(request.user, album))


albums_api = by_method(GET=list_albums, POST=create_album)
album_api = by_method(GET=album_detail, POST=change_album, DELETE=delete_album)
photos_api = by_method(POST=album_photos)
members_api = by_method(POST=album_members)
