"""Web renditions of videos over the rendition store (thumbnails.store), which owns whether
one exists, is being made or failed, as it does for thumbnails: one spec more over the same
store, named with the generator's version (`ab/cd/<sha256>-v1080-h264-v1.mp4`). A motion photo's rendition is made
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.files import File
from django.db import close_old_connections

from library.models import Photo
from library.originals import local_copy, local_path
from library.paths import video_renditions_dir

from . import store
from .errors import RenditionError
from .generators.embedded_video import embedded_video_span
from .generators.video_rendition import (
    MAX_FPS,
    PRESETS,
    PROBE_TIMEOUT_SECONDS,
    SourceStreams,
    VideoSource,
    make_rendition,
    read_streams,
    read_time_limit,
    read_time_limit_of,
)
from .names import current_video_spec, etag
from .specs import VideoRenditionSpec
from .video_jobs import encode_slots

logger = logging.getLogger("photosite.thumbnails")

STALL_SECONDS = 30  # a growing copy unchanged this long has lost its maker
LEASE_MARGIN_SECONDS = 60  # the claim outlives ffmpeg's time limit, so only a crashed maker loses it
AUDIO_PACKETS_PER_SECOND = 50  # AAC at 48 kHz: 47


@dataclass(frozen=True)
class Stored:
    """A finished rendition in the store."""
    entry: store.Entry

    @property
    def etag(self) -> str:
        return etag(self.entry.photo, self.entry.spec)


@dataclass(frozen=True)
class Growing:
    """A rendition being made: its fragmented copy on this machine, growing."""
    path: Path


def rendition_spec() -> VideoRenditionSpec:
    return current_video_spec()


def entry(photo: Photo) -> store.Entry:
    """The photo's video rendition in the store."""
    return store.Entry(photo, rendition_spec())


def growing_path(photo: Photo) -> Path:
    return video_renditions_dir() / f"{photo.sha256}-{rendition_spec()}.part.mp4"


@contextmanager
def opened_source(photo: Photo) -> Iterator[VideoSource]:
    """What the rendition is made from, on this machine for as long as it is made (a temporary copy
    of an original kept in an object store)."""
    with local_copy(photo.path) as path:
        yield source_at(photo, path)


def source_at(photo: Photo, path: Path) -> VideoSource:
    """The video's file, or the MP4 inside a motion photo, once it is found still where the import
    saw it (a RenditionError when not)."""
    if photo.is_video:
        return VideoSource(path)
    span = embedded_video_span(path, photo.embedded_video_offset, photo.embedded_video_length or 0)
    return VideoSource(path, span.offset, span.length)


def claim_time_limit(photo: Photo) -> float:
    """Reading the source, for the claim: its file on this machine (SourceMissingError when gone),
    or, for an original in an object store (not fetched just to claim it), the size its row records."""
    path = local_path(photo.path)
    if path is None:
        return read_time_limit_of(photo.embedded_video_length or photo.size)
    return read_time_limit(source_at(photo, path))


def task_time_limit(photo: Photo) -> float:
    """A worker's time limit for this video's task, fixed when it is queued, before its file is
    read: the encode's limit for the duration the file claims at the highest frame rate kept,
    plus reading it. ffmpeg itself stops at the limit its real packets give; a claim too long
    only lets the task wait for that, a claim too short fails the task."""
    claimed = photo.duration or 0
    estimate = SourceStreams(video_frames=round(claimed * MAX_FPS),
                             audio_packets=round(claimed * AUDIO_PACKETS_PER_SECOND), hdr=False)
    return PROBE_TIMEOUT_SECONDS + estimate.time_limit() + LEASE_MARGIN_SECONDS


def stored(rendition: store.Entry) -> Stored | None:
    if not rendition.exists():
        return None
    if not rendition.is_ready():
        rendition.record_found()
    return Stored(rendition)


@dataclass(frozen=True)
class Waiting:
    """Nothing to play yet: every encode slot of this process is busy (`queued`), or the
    rendition's maker is still reading its source. The player asks again."""
    queued: bool


def playable(photo: Photo) -> Stored | Growing | Waiting:
    """What to play now: the stored rendition, the growing copy of one being made (started here
    when nobody is making it and a slot is free), or Waiting. Never blocks. Raises a
    RenditionError when it failed lately (back-off)."""
    rendition = entry(photo)
    found = stored(rendition)
    if found is not None:
        return found
    rendition.refuse_during_backoff()
    started = start_making(rendition)
    path = growing_path(photo)
    if path.exists():
        return Growing(path)
    return Waiting(queued=not started and not rendition.get_state().is_claimed())


def start_making(rendition: store.Entry) -> bool:
    """When a slot is free and the claim is won, makes the rendition in a thread of this process
    (daemon: a server stopping does not wait for it; the lease then lapses and the next request
    starts again), which gives the slot back when done. True when it started."""
    slots = encode_slots()
    if not slots.try_take():
        return False
    try:
        claimed = claim(rendition)
    except BaseException:
        slots.release()
        raise
    if not claimed:
        slots.release()
        return False

    def run():
        try:
            make_claimed(rendition)
        except RenditionError:
            pass  # recorded and logged by make_claimed
        finally:
            close_old_connections()
            slots.release()
    threading.Thread(target=run, name=f"rendition-{rendition.photo.pk}", daemon=True).start()
    return True


def claim(rendition: store.Entry, during_backoff: bool = False) -> bool:
    """Wins the row for reading the source (its lease extended once the encode's limit is known),
    and clears what an abandoned attempt left, so that a growing copy seen from now on is this one's."""
    lease = timedelta(seconds=claim_time_limit(rendition.photo) + LEASE_MARGIN_SECONDS)
    if not rendition.claim(lease, during_backoff=during_backoff):
        return False
    path = growing_path(rendition.photo)
    for leftover in (path, finished_path(path)):
        leftover.unlink(missing_ok=True)
    return True


def ensure(photo: Photo, force: bool = False) -> bool:
    """Makes the rendition unless it is stored (or, with `force`, again) or someone else is
    making it; True when this call made it. For the workers and `pregenerate`: waits for one of
    this process's encode slots first."""
    rendition = entry(photo)
    with encode_slots().held():
        if not force and stored(rendition) is not None:
            return False
        if not force:
            rendition.refuse_during_backoff()
        if not claim(rendition, during_backoff=force):
            return False
        make_claimed(rendition, replace=force)
    return True


def finished_path(growing: Path) -> Path:
    return growing.with_name(growing.name.replace(".part.", ".done."))


def make_claimed(rendition: store.Entry, replace: bool = False):
    """Counts the source's packets, holds the claim for the encode's time limit they give, runs
    the generator, stores the rendition, records it (or the failure)."""
    path = growing_path(rendition.photo)
    path.parent.mkdir(parents=True, exist_ok=True)
    finished = finished_path(path)
    started = time.monotonic()
    try:
        with opened_source(rendition.photo) as video:
            streams = read_streams(video)
            rendition.hold(timedelta(seconds=streams.time_limit() + LEASE_MARGIN_SECONDS))
            make_rendition(video, finished, rendition_spec(), streams, growing=path,
                           preset=settings.PHOTOSITE_VIDEO_RENDITION_PRESET)
        with open(finished, "rb") as content:
            rendition.save(File(content), replace)
        size = os.path.getsize(finished)
    except RenditionError as error:
        rendition.set_failed(error, what="Video rendition")
        raise
    except BaseException:
        rendition.release()
        raise
    finally:
        path.unlink(missing_ok=True)  # tells the followers it is finished
        finished.unlink(missing_ok=True)
    rendition.set_ready(size)
    logger.info("Video rendition made: photo %s %s, %d bytes in %.1f s", rendition.photo.pk, rendition_spec(), size,
                time.monotonic() - started)


@checks.register()
def check_preset(app_configs, **kwargs) -> list[checks.Error]:
    """A preset x264 does not know would fail every rendition: refuse to start instead."""
    preset = settings.PHOTOSITE_VIDEO_RENDITION_PRESET
    if preset in PRESETS:
        return []
    return [checks.Error(f"PHOTOSITE_VIDEO_RENDITION_PRESET={preset!r} is not an x264 preset offered here",
                         hint=f"use one of {', '.join(PRESETS)}", id="thumbnails.E002")]
