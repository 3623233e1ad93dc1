"""Serving an original file: in the page (a video's `src`, with Range so seeking works) or as a
download under its original name. Async, streamed a chunk at a time by
photosite.ranged_responses, so a multi-gigabyte video never sits in memory; an original in an
object store goes through photosite.object_responses (a presigned redirect, by default), only
once the access rule has let the person see it."""
import logging
from datetime import UTC, datetime
from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.http import content_disposition_header

from library.models import Photo
from library.originals import local_path, originals_storage
from photosite.object_responses import object_response
from photosite.ranged_responses import Window, ranged_response

logger = logging.getLogger("photosite.gallery")

CACHING = "private, max-age=86400"


@login_required
async def original(request, photo_id):
    photo = await Photo.objects.filter(pk=photo_id).afirst()
    if photo is None or not photo.is_visible_to(await request.auser()):
        raise Http404("no such photo")
    return await original_response(request, photo)


async def original_response(request, photo: Photo):
    """The photo's original file (one the request may have), ranged; `?download=1` as a download."""
    download_name = photo.original_name if request.GET.get("download") else None
    path = local_path(photo.path)
    try:
        if path is None:
            return await object_response(request, originals_storage(), photo.path, f'"{photo.sha256}"',
                                         photo.mime_type, CACHING, download_name)
        stat = path.stat()
    except FileNotFoundError as error:
        logger.error("Original of photo %s is missing: %s", photo.pk, photo.path)
        raise Http404("the original file is missing from the library") from error
    response = ranged_response(request, Window(partial(open, path, "rb"), stat.st_size), f'"{photo.sha256}"',
                               photo.mime_type, last_modified=datetime.fromtimestamp(stat.st_mtime, UTC))
    response["Cache-Control"] = CACHING
    if download_name:
        response["Content-Disposition"] = content_disposition_header(True, download_name)
    return response
