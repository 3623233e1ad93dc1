"""Serving an original file: in the page (a video's `src`, with Range so seeking works) or as a
download under its original name. Async, streamed a chunk at a time by
photosite.ranged_responses, so a multi-gigabyte video never sits in memory."""
import logging
from datetime import UTC, datetime
from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.http import content_disposition_header

from library.models import Photo
from library.paths import absolute_path
from photosite.ranged_responses import Window, ranged_response

logger = logging.getLogger("photosite.gallery")


@login_required
async def original(request, photo_id):
    photo = await Photo.objects.visible_to(await request.auser()).filter(pk=photo_id).afirst()
    if photo is None:
        raise Http404("no such photo")
    return original_response(request, photo)


def original_response(request, photo: Photo):
    """The photo's original file (one the request may have), ranged; `?download=1` as a download."""
    path = absolute_path(photo.path)
    try:
        stat = path.stat()
    except FileNotFoundError as error:
        logger.error("Original of photo %s is missing: %s", photo.pk, path)
        raise Http404("the original file is missing from the library") from error
    response = ranged_response(request, Window(partial(open, path, "rb"), stat.st_size), f'"{photo.sha256}"',
                               photo.mime_type, last_modified=datetime.fromtimestamp(stat.st_mtime, UTC))
    response["Cache-Control"] = "private, max-age=86400"
    if request.GET.get("download"):
        response["Content-Disposition"] = content_disposition_header(True, photo.original_name)
    return response
