"""`GET /api/photo/<id>/video`: a video's web rendition, for the viewer's `<video>`. Thin: the
policy (library.media.video_playback) says whether there is one — if not, the original plays, and this
URL redirects there; the store says what exists (thumbnails.video_renditions asks it).

- Stored: served from the storage with Range requests (seeking), a strong ETag and `If-Range`;
  from an object store, a presigned redirect to it (photosite.object_responses).
- Not started yet (every encode slot of this process busy, or its maker still reading the
  source): the request waits, holding no thread, asking again now and then, for at most
  `WAIT_SECONDS`; then 503 with Retry-After, which the viewer shows as waiting and tries again.
- Being made: the growing fragmented copy is streamed as ffmpeg writes it (no length, `no-store`),
  so the first frame shows within a second or two of the first play; the browser seeks within
  what it received. The next play finds it stored.
- Cannot be made (ffmpeg fails on it, or failed lately and backs off): 422 with the short reason;
  the viewer then says it cannot be played and offers the original.

Async: ffmpeg runs in a thread of its own (started by thumbnails.video_renditions), a first play's probe in the
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

from library.models import Photo
from library.playback import serves_rendition
from photosite.connection_release import give_back_request_connections
from photosite.generation_pool import in_generation_pool
from photosite.object_responses import object_response
from photosite.ranged_responses import Window, ranged_response

from . import store, video_renditions
from .errors import RenditionError

logger = logging.getLogger("photosite.thumbnails")

CHUNK_BYTES = 256 * 1024
FOLLOW_POLL_SECONDS = 0.1
PLAIN_TEXT = "text/plain; charset=utf-8"
CACHING = "private, max-age=86400"
WAIT_SECONDS = 20
STARTING_POLL_SECONDS = 0.05  # between asks while its maker reads the source: the first frame is near
QUEUED_POLL_SECONDS = 0.5  # between asks while every encode slot is busy
RETRY_AFTER_SECONDS = 5
PLAYBACK_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="video-playback")


async def in_playback_pool(call, *args):
    """`call(*args)` in the playback pool (database queries, file reads, storage calls). As for
    the generation pool, the calling request gives its database connection back first."""
    await give_back_request_connections()
    return await asyncio.get_running_loop().run_in_executor(PLAYBACK_THREADS, call, *args)


@require_safe
@login_required
async def photo_video(request, photo_id):
    photos = Photo.objects.visible_to(await request.auser())
    return await video_response(request, photos, photo_id, lambda photo: reverse("original", args=[photo.pk]))


async def video_response(request, photos, photo_id, original_url):
    """The video `photo_id` if it is among `photos` (those the request may see), else 404: its
    rendition, or a redirect to `original_url(photo)` when it plays as it is (None: the original
    may not be sent, and the rendition, made without the file's metadata, plays instead)."""
    photo = await photos.filter(pk=photo_id).afirst()
    if photo is None or not photo.is_video:
        raise Http404("no such video")
    await record_missing_verdict(photo)
    original = original_url(photo)
    if original is not None and not serves_rendition(photo):
        return HttpResponseRedirect(original)
    return await rendition_response(request, photo)


async def record_missing_verdict(photo: Photo):
    """A video (or motion photo) imported before verdicts were recorded is probed now, once."""
    if not photo.playback:
        await in_generation_pool(photo.record_playback)


async def rendition_response(request, photo: Photo):
    """The web rendition of the photo's video (its own, or a motion photo's): stored, growing,
    waiting (503) or impossible (422). The motion route answers with it too."""
    for _ in range(2):  # a growing copy that finishes between the look and the open is stored by then
        try:
            found = await wait_until_playable(photo)
        except RenditionError as error:
            return HttpResponse(f"this video cannot be played in the browser: {error}", status=422,
                                content_type=PLAIN_TEXT, headers={"Cache-Control": "no-store"})
        if isinstance(found, video_renditions.Waiting):
            break
        if isinstance(found, video_renditions.Stored):
            return await stored_response(request, found)
        try:
            growing = await in_playback_pool(open, found.path, "rb")
        except FileNotFoundError:
            continue
        return growing_response(growing, found.path)
    return HttpResponse("this video is waiting for others to be prepared for the browser; try again",
                        status=503, content_type=PLAIN_TEXT,
                        headers={"Cache-Control": "no-store", "Retry-After": str(RETRY_AFTER_SECONDS)})


async def wait_until_playable(photo: Photo):
    """Asks the store until there is something to play or `WAIT_SECONDS` have passed (a player
    that goes away ends the wait: Django cancels the view)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while True:
        found = await in_playback_pool(playable, photo)
        if not isinstance(found, video_renditions.Waiting):
            return found
        pause = QUEUED_POLL_SECONDS if found.queued else STARTING_POLL_SECONDS
        if loop.time() + pause > deadline:
            return found
        await asyncio.sleep(pause)


def playable(photo: Photo):
    try:
        return video_renditions.playable(photo)
    finally:
        close_old_connections()


async def stored_response(request, found: video_renditions.Stored):
    if found.entry.local_path() is None:
        return await object_response(request, store.storage(), found.entry.name, found.etag, "video/mp4", CACHING)
    size = await in_playback_pool(found.entry.size)
    response = ranged_response(request, Window(found.entry.open, size), found.etag, "video/mp4", run=in_playback_pool)
    response["Cache-Control"] = CACHING
    return response


def growing_response(growing, path):
    response = StreamingHttpResponse(follow(growing, path), content_type="video/mp4")
    response["Cache-Control"] = "no-store"
    response["Accept-Ranges"] = "none"
    return response


async def follow(growing, path):
    """The growing file's bytes (`growing`, open) as they arrive, until its maker removes it
    (finished or failed) and the rest is read, or it stops growing for `STALL_SECONDS` (its maker died)."""
    try:
        idle = 0.0
        while idle < video_renditions.STALL_SECONDS:
            chunk = await in_playback_pool(growing.read, CHUNK_BYTES)
            if chunk:
                idle = 0.0
                yield chunk
            elif not path.exists():
                while chunk := await in_playback_pool(growing.read, CHUNK_BYTES):
                    yield chunk
                return
            else:
                await asyncio.sleep(FOLLOW_POLL_SECONDS)
                idle += FOLLOW_POLL_SECONDS
        logger.warning("Video rendition %s stopped growing; its maker is gone", path.name)
    finally:
        growing.close()
