"""Making thumbnails ahead of time: which photos, in which batches, and the loop over a batch.

Shared by the background task (thumbnails.tasks) and `manage.py pregenerate`. Every thumbnail
goes through `thumbnail_renditions.ensure()`, the same single-flight path as the view, so a worker, a
command and a browser never make the same thumbnail twice. One photo's failure is logged
(`Background: …`; the cause is in errors.log, written by the store) and the loop goes on: the
photo is left to the view, which retries it on demand once its back-off has passed."""
import logging
import math
import multiprocessing
import queue
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import chain
from multiprocessing.synchronize import Event

from django.conf import settings
from django.db.models import QuerySet

from library.models import Photo
from library.playback import serves_rendition, videos_served_renditions

from . import pool_worker, store, thumbnail_renditions, video_renditions
from .errors import RenditionBackoffError, RenditionError
from .specs import ThumbnailSpec

logger = logging.getLogger("photosite.background")

# Batches per worker when a session is split: more than one, so a worker that drew the videos
# does not leave the others idle at the end.
BATCHES_PER_WORKER = 4
# Ids read from the selection per query: the whole selection is never held (1M ids, 50k chunks).
SELECTION_BATCH = 2000
# Chunks handed to each process ahead of the one it works on: enough to keep it busy, few enough
# that a Ctrl-C has little to drop.
CHUNKS_AHEAD_PER_JOB = 2


@dataclass
class Tally:
    made: int = 0
    skipped: int = 0
    failed: int = 0
    waiting: int = 0  # failed before and not due for another try yet (the cache's back-off)

    def add(self, other: "Tally"):
        self.made += other.made
        self.skipped += other.skipped
        self.failed += other.failed
        self.waiting += other.waiting

    def as_dict(self) -> dict:
        return asdict(self)


def select_photos(session_id: int | None = None, since: datetime | None = None, kind: str | None = None) -> QuerySet:
    """Photos in the library (not trashed), newest first: the top of the gallery is made first."""
    photos = Photo.objects.in_library()
    if session_id is not None:
        photos = photos.filter(import_session_id=session_id)
    if since is not None:
        photos = photos.filter(imported_at__gte=since)
    if kind is not None:
        photos = photos.filter(kind=kind)
    return photos.order_by("-taken_at", "-id")


def id_batches(photos: QuerySet, size: int = SELECTION_BATCH) -> Iterator[list[int]]:
    """The ids of `photos` newest first, `size` at a time. Each batch is its own short query that
    resumes below the last one on the timeline index (a keyset walk, not OFFSET): memory stays flat
    in the library's size and no cursor stays open while the batches are worked on."""
    photos = photos.order_by("-taken_at", "-id")
    page = photos
    while rows := list(page.values_list("taken_at", "id")[:size]):
        yield [photo_id for _, photo_id in rows]
        if len(rows) < size:
            return
        last_taken, last_id = rows[-1]
        # `taken_at <= t` is the index's range; the few rows at exactly t already read drop out.
        page = photos.filter(taken_at__lte=last_taken).exclude(taken_at=last_taken, id__gte=last_id)


def batch_size_for(count: int, workers: int) -> int:
    """A small session is spread over every worker; a big one is cut into tasks of at most
    PHOTOSITE_PREGENERATE_BATCH_SIZE photos (not one queue row per file, nor one giant task)."""
    spread = math.ceil(count / (max(workers, 1) * BATCHES_PER_WORKER))
    return max(1, min(settings.PHOTOSITE_PREGENERATE_BATCH_SIZE, spread))


def batches(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    batch = []
    for photo_id in ids:
        batch.append(photo_id)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def pregenerate(photo_ids: list[int], specs: list[ThumbnailSpec], force: bool = False,
                progress: Callable[[int], None] | None = None,
                before_each: Callable[[], object] | None = None,
                stopping: Callable[[], bool] | None = None) -> Tally:
    """Makes the missing thumbnails of these photos (all of them with `force`). Photos deleted
    or trashed since they were chosen are skipped. `progress(1)` is called after each photo,
    `before_each()` before it (the background workers wait there while an import runs); once
    `stopping()` says so, the photos left are not started (Ctrl-C lets the running file finish)."""
    photos = Photo.objects.in_library().in_bulk(photo_ids)
    recorded = recorded_renditions(photo_ids, specs)
    total = Tally()
    for photo_id in photo_ids:
        if stopping is not None and stopping():
            break
        if before_each is not None:
            before_each()
        photo = photos.get(photo_id)
        tally = Tally(skipped=len(specs)) if photo is None else pregenerate_photo(photo, specs, force, recorded)
        total.add(tally)
        if progress is not None:
            progress(1)
    return total


def recorded_renditions(photo_ids: list[int], specs: list[ThumbnailSpec]) -> set[tuple[int, str]]:
    """(photo id, spec) of the renditions whose rows say ready: one query for a whole batch."""
    rows = store.ready_rows().filter(photo_id__in=photo_ids, spec__in=[str(spec) for spec in specs])
    return set(rows.values_list("photo_id", "spec"))


def pregenerate_photo(photo: Photo, specs: list[ThumbnailSpec], force: bool,
                      recorded: set[tuple[int, str]]) -> Tally:
    """A thumbnail already cached is skipped (`ensure` brings its row up to date if its maker
    was killed before recording it); `recorded` spares `ensure` asking the row of each."""
    tally = Tally()
    for spec in specs:
        try:
            made = thumbnail_renditions.ensure(photo, spec, force=force, recorded=(photo.pk, str(spec)) in recorded).made
        except RenditionBackoffError:
            tally.waiting += 1
        except RenditionError as error:
            # The store has logged the failure as an error (terminal, errors.log); this line is
            # the batch's bookkeeping, for photosite.log only, so the terminal shows it once.
            logger.info("Background: no %s thumbnail for photo %s (%s): %s", spec, photo.pk, photo.original_name, error)
            tally.failed += 1
        except Exception:  # the per-photo boundary: one photo must not end the batch
            logger.exception("Background: unexpected error making %s of photo %s (%s)", spec, photo.pk, photo.original_name)
            tally.failed += 1
        else:
            if made is None:
                tally.skipped += 1
            else:
                tally.made += 1
    return tally


def pregenerate_renditions(photo_ids: list[int], force: bool = False,
                           progress: Callable[[int], None] | None = None,
                           before_each: Callable[[], object] | None = None) -> Tally:
    """Makes the missing web renditions of these videos, one after another (ffmpeg's encoder
    uses every core itself). Videos the policy plays from their originals, trashed or deleted
    ones, and those another process is making are skipped."""
    videos = videos_served_renditions(Photo.objects.in_library()).in_bulk(photo_ids)
    total = Tally()
    for photo_id in photo_ids:
        if before_each is not None:
            before_each()
        total.add(pregenerate_rendition(videos.get(photo_id), force))
        if progress is not None:
            progress(1)
    return total


def pregenerate_rendition(video: Photo | None, force: bool) -> Tally:
    if video is not None and not video.playback:  # imported before verdicts were recorded
        video.record_playback()
    if video is None or not serves_rendition(video):
        return Tally(skipped=1)
    try:
        made = video_renditions.ensure(video, force=force)
    except RenditionBackoffError:
        return Tally(waiting=1)
    except RenditionError as error:
        logger.warning("Background: no web rendition of video %s (%s): %s", video.pk, video.original_name, error)
        return Tally(failed=1)
    except Exception:  # the per-video boundary: one video must not end the batch
        logger.exception("Background: unexpected error making the rendition of video %s (%s)",
                         video.pk, video.original_name)
        return Tally(failed=1)
    return Tally(made=1) if made else Tally(skipped=1)


def new_stop_event() -> Event:
    """The flag a first Ctrl-C raises, shared with the processes `pregenerate_in_processes` spawns."""
    return multiprocessing.get_context("spawn").Event()


def chunk_size_for(count: int, jobs: int) -> int:
    """Photos per chunk handed to a process: small, so the processes end together and the bar moves."""
    return max(1, min(20, math.ceil(count / (jobs * 8))))


def pregenerate_in_processes(batched_ids: Iterable[list[int]], count: int, specs: list[ThumbnailSpec], force: bool,
                             jobs: int, stop: Event, progress: Callable[[int], None] | None = None) -> Tally:
    """`pregenerate` spread over `jobs` processes here (Pillow and ffmpeg need cores, not threads).

    The ids stream in (`count` of them in all, for the chunk size): only a few chunks per process
    are handed out ahead, so memory is flat in the selection's size. Once `stop` is set (a first
    Ctrl-C) no chunk is handed out any more, the ones waiting end at once and each process finishes
    the file it is making; a KeyboardInterrupt (a second Ctrl-C) ends the processes at once.

    The processes are spawned, not forked, and set Django up afresh: a forked child would share
    this process's database connection (and tqdm's monitor thread) with its parent."""
    chunks = batches(chain.from_iterable(batched_ids), chunk_size_for(count, jobs))
    spec_names = [str(spec) for spec in specs]
    finished = queue.SimpleQueue()
    total, in_flight = Tally(), 0
    pool = multiprocessing.get_context("spawn").Pool(jobs, initializer=pool_worker.start, initargs=(stop,))
    try:
        for chunk in chunks:
            while in_flight >= jobs * CHUNKS_AHEAD_PER_JOB:
                in_flight -= collect(finished, total, progress)
            if stop.is_set():
                break
            pool.apply_async(pregenerate_chunk, (chunk, spec_names, force),
                             callback=finished.put, error_callback=finished.put)
            in_flight += 1
        while in_flight:
            in_flight -= collect(finished, total, progress)
    finally:
        # Every chunk handed out has come back (the processes are idle or still starting up), or a
        # second Ctrl-C or an error came: either way nothing is left to wait for.
        pool.terminate()
    return total


def collect(finished: queue.SimpleQueue, total: Tally, progress: Callable[[int], None] | None) -> int:
    """Waits for one chunk's result and adds it up; returns 1 (the chunks that came back)."""
    result = finished.get()
    if isinstance(result, BaseException):
        raise result
    photos, tally = result
    total.add(Tally(**tally))
    if progress is not None:
        progress(photos)
    return 1


def pregenerate_chunk(photo_ids: list[int], spec_names: list[str], force: bool) -> tuple[int, dict]:
    """Runs in a pool process; plain arguments and result, so they pickle cheaply."""
    tally = pregenerate(photo_ids, [ThumbnailSpec.from_string(name) for name in spec_names], force,
                        stopping=pool_worker.stop_requested)
    return len(photo_ids), tally.as_dict()
