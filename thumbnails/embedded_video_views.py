"""`GET /api/photo/<id>/motion`: the video inside a motion photo. The playback policy
(library.media.video_playback, library.playback) judges it as any video: one browsers play (H.264) is streamed from its
byte span of the original with Range (seeking), as originals are: nothing is copied, and a
connection holds a chunk or two however large the video and however slowly it is read. One they
do not (HEVC, as Galaxy phones write it) is answered with its web rendition, exactly as
`/api/photo/<id>/video` answers for a video (thumbnails.video_views): stored, or streamed while
it is made on first play. Thin, like the thumbnail view: 404 for a photo that is not there, not visible or has no embedded video; 410 when the
video is not where it should be (the original changed or went missing)."""
import logging
from functools import partial

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from library.models import Photo
from library.originals import local_path, originals_storage
from library.playback import serves_rendition
from photosite.ranged_responses import Window, ranged_response

from .errors import RenditionError
from .generators.embedded_video import embedded_video_span
from .links import content_version
from .responses import cache_control
from .video_views import record_missing_verdict, rendition_response

logger = logging.getLogger("photosite.thumbnails")

PHOTO_FIELDS = ("id", "sha256", "path", "kind", "format", "original_name", "trashed_at", "embedded_video_offset",
                "embedded_video_length", "playback", "video_codecs", "duration")
EMBEDDED_VIDEO_VERSION = "motion-v1"  # in the ETag: the same bytes as when they were cut out to the cache
EMBEDDED_VIDEO_TYPE = "video/mp4"


@require_safe
@login_required
async def photo_embedded_video(request, photo_id):
    return await embedded_video_response(request, Photo.objects.visible_to(await request.auser()), photo_id)


async def embedded_video_response(request, photos, photo_id, from_original=True):
    """The motion photo `photo_id`'s video if it is among `photos` (those the request may see),
    else 404; with `from_original` False never its bytes as the file holds them (their metadata
    may say where it was taken) but the rendition, made without it."""
    photo = await photos.only(*PHOTO_FIELDS).filter(pk=photo_id).afirst()
    if photo is None or not photo.has_embedded_video:
        raise Http404("no such motion photo")
    await record_missing_verdict(photo)
    if serves_rendition(photo) or not from_original:
        return await rendition_response(request, photo)
    source = local_path(photo.path)
    if source is None:  # in an object store: the span the import found, read with one ranged GET
        window = Window(partial(originals_storage().reader, photo.path), photo.embedded_video_length or 0,
                        photo.embedded_video_offset)
    else:
        try:
            span = await sync_to_async(embedded_video_span, thread_sensitive=False)(
                source, photo.embedded_video_offset, photo.embedded_video_length or 0)
        except RenditionError as error:
            logger.error("Embedded video of photo %s (%s) not served: %s", photo.pk, photo.original_name, error)
            return HttpResponse("the motion photo's video could not be read", status=410, content_type="text/plain")
        window = Window(partial(open, source, "rb"), span.length, span.offset)
    response = ranged_response(request, window, f'"{photo.sha256}-{EMBEDDED_VIDEO_VERSION}"', EMBEDDED_VIDEO_TYPE)
    response["Cache-Control"] = cache_control(request.GET.get("v"), content_version(photo))
    return response
