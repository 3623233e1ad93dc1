"""`GET /api/photo/<id>/motion`: the video inside a motion photo, cut out on first request
(`cache.ensure_embedded_video`) and then served from the thumbnails storage, with Range so that
a browser's player can start and seek. Thin, like the thumbnail view: 404 for a photo that is
not there, not visible or has no embedded video; 410 when the video is not where it should be."""
import logging

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.db import close_old_connections
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from library.models import Photo
from library.services.byte_ranges import ByteRange, UnsatisfiableRangeError, parse_range

from . import cache
from .errors import ThumbnailError
from .links import content_version
from .responses import cache_control

logger = logging.getLogger("photosite.thumbnails")

PHOTO_FIELDS = ("id", "sha256", "path", "kind", "original_name", "trashed_at", "embedded_video_offset",
                "embedded_video_length")


@require_safe
@login_required
async def photo_embedded_video(request, photo_id):
    photo = await Photo.objects.only(*PHOTO_FIELDS).filter(pk=photo_id).afirst()
    if photo is None or not photo.is_visible_to(await request.auser()) or not photo.has_embedded_video:
        raise Http404("no such motion photo")
    size = photo.embedded_video_length
    try:
        byte_range = parse_range(request.headers.get("Range"), size)
    except UnsatisfiableRangeError:
        return HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}"})
    data = await sync_to_async(read_range, thread_sensitive=False)(photo, byte_range or ByteRange(0, size - 1))
    if data is None:
        return HttpResponse("the motion photo's video could not be read", status=410, content_type="text/plain")
    response = HttpResponse(data, status=206 if byte_range else 200, content_type=cache.EMBEDDED_VIDEO_TYPE)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = f'"{photo.sha256}-{cache.EMBEDDED_VIDEO_SPEC}"'
    response["Cache-Control"] = cache_control(request.GET.get("v"), content_version(photo))
    if byte_range:
        response["Content-Range"] = byte_range.content_range(size)
    return response


def read_range(photo: Photo, byte_range: ByteRange) -> bytes | None:
    """The range's bytes of the cut-out video (cut first when missing); None when it cannot be."""
    try:
        name = cache.ensure_embedded_video(photo)
        with cache.thumbnail_storage().open(name, "rb") as video:
            video.seek(byte_range.start)
            return video.read(byte_range.length)
    except (ThumbnailError, FileNotFoundError) as error:
        logger.error("Embedded video of photo %s (%s) not served: %s", photo.pk, photo.original_name, error)
        return None
    finally:
        close_old_connections()
