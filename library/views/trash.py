"""`POST /api/trash/` `{"ids": [...]}`: the gallery's selection moved to the trash, by staff only
(as in the admin; the trash is theirs). Answers `{"trashed": [ids]}`; ids already in the trash
or unknown are left out."""
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from library.curation.trash import move_to_trash
from library.models import Photo
from photosite.json_api import api_error
from photosite.json_body import json_request_body

from .api import api_view, body_field, photo_ids


@require_POST
@api_view
@json_request_body
def trash_photos(request, body):
    if not request.user.is_staff:
        return api_error("only staff move photos to the trash", 403)
    trashed = []
    for photo in Photo.objects.in_library().filter(pk__in=photo_ids(body_field(body, "ids"))).order_by("pk"):
        move_to_trash(photo)
        trashed.append(photo.pk)
    return JsonResponse({"trashed": trashed})
