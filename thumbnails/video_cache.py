"""Web renditions of videos in the cache: the one owner of "does this photo's rendition exist,
is it being made, or did it fail", over the same `Thumbnail` rows, claim and back-off as
thumbnails (thumbnails.cache) and the same storage, under a content-addressed name with the
generator's version (`ab/cd/<sha256>-v1080-h264-v1.mp4`). A motion photo's rendition is made
the same way from the MP4 inside it, read in place (`source`): a row holds at most one video, so
the photo's SHA-256 and the spec name it as they name a video's.

Two strategies over it. Playback (`playable()`, the rendition view): a stored rendition is served
with Range requests; a missing one is started at once in this process when one of its encode
slots is free (thumbnails.video_jobs) — otherwise the player is told to wait and asks again —
and its fragmented copy, growing in the library's `.video_renditions/` folder, is served while
ffmpeg writes it, by whichever process or machine (sharing the library) asks. Pre-generation
(`ensure()`, the workers and `pregenerate`) waits for a slot and makes it the same way. Either
way one ffmpeg run per rendition, whoever asks: the claim on the row decides, and is taken only
with a slot in hand, so a claimed rendition is one being made.

The claim's lease first covers reading the source, then — once its packets are counted — the
encode's time limit (thumbnails.generators.video_rendition.SourceStreams).

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
from django.utils import timezone

from library.models import Photo
from library.paths import absolute_path, video_renditions_dir

from . import cache
from .errors import ThumbnailError, ThumbnailStoreError
from .generators.embedded_video import embedded_video_span
from .generators.video_rendition import (
    MAX_FPS,
    PRESETS,
    PROBE_TIMEOUT_SECONDS,
    SourceStreams,
    VideoRenditionSpec,
    VideoSource,
    make_rendition,
    read_streams,
    read_time_limit,
)
from .models import Thumbnail, ThumbnailState
from .video_jobs import encode_slots

logger = logging.getLogger("photosite.thumbnails")

STALL_SECONDS = 30  # a growing copy unchanged this long has lost its maker
LEASE_MARGIN_SECONDS = 60  # the claim outlives ffmpeg's time limit, so only a crashed maker loses it
AUDIO_PACKETS_PER_SECOND = 50  # AAC at 48 kHz: 47


@dataclass(frozen=True)
class Stored:
    """A finished rendition in the storage."""
    name: str
    etag: str


@dataclass(frozen=True)
class Growing:
    """A rendition being made: its fragmented copy on this machine, growing."""
    path: Path


def rendition_spec() -> VideoRenditionSpec:
    return cache.current_video_spec()


def storage_name(photo: Photo) -> str:
    return cache.storage_name(photo.sha256, rendition_spec())


def growing_path(photo: Photo) -> Path:
    return video_renditions_dir() / f"{photo.sha256}-{rendition_spec()}.part.mp4"


def source(photo: Photo) -> VideoSource:
    """What the rendition is made from: the video's file, or the MP4 inside a motion photo, once
    it is found still where the import saw it (a ThumbnailError when not)."""
    path = absolute_path(photo.path)
    if photo.is_video:
        return VideoSource(path)
    span = embedded_video_span(path, photo.embedded_video_offset, photo.embedded_video_length or 0)
    return VideoSource(path, span.offset, span.length)


def task_time_limit(photo: Photo) -> float:
    """A worker's time limit for this video's task, fixed when it is queued, before its file is
    read: the encode's limit for the duration the file claims at the highest frame rate kept,
    plus reading it. ffmpeg itself stops at the limit its real packets give; a claim too long
    only lets the task wait for that, a claim too short fails the task."""
    claimed = photo.duration or 0
    estimate = SourceStreams(video_frames=round(claimed * MAX_FPS),
                             audio_packets=round(claimed * AUDIO_PACKETS_PER_SECOND), hdr=False)
    return PROBE_TIMEOUT_SECONDS + estimate.time_limit() + LEASE_MARGIN_SECONDS


def stored(photo: Photo) -> Stored | None:
    name = storage_name(photo)
    if not cache.thumbnail_storage().exists(name):
        return None
    row = cache.rendition_row(photo, rendition_spec(), name)
    if row.state != ThumbnailState.READY:
        cache.record_found(row, name)
    return Stored(name, cache.etag(photo, rendition_spec()))


@dataclass(frozen=True)
class Waiting:
    """Nothing to play yet: every encode slot of this process is busy (`queued`), or the
    rendition's maker is still reading its source. The player asks again."""
    queued: bool


def playable(photo: Photo) -> Stored | Growing | Waiting:
    """What to play now: the stored rendition, the growing copy of one being made (started here
    when nobody is making it and a slot is free), or Waiting. Never blocks. Raises a
    ThumbnailError when it failed lately (back-off)."""
    found = stored(photo)
    if found is not None:
        return found
    row = cache.rendition_row(photo, rendition_spec(), storage_name(photo))
    cache.refuse_during_backoff(row)
    started = start_making(photo, row)
    path = growing_path(photo)
    if path.exists():
        return Growing(path)
    return Waiting(queued=not started and not is_claimed(row))


def is_claimed(row: Thumbnail) -> bool:
    return row.claimed_until is not None and row.claimed_until > timezone.now()


def start_making(photo: Photo, row: Thumbnail) -> bool:
    """When a slot is free and the claim is won, makes the rendition in a thread of this process
    (daemon: a server stopping does not wait for it; the lease then lapses and the next request
    starts again), which gives the slot back when done. True when it started."""
    slots = encode_slots()
    if not slots.try_take():
        return False
    try:
        claimed = claim(photo, row)
    except BaseException:
        slots.release()
        raise
    if not claimed:
        slots.release()
        return False

    def run():
        try:
            make_claimed(photo, row)
        except ThumbnailError:
            pass  # recorded and logged by make_claimed
        finally:
            close_old_connections()
            slots.release()
    threading.Thread(target=run, name=f"rendition-{photo.pk}", daemon=True).start()
    return True


def claim(photo: Photo, row: Thumbnail, during_backoff: bool = False) -> bool:
    """Wins the row for reading the source (its lease extended once the encode's limit is known),
    and clears what an abandoned attempt left, so that a growing copy seen from now on is this one's."""
    lease = timedelta(seconds=read_time_limit(source(photo)) + LEASE_MARGIN_SECONDS)
    if not cache.claim(row, lease, during_backoff=during_backoff):
        return False
    path = growing_path(photo)
    for leftover in (path, finished_path(path)):
        leftover.unlink(missing_ok=True)
    return True


def hold_claim(row: Thumbnail, time_limit: float):
    """Extends the claim past the encode's time limit, once the source's packets have given it."""
    Thumbnail.objects.filter(pk=row.pk).update(
        claimed_until=timezone.now() + timedelta(seconds=time_limit + LEASE_MARGIN_SECONDS))


def ensure(photo: Photo, force: bool = False) -> bool:
    """Makes the rendition unless it is stored (or, with `force`, again) or someone else is
    making it; True when this call made it. For the workers and `pregenerate`: waits for one of
    this process's encode slots first."""
    name = storage_name(photo)
    with encode_slots().held():
        if not force and stored(photo) is not None:
            return False
        row = cache.rendition_row(photo, rendition_spec(), name)
        if not force:
            cache.refuse_during_backoff(row)
        if not claim(photo, row, during_backoff=force):
            return False
        if force:
            cache.thumbnail_storage().delete(name)
        make_claimed(photo, row)
    return True


def finished_path(growing: Path) -> Path:
    return growing.with_name(growing.name.replace(".part.", ".done."))


def make_claimed(photo: Photo, row: Thumbnail):
    """Counts the source's packets, holds the claim for the encode's time limit they give, runs
    the generator, stores the rendition, records it (or the failure)."""
    path = growing_path(photo)
    path.parent.mkdir(parents=True, exist_ok=True)
    finished = finished_path(path)
    started = time.monotonic()
    try:
        video = source(photo)
        streams = read_streams(video)
        hold_claim(row, streams.time_limit())
        make_rendition(video, finished, rendition_spec(), streams, growing=path,
                       preset=settings.PHOTOSITE_VIDEO_RENDITION_PRESET)
        size = store(finished, storage_name(photo))
    except ThumbnailError as error:
        cache.record_failure(photo, rendition_spec(), row, error, what="Video rendition")
        raise
    except BaseException:
        cache.release(row)
        raise
    finally:
        path.unlink(missing_ok=True)  # tells the followers it is finished
        finished.unlink(missing_ok=True)
    Thumbnail.objects.filter(pk=row.pk).update(**cache.ready_fields(storage_name(photo), size))
    logger.info("Video rendition made: photo %s %s, %d bytes in %.1f s", photo.pk, rendition_spec(), size,
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
