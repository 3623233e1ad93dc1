"""Background pre-generation through django-q2: what an import queues, and what a worker runs.

Task arguments are photo ids and spec strings, never model objects: a task may run minutes
later on another machine, after the photo changed or went to the trash. Queuing never fails an
import: a broker that is down costs the head start, nothing else — the view still makes every
thumbnail on demand."""
import logging
import os
import time
from dataclasses import replace
from itertools import chain

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django_q.tasks import async_task

from library.import_activity import wait_while_importing
from library.models import ImportSession, Photo
from library.playback import videos_served_renditions
from photosite.broker_errors import broker_errors

from . import pregeneration, video_renditions
from .formats import made_ahead_specs
from .specs import GENERATOR_VERSION, ThumbnailSpec

logger = logging.getLogger("photosite.background")

TASK_GROUP = "pregenerate"
RENDITION_TASK_GROUP = "renditions"


def pregenerate_batch(photo_ids: list[int], spec_names: list[str], force: bool = False) -> dict:
    """The django-q2 task: one batch of photos. Returns the tally, which django-q2 stores."""
    started = time.monotonic()
    # A task queued before an upgrade that bumped the generator's version makes today's thumbnails.
    specs = [replace(ThumbnailSpec.from_string(name), version=GENERATOR_VERSION) for name in spec_names]
    # Step aside while an import runs (it comes first), but never for so long that the task's
    # timeout would kill it: then it would count as failed and not be handed out again.
    wait_limit = settings.Q_CLUSTER["timeout"] / 2
    tally = pregeneration.pregenerate(photo_ids, specs, force,
                                      before_each=lambda: wait_while_importing(wait_limit - (time.monotonic() - started)))
    logger.info("Background: batch of %d photos: %d made, %d skipped, %d failed in %.1f s",
                len(photo_ids), tally.made, tally.skipped, tally.failed, time.monotonic() - started)
    return tally.as_dict()


def make_renditions(photo_ids: list[int], force: bool = False) -> dict:
    """The django-q2 task for web renditions of videos (one video per task: a long video takes
    minutes). Steps aside while an import runs, as thumbnail batches do."""
    started = time.monotonic()
    wait_limit = settings.Q_CLUSTER["timeout"] / 2
    tally = pregeneration.pregenerate_renditions(
        photo_ids, force, before_each=lambda: wait_while_importing(wait_limit - (time.monotonic() - started)))
    logger.info("Background: renditions of %d videos: %d made, %d skipped, %d failed in %.1f s",
                len(photo_ids), tally.made, tally.skipped, tally.failed, time.monotonic() - started)
    return tally.as_dict()


# Tasks written per transaction: a million photos' 20,000 rows are not one transaction, and a
# batch of them costs one commit, not one each.
TASKS_PER_TRANSACTION = 200


def queue_renditions(videos: QuerySet, force: bool = False) -> int:
    """Queues one task per video of `videos`, each with a time limit fitting that video (the
    queue's own limit is made for batches of thumbnails). Returns the number of tasks."""
    tasks = 0
    for ids in pregeneration.id_batches(videos, TASKS_PER_TRANSACTION):
        batch = Photo.objects.only("id", "duration").in_bulk(ids)
        with transaction.atomic():
            for video in (batch[pk] for pk in ids if pk in batch):
                timeout = max(settings.Q_CLUSTER["timeout"], int(video_renditions.task_time_limit(video)))
                async_task("thumbnails.tasks.make_renditions", [video.pk], force, group=RENDITION_TASK_GROUP,
                           timeout=timeout)
                tasks += 1
    return tasks


def queue_photos(photos: QuerySet, count: int, specs: list[ThumbnailSpec], force: bool = False,
                 workers: int | None = None) -> int:
    """Queues the `count` photos of `photos` in batches, newest first; returns the number of
    tasks. The ids stream in and the rows go in bounded transactions (TASKS_PER_TRANSACTION):
    memory and the length of each transaction stay flat in the library's size."""
    size = pregeneration.batch_size_for(count, workers or settings.PHOTOSITE_WORKERS)
    spec_names = [str(spec) for spec in specs]
    ids = chain.from_iterable(pregeneration.id_batches(photos))
    tasks = 0
    for group in pregeneration.batches(pregeneration.batches(ids, size), TASKS_PER_TRANSACTION):
        with transaction.atomic():
            for batch in group:
                async_task("thumbnails.tasks.pregenerate_batch", batch, spec_names, force, group=TASK_GROUP)
        tasks += len(group)
    return tasks


def queue_session(sender, session: ImportSession, **kwargs):
    """Receiver of library.signals.import_session_finished (sent once the session is committed)."""
    photos = pregeneration.select_photos(session_id=session.pk)
    count = photos.count()
    if not count:
        return
    try:
        tasks = queue_photos(photos, count, made_ahead_specs())
        # After the session's thumbnails: the queue hands tasks out in order.
        rendition_tasks = queue_renditions(videos_served_renditions(photos))
    except (DatabaseError, *broker_errors()) as error:
        logger.error("Background: could not queue thumbnails for import session %s: %s", session.pk, error)
        return
    logger.info("Background: queued %d photos of import session %s in %d tasks, then %d video renditions",
                count, session.pk, tasks, rendition_tasks)


def lower_worker_priority(sender, proc_name, **kwargs):
    """Receiver of django-q2's post_spawn, in each new worker process: background work yields the
    CPU to the web server and to imports (ffmpeg, a child of the worker, inherits this)."""
    os.nice(settings.PHOTOSITE_WORKER_NICENESS)
