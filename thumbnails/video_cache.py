"""Web renditions of videos in the cache: the one owner of "does this photo's rendition exist,
is it being made, or did it fail", over the same `Thumbnail` rows, claim and back-off as
thumbnails (thumbnails.cache) and the same storage, under a content-addressed name with the
generator's version (`ab/cd/<sha256>-v1080-h264-v1.mp4`).

Two strategies over it. Playback (`playable()`, the rendition view): a stored rendition is served
with Range requests; a missing one is started at once in this process — never queued — and its
fragmented copy, growing in the library's `.video_renditions/` folder, is served while ffmpeg
writes it, by whichever process or machine (sharing the library) asks. Pre-generation
(`ensure()`, the workers and `pregenerate`) makes it the same way and leaves it to whoever holds
the claim. Either way one ffmpeg run per rendition, whoever asks: the claim on the row decides.

A growing copy is finished when its maker removes it (after the rendition is stored, or failed);
followers read what is left and end. A copy its maker abandoned (killed) stops growing: its
followers give up after `STALL_SECONDS`, and the claim's lease lets the next request make it."""
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.files import File
from django.db import close_old_connections

from library.models import Photo
from library.paths import absolute_path, library_root

from . import cache
from .errors import ThumbnailError, ThumbnailStoreError
from .generators.video_rendition import PRESETS, VideoRenditionSpec, make_rendition, timeout_for
from .models import Thumbnail, ThumbnailState

logger = logging.getLogger("photosite.thumbnails")

WORK_DIR = ".video_renditions"
STALL_SECONDS = 30  # a growing copy unchanged this long has lost its maker
START_WAIT_SECONDS = 10  # for the claim's holder to start writing its growing copy
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Stored:
    """A finished rendition in the storage."""
    name: str
    etag: str


@dataclass(frozen=True)
class Growing:
    """A rendition being made: its fragmented copy on this machine, growing."""
    path: Path


def spec() -> VideoRenditionSpec:
    return cache.current_video_spec()


def storage_name(photo: Photo) -> str:
    return cache.storage_name(photo.sha256, spec())


def growing_path(photo: Photo) -> Path:
    return library_root() / WORK_DIR / f"{photo.sha256}-{spec()}.part.mp4"


def lease_for(photo: Photo) -> timedelta:
    """The claim outlives ffmpeg's time limit for this video, so only a crashed maker loses it."""
    return timedelta(seconds=timeout_for(photo.duration) + 60)


def stored(photo: Photo) -> Stored | None:
    name = storage_name(photo)
    if not cache.thumbnail_storage().exists(name):
        return None
    row = cache.rendition_row(photo, spec(), name)
    if row.state != ThumbnailState.READY:
        cache.record_found(row, name)
    return Stored(name, cache.etag(photo, spec()))


def playable(photo: Photo) -> Stored | Growing:
    """What to play now: the stored rendition, or the growing copy of one being made (started
    here when nobody is making it). Raises a ThumbnailError when it failed lately (back-off) or
    nothing appeared in time."""
    found = stored(photo)
    if found is not None:
        return found
    row = cache.rendition_row(photo, spec(), storage_name(photo))
    cache.refuse_during_backoff(row)
    if cache.claim(row, lease_for(photo)):
        start_making(photo, row)
    return wait_for_growing(photo, row)


def wait_for_growing(photo: Photo, row: Thumbnail) -> Stored | Growing:
    path = growing_path(photo)
    deadline = time.monotonic() + START_WAIT_SECONDS
    while time.monotonic() < deadline:
        if path.exists():
            return Growing(path)
        found = stored(photo)
        if found is not None:
            return found
        row.refresh_from_db()
        cache.refuse_during_backoff(row)
        time.sleep(POLL_SECONDS)
    raise ThumbnailError(f"the rendition of photo {photo.pk} did not start within {START_WAIT_SECONDS} s")


def start_making(photo: Photo, row: Thumbnail):
    """Makes the rendition in a thread of this process (daemon: a server stopping does not wait
    for it; the lease then lapses and the next request starts again)."""
    def run():
        try:
            make_claimed(photo, row)
        except ThumbnailError:
            pass  # recorded and logged by make_claimed
        finally:
            close_old_connections()
    threading.Thread(target=run, name=f"rendition-{photo.pk}", daemon=True).start()


def ensure(photo: Photo, force: bool = False) -> bool:
    """Makes the rendition unless it is stored (or, with `force`, again) or someone else is
    making it; True when this call made it. For the workers and `pregenerate`."""
    name = storage_name(photo)
    if not force and stored(photo) is not None:
        return False
    row = cache.rendition_row(photo, spec(), name)
    if not force:
        cache.refuse_during_backoff(row)
    if not cache.claim(row, lease_for(photo), during_backoff=force):
        return False
    if force:
        cache.thumbnail_storage().delete(name)
    make_claimed(photo, row)
    return True


def make_claimed(photo: Photo, row: Thumbnail):
    """Runs the generator under the row's claim, stores the rendition, records it (or the failure)."""
    path = growing_path(photo)
    path.parent.mkdir(parents=True, exist_ok=True)
    finished = path.with_name(path.name.replace(".part.", ".done."))
    started = time.monotonic()
    for leftover in (path, finished):
        leftover.unlink(missing_ok=True)  # an abandoned attempt's
    try:
        make_rendition(absolute_path(photo.path), finished, spec(), photo.duration, growing=path,
                       preset=settings.PHOTOSITE_VIDEO_RENDITION_PRESET)
        size = store(finished, storage_name(photo))
    except ThumbnailError as error:
        cache.record_failure(photo, spec(), row, error, what="Video rendition")
        raise
    except BaseException:
        cache.release(row)
        raise
    finally:
        path.unlink(missing_ok=True)  # tells the followers it is finished
        finished.unlink(missing_ok=True)
    Thumbnail.objects.filter(pk=row.pk).update(**cache.ready_fields(storage_name(photo), size))
    logger.info("Video rendition made: photo %s %s, %d bytes in %.1f s", photo.pk, spec(), size,
                time.monotonic() - started)


def store(finished: Path, name: str) -> int:
    """Saves the finished file under its name (the storage writes atomically, never overwriting:
    a name taken meanwhile holds the same content, and stays)."""
    storage = cache.thumbnail_storage()
    try:
        with open(finished, "rb") as content:
            saved = storage.save(name, File(content))
        if saved != name:
            storage.delete(saved)
        return os.path.getsize(finished)
    except OSError as error:
        raise ThumbnailStoreError(f"could not store video rendition {name}: {error}") from error



@checks.register()
def check_preset(app_configs, **kwargs) -> list[checks.Error]:
    """A preset x264 does not know would fail every rendition: refuse to start instead."""
    preset = settings.PHOTOSITE_VIDEO_RENDITION_PRESET
    if preset in PRESETS:
        return []
    return [checks.Error(f"PHOTOSITE_VIDEO_RENDITION_PRESET={preset!r} is not an x264 preset offered here",
                         hint=f"use one of {', '.join(PRESETS)}", id="thumbnails.E002")]
