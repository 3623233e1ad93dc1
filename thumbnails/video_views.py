"""`GET /api/photo/<id>/video`: a video's web rendition, for the viewer's `<video>`. Thin: the
policy (library.video_playback) says whether there is one — if not, the original plays, and this
URL redirects there; the cache (thumbnails.video_cache) says what exists.

- Stored: served from the storage with Range requests (seeking), a strong ETag and `If-Range`.
- Being made: the growing fragmented copy is streamed as ffmpeg writes it (no length, `no-store`),
  so the first frame shows within a second or two of the first play; the browser seeks within
  what it received. The next play finds it stored.
- Cannot be made (ffmpeg fails on it, or failed lately and backs off): 422 with the short reason;
  the viewer then says it cannot be played and offers the original.

Async: ffmpeg runs in a thread of its own (started by the cache), a first play's probe in the
generation pool (photosite.generation_pool), and every read is a short hop to a thread of this
view's own small pool, so a player following a growing file holds no thread while it waits, and
playback never queues behind thumbnails being made or files being probed."""
import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth.decorators import login_required
from django.db import close_old_connections
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from library.importing.video_metadata import record_playback
from library.models import Photo
from library.services.byte_ranges import ByteRange, UnsatisfiableRangeError, parse_range
from library.video_playback import serves_rendition
from photosite.generation_pool import in_generation_pool

from . import cache, video_cache
from .errors import ThumbnailError

logger = logging.getLogger("photosite.thumbnails")

CHUNK_BYTES = 256 * 1024
FOLLOW_POLL_SECONDS = 0.1
PLAIN_TEXT = "text/plain; charset=utf-8"
CACHING = "private, max-age=86400"
PLAYBACK_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="video-playback")


async def hop(call, *args):
    """`call(*args)` in the playback pool (database queries, file reads, storage calls)."""
    return await asyncio.get_running_loop().run_in_executor(PLAYBACK_THREADS, call, *args)


@require_safe
@login_required
async def photo_video(request, photo_id):
    photo = await Photo.objects.filter(pk=photo_id).afirst()
    if photo is None or not photo.is_visible_to(await request.auser()) or not photo.is_video:
        raise Http404("no such video")
    if not photo.playback:  # imported before verdicts were recorded: decide now, once
        await in_generation_pool(record_playback, photo)
    if not serves_rendition(photo):
        return HttpResponseRedirect(reverse("original", args=[photo.pk]))
    try:
        found = await hop(playable, photo)
    except ThumbnailError as error:
        return HttpResponse(f"this video cannot be played in the browser: {error}", status=422,
                            content_type=PLAIN_TEXT, headers={"Cache-Control": "no-store"})
    if isinstance(found, video_cache.Growing):
        return growing_response(found)
    return await stored_response(request, found)


def playable(photo: Photo):
    try:
        return video_cache.playable(photo)
    finally:
        close_old_connections()


async def stored_response(request, found: video_cache.Stored):
    storage = cache.thumbnail_storage()
    size = await hop(storage.size, found.name)
    try:
        byte_range = parse_range(request.headers.get("Range"), size)
    except UnsatisfiableRangeError:
        return HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}"})
    partial = byte_range is not None and request.headers.get("If-Range", found.etag) == found.etag
    if not partial:
        byte_range = ByteRange(0, size - 1)
    response = StreamingHttpResponse(read_stored(storage, found.name, byte_range), status=206 if partial else 200,
                                     content_type="video/mp4")
    response["Content-Length"] = str(byte_range.length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = found.etag
    response["Cache-Control"] = CACHING
    if partial:
        response["Content-Range"] = byte_range.content_range(size)
    return response


async def read_stored(storage, name: str, byte_range: ByteRange):
    stored = await hop(storage.open, name, "rb")
    try:
        await hop(stored.seek, byte_range.start)
        remaining = byte_range.length
        while remaining > 0:
            chunk = await hop(stored.read, min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
    finally:
        stored.close()


def growing_response(growing: video_cache.Growing):
    response = StreamingHttpResponse(follow(growing.path), content_type="video/mp4")
    response["Cache-Control"] = "no-store"
    response["Accept-Ranges"] = "none"
    return response


async def follow(path):
    """The growing file's bytes as they arrive, until its maker removes it (finished or failed)
    and the rest is read, or it stops growing for `STALL_SECONDS` (its maker died)."""
    try:
        growing = await hop(open, path, "rb")
    except FileNotFoundError:
        return  # finished between the look and the open: the next request gets the stored one
    try:
        idle = 0.0
        while idle < video_cache.STALL_SECONDS:
            chunk = await hop(growing.read, CHUNK_BYTES)
            if chunk:
                idle = 0.0
                yield chunk
            elif not path.exists():
                while chunk := await hop(growing.read, CHUNK_BYTES):
                    yield chunk
                return
            else:
                await asyncio.sleep(FOLLOW_POLL_SECONDS)
                idle += FOLLOW_POLL_SECONDS
        logger.warning("Video rendition %s stopped growing; its maker is gone", path.name)
    finally:
        growing.close()
