"""Favourites: the page of the user's own, and the API behind the hearts. Thin: the rules are
library.curation.favourites.

- `GET /api/favourites/?ids=1,2,3` → `{"favourites": [ids among those that are the user's]}`
- `POST /api/favourites/` `{"ids": [...], "favourite": true|false}` → `{"favourites": [ids changed]}`
  (photos the user may not see are left out)."""
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from library.curation import favourites
from library.models import Photo
from photosite.json_body import json_request_body

from .api import BadInputError, api_view, body_field, by_method, photo_ids, query_ids
from .gallery import GRID_API, gallery_page


@login_required
@require_GET
def favourites_page(request):
    tiles = favourites.favourites_scope(request.user, Photo.objects.gallery_tiles())
    context = {"grid_api": f"{GRID_API}?favourites=1", "scope_title": "Favourites",
               "empty_message": "No favourites yet: tap the heart on a photo to keep it here."}
    return gallery_page(request, "library/favourites.html", context, tiles)


@api_view
def favourite_state(request):
    return JsonResponse({"favourites": favourites.favourite_ids(request.user, query_ids(request))})


@api_view
@json_request_body
def change_favourites(request, body):
    favourite = body_field(body, "favourite")
    if not isinstance(favourite, bool):
        raise BadInputError('send JSON {"ids": [...], "favourite": true or false}')
    ids = photo_ids(body_field(body, "ids"))
    return JsonResponse({"favourites": favourites.set_favourite(request.user, ids, favourite)})


favourites_api = by_method(GET=favourite_state, POST=change_favourites)
