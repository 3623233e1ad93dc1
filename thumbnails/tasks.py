"""Background pre-generation through django-q2: what an import queues, and what a worker runs.

Task arguments are photo ids and spec strings, never model objects: a task may run minutes
later on another machine, after the photo changed or went to the trash. Queuing never fails an
import: a broker that is down costs the head start, nothing else — the view still makes every
thumbnail on demand."""
import logging
import os
import time
from dataclasses import replace

from django.conf import settings
from django.db import DatabaseError, transaction
from django_q.tasks import async_task

from library.importing.activity import wait_while_importing
from library.models import ImportSession, Photo
from library.video_playback import videos_served_renditions
from photosite.broker_errors import broker_errors

from . import pregeneration, video_cache
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


def queue_renditions(videos: list[Photo], force: bool = False) -> int:
    """Queues one task per video, each with a time limit fitting that video (the queue's own
    limit is made for batches of thumbnails). Returns the number of tasks."""
    with transaction.atomic():
        for video in videos:
            timeout = max(settings.Q_CLUSTER["timeout"], int(video_cache.task_time_limit(video)))
            async_task("thumbnails.tasks.make_renditions", [video.pk], force, group=RENDITION_TASK_GROUP,
                       timeout=timeout)
    return len(videos)


def queue_photos(photo_ids: list[int], specs: list[ThumbnailSpec], force: bool = False, workers: int | None = None) -> int:
    """Queues the photos in batches; returns the number of tasks. One transaction, so the ORM
    broker writes a 50,000-photo session's thousand rows in one go."""
    size = pregeneration.batch_size_for(len(photo_ids), workers or settings.PHOTOSITE_WORKERS)
    spec_names = [str(spec) for spec in specs]
    tasks = 0
    with transaction.atomic():
        for batch in pregeneration.batches(photo_ids, size):
            async_task("thumbnails.tasks.pregenerate_batch", batch, spec_names, force, group=TASK_GROUP)
            tasks += 1
    return tasks


def queue_session(sender, session: ImportSession, **kwargs):
    """Receiver of library.signals.import_session_finished (sent once the session is committed)."""
    photo_ids = list(pregeneration.select_photos(session_id=session.pk).values_list("id", flat=True))
    if not photo_ids:
        return
    videos = list(videos_served_renditions(pregeneration.select_photos(session_id=session.pk)).only("id", "duration"))
    try:
        tasks = queue_photos(photo_ids, made_ahead_specs())
        # After the session's thumbnails: the queue hands tasks out in order.
        rendition_tasks = queue_renditions(videos)
    except (DatabaseError, *broker_errors()) as error:
        logger.error("Background: could not queue thumbnails for import session %s: %s", session.pk, error)
        return
    logger.info("Background: queued %d photos of import session %s in %d tasks, then %d video renditions",
                len(photo_ids), session.pk, tasks, rendition_tasks)


def lower_worker_priority(sender, proc_name, **kwargs):
    """Receiver of django-q2's post_spawn, in each new worker process: background work yields the
    CPU to the web server and to imports (ffmpeg, a child of the worker, inherits this)."""
    os.nice(settings.PHOTOSITE_WORKER_NICENESS)
