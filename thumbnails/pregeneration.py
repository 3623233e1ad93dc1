"""Making thumbnails ahead of time: which photos, in which batches, and the loop over a batch.

Shared by the background task (thumbnails.tasks) and `manage.py pregenerate`. Every thumbnail
goes through `cache.ensure()`, the same single-flight path as the view, so a worker, a
command and a browser never make the same thumbnail twice. One photo's failure is logged
(`Background: …`; the cause is in errors.log, written by the cache) and the loop goes on: the
photo is left to the view, which retries it on demand once its back-off has passed."""
import logging
import math
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from datetime import datetime

import django
from django.conf import settings
from django.db.models import QuerySet

from library.importing.video_metadata import record_playback
from library.models import Photo
from library.video_playback import serves_rendition, videos_served_renditions

from . import cache, video_cache
from .errors import ThumbnailBackoffError, ThumbnailError
from .models import Thumbnail, ThumbnailState
from .specs import ThumbnailSpec

logger = logging.getLogger("photosite.background")

# Batches per worker when a session is split: more than one, so a worker that drew the videos
# does not leave the others idle at the end.
BATCHES_PER_WORKER = 4


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
                before_each: Callable[[], object] | None = None) -> Tally:
    """Makes the missing thumbnails of these photos (all of them with `force`). Photos deleted
    or trashed since they were chosen are skipped. `progress(1)` is called after each photo,
    `before_each()` before it (the background workers wait there while an import runs)."""
    photos = Photo.objects.in_library().in_bulk(photo_ids)
    recorded = recorded_renditions(photo_ids, specs)
    total = Tally()
    for photo_id in photo_ids:
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
    rows = Thumbnail.objects.filter(photo_id__in=photo_ids, spec__in=[str(spec) for spec in specs],
                                    state=ThumbnailState.READY)
    return set(rows.values_list("photo_id", "spec"))


def pregenerate_photo(photo: Photo, specs: list[ThumbnailSpec], force: bool,
                      recorded: set[tuple[int, str]]) -> Tally:
    """A thumbnail already cached is skipped (`ensure` brings its row up to date if its maker
    was killed before recording it); `recorded` spares `ensure` asking the row of each."""
    tally = Tally()
    for spec in specs:
        try:
            made = cache.ensure(photo, spec, force=force, recorded=(photo.pk, str(spec)) in recorded).made
        except ThumbnailBackoffError:
            tally.waiting += 1
        except ThumbnailError as error:
            # The cache has logged the failure as an error (terminal, errors.log); this line is
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
        record_playback(video)
    if video is None or not serves_rendition(video):
        return Tally(skipped=1)
    try:
        made = video_cache.ensure(video, force=force)
    except ThumbnailBackoffError:
        return Tally(waiting=1)
    except ThumbnailError as error:
        logger.warning("Background: no web rendition of video %s (%s): %s", video.pk, video.original_name, error)
        return Tally(failed=1)
    except Exception:  # the per-video boundary: one video must not end the batch
        logger.exception("Background: unexpected error making the rendition of video %s (%s)",
                         video.pk, video.original_name)
        return Tally(failed=1)
    return Tally(made=1) if made else Tally(skipped=1)


def pregenerate_in_processes(photo_ids: list[int], specs: list[ThumbnailSpec], force: bool, jobs: int,
                             progress: Callable[[int], None] | None = None) -> Tally:
    """`pregenerate` spread over `jobs` processes here (Pillow and ffmpeg need cores, not threads).

    The processes are spawned, not forked, and set Django up afresh: a forked child would share
    this process's database connection (and tqdm's monitor thread) with its parent."""
    chunk = max(1, min(20, math.ceil(len(photo_ids) / (jobs * 8))))
    spec_names = [str(spec) for spec in specs]
    total = Tally()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=django.setup) as pool:
        futures = {pool.submit(pregenerate_chunk, ids, spec_names, force): len(ids)
                   for ids in batches(photo_ids, chunk)}
        for future in as_completed(futures):
            total.add(Tally(**future.result()))
            if progress is not None:
                progress(futures[future])
    return total


def pregenerate_chunk(photo_ids: list[int], spec_names: list[str], force: bool) -> dict:
    """Runs in a pool process; plain arguments and result, so they pickle cheaply."""
    return pregenerate(photo_ids, [ThumbnailSpec.from_string(name) for name in spec_names], force).as_dict()
