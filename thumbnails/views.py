"""`GET /api/photo/<id>/thumbnail`: thin. Spec from the request → cached bytes → response; on a
miss `thumbnail_renditions.ensure()`, whose just-made bytes are served; on failure a grey placeholder. What the
response says (spec, Cache-Control, ETag matching) is `responses`', shared with the fast path.
Async, so cache hits never queue behind a generation: misses are made in the generation pool
(photosite.generation_pool; at most PHOTOSITE_GENERATION_THREADS at once), never in the event
loop's shared pool, where they would hold up the reads of originals and event streams.

Hits are an HttpResponse of the bytes rather than a FileResponse: a thumbnail is small, and
under ASGI a FileResponse's file iterator costs a thread hop (and a warning) per response.

A thumbnail kept in an object store is answered, once the access check is done, with a
short-lived presigned link to it (`PHOTOSITE_S3_REDIRECT`), or else from a copy on this machine
(thumbnails.local_cache), which the fast path then serves like a file of a local storage."""
import logging
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import close_old_connections
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from library.models import Photo
from photosite.generation_pool import in_generation_pool
from photosite.object_responses import object_response

from . import store
from .errors import RenditionError
from .formats import served_spec
from .links import content_version
from .local_cache import thumbnail_cache
from .names import etag as rendition_etag
from .placeholder import placeholder_jpeg
from .responses import NO_STORE, Offer, cache_control, etag_matches, leave_offer
from .specs import DEFAULT_SIZE, InvalidSpecError, ThumbnailSpec
from .thumbnail_renditions import ensure

logger = logging.getLogger("photosite.thumbnails")

# Error answers are plain text: their reason quotes the query, which must never be read as markup.
PLAIN_TEXT = "text/plain; charset=utf-8"
PHOTO_FIELDS = ("id", "sha256", "path", "kind", "width", "height", "duration", "original_name", "trashed_at")


@require_safe
@login_required
async def photo_thumbnail(request, photo_id):
    user = await request.auser()
    return await thumbnail_response(request, Photo.objects.visible_to(user), photo_id, user)


async def thumbnail_response(request, photos, photo_id, user=None):
    """The thumbnail of photo `photo_id` if it is among `photos` (those the request may see), else
    404. `user` is the logged-in user the fast path may learn this session is; None (a share
    link's request) offers it nothing, so it never answers such a session."""
    try:
        spec = spec_for_request(request)
    except InvalidSpecError as error:
        return HttpResponseBadRequest(str(error), content_type=PLAIN_TEXT)
    photos = photos.only(*PHOTO_FIELDS).annotate(thumbnail_recorded=store.ready_annotation(spec))
    photo = await photos.filter(pk=photo_id).afirst()
    if photo is None:
        raise Http404("no such photo")
    etag = rendition_etag(photo, spec)
    caching = cache_control(request.GET.get("v"), content_version(photo))
    if etag_matches(etag, request.headers.get("If-None-Match", "")):
        return with_headers(HttpResponseNotModified(), etag, caching)
    if photo.thumbnail_recorded and redirects_to_store():
        response = await object_response(request, store.storage(), store.Entry(photo, spec).name, etag,
                                         spec.content_type, caching)
        patch_vary_headers(response, ["Accept"])  # WebP or JPEG: the link depends on it
        return response
    served = await cached_or_made(photo, spec)
    if served is None:
        response = HttpResponse(placeholder_jpeg(photo.width, photo.height, spec), content_type="image/jpeg")
        response["X-Thumbnail-Placeholder"] = "1"
        return with_headers(response, None, NO_STORE)
    if user is not None and served.path is not None:
        offer_to_fast_path(request, user, photo, spec, etag, served)
    return with_headers(HttpResponse(served.data, content_type=spec.content_type), etag, caching)


def spec_for_request(request) -> ThumbnailSpec:
    return served_spec(request.GET.get("size", DEFAULT_SIZE), request.headers.get("Accept", ""))


def redirects_to_store() -> bool:
    """Whether a stored thumbnail is answered with a link to the store rather than with its bytes."""
    return settings.PHOTOSITE_S3_REDIRECT and not store.stored_on_this_machine()


@dataclass(frozen=True)
class Served:
    """A thumbnail's bytes, and the file on this machine holding them (for the fast path), if any:
    the library's own storage's file, or else this machine's copy of a remote store's."""
    data: bytes
    path: str | None = None
    in_library_storage: bool = False

    @classmethod
    def from_storage_or_copy(cls, data: bytes, entry: store.Entry, path: str | None) -> "Served":
        """`path` is the entry's `local_path()`: None for a remote storage, whose copy is kept here."""
        return cls(data, path, True) if path is not None else cls(data, kept_nearby(entry, data))


async def cached_or_made(photo: Photo, spec: ThumbnailSpec) -> Served | None:
    """The thumbnail (made first on a miss, including a file that vanished from the storage), or
    None when it cannot be made; the store has then logged why.

    A recorded hit on local disk is read right here: a thumbnail is a few dozen kilobytes in the
    page cache, cheaper to read than a hop to a worker thread; one in a storage that may be
    remote is read (or its copy on this machine is) in the loop's shared pool, like any file
    served. Everything else goes through `ensure()` in the generation pool: a miss, a file gone
    from under its row, and a file its row does not record yet (ensure records it)."""
    if photo.thumbnail_recorded:
        served = (recorded(photo, spec) if store.stored_on_this_machine()
                  else await sync_to_async(recorded, thread_sensitive=False)(photo, spec))
        if served is not None:
            return served
    return await in_generation_pool(ensured, photo, spec)


def recorded(photo: Photo, spec: ThumbnailSpec) -> Served | None:
    """The thumbnail its row records as stored (from this machine's copy when the storage is
    remote); None when it is no longer in the storage."""
    entry = store.Entry(photo, spec)
    path = entry.local_path()
    if path is None and (copy := nearby_copy(entry)) is not None:
        return copy
    try:
        data = entry.read()
    except FileNotFoundError:
        return None
    return Served.from_storage_or_copy(data, entry, path)


def ensured(photo: Photo, spec: ThumbnailSpec) -> Served | None:
    """On a miss, the bytes `ensure` just made (never read back from the storage)."""
    try:
        rendition = ensure(photo, spec, recorded=photo.thumbnail_recorded)
        data = rendition.read()
    except (RenditionError, FileNotFoundError):
        return None
    finally:
        close_old_connections()
    return Served.from_storage_or_copy(data, rendition.entry, rendition.entry.local_path())


def nearby_copy(entry: store.Entry) -> Served | None:
    """This machine's copy of a thumbnail kept in a remote storage, if it has one."""
    path = thumbnail_cache().lookup(entry.name)
    try:
        return Served(path.read_bytes(), str(path)) if path is not None else None
    except FileNotFoundError:  # removed by another process to make room since
        return None


def kept_nearby(entry: store.Entry, data: bytes) -> str | None:
    """Keeps a copy of a remote storage's thumbnail on this machine, for the next requests (and
    the fast path), unless browsers are sent to the store for it."""
    if settings.PHOTOSITE_S3_REDIRECT:
        return None
    try:
        return str(thumbnail_cache().put(entry.name, data))
    except OSError as error:  # a full disk costs the copy, never the answer
        logger.warning("Could not keep a copy of thumbnail %s on this machine: %s", entry.name, error)
        return None


def offer_to_fast_path(request, user, photo: Photo, spec: ThumbnailSpec, etag: str, served: Served):
    """Offer `thumbnails.fast_path` this thumbnail, whose file `served.path` is on this machine, so
    that it may answer the next requests for it before Django (see `fast_path_tables` for how
    long, and the trade-off), with what the access rule needs to decide."""
    if settings.PHOTOSITE_THUMBNAIL_FAST_PATH:
        leave_offer(request, Offer(request.session.session_key, user.is_staff, photo.pk, spec, served.path, etag,
                                   spec.content_type, content_version(photo), photo.trashed_at is not None,
                                   deleted_on_trash=served.in_library_storage))


def with_headers(response, etag, caching):
    if etag:
        response["ETag"] = etag
    response["Cache-Control"] = caching
    patch_vary_headers(response, ["Accept"])
    return response
