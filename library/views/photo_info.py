"""The viewer's info panel as JSON: thin over library.services.photo_info."""
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from library.services.photo_info import PhotoNotFoundError, photo_info, visible_photo
from library.services.timeline import with_partners
from library.tile_records import photo_base, tile_record
from thumbnails.placeholders import for_photos


@require_GET
def photo_info_json(request, photo_id):
    """401 to a visitor who has not signed in (a script asked, not a person: no login page); 404
    for a photo they may not see."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "login required"}, status=401)
    try:
        photo = visible_photo(photo_id, request.user)
    except PhotoNotFoundError as error:
        return JsonResponse({"error": str(error)}, status=404)
    with_partners([photo])
    tile = tile_record(photo, photo_base(), for_photos([photo.pk]).get(photo.pk))
    return JsonResponse({**photo_info(photo, request.user), "tile": tile})
