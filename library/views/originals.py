"""Serving an original file: in the page (a video's `src`, with Range so seeking works) or as a
download under its original name. Async, so a multi-gigabyte video streams through uvicorn in
chunks: Django would read a synchronous iterator into memory whole before serving it."""
import logging

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from library.models import Photo
from library.paths import absolute_path
from photosite.byte_ranges import ByteRange, UnsatisfiableRangeError, parse_range, read_range

logger = logging.getLogger("photosite.gallery")

@login_required
async def original(request, photo_id):
    photo = await Photo.objects.filter(pk=photo_id).afirst()
    if photo is None or not photo.is_visible_to(await request.auser()):
        raise Http404("no such photo")
    path = absolute_path(photo.path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as error:
        logger.error("Original of photo %s is missing: %s", photo.pk, path)
        raise Http404("the original file is missing from the library") from error
    try:
        byte_range = parse_range(request.headers.get("Range"), size)
    except UnsatisfiableRangeError:
        return HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}"})
    return original_response(request, photo, path, size, byte_range)


def original_response(request, photo, path, size, byte_range):
    etag = f'"{photo.sha256}"'
    # If-Range: the player's earlier bytes came from another version of the file; send it whole.
    partial = byte_range is not None and request.headers.get("If-Range", etag) == etag
    if not partial:
        byte_range = ByteRange(0, size - 1)
    response = StreamingHttpResponse(
        read_range(path, byte_range), status=206 if partial else 200, content_type=photo.mime_type
    )
    response["Content-Length"] = str(byte_range.length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=86400"
    if partial:
        response["Content-Range"] = byte_range.content_range(size)
    if request.GET.get("download"):
        response["Content-Disposition"] = content_disposition_header(True, photo.original_name)
    return response
