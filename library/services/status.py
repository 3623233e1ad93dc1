"""The library at a glance, for `manage.py librarystatus`: media counts (kept by the database as
rows change: library.tallies) and the background queue (waiting, in progress, failed tasks).
Other apps add their own lines through library.signals.status_requested (thumbnail counts and
the cache's size: thumbnails.status)."""
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django_q.brokers import get_broker
from django_q.models import Failure
from django_q.status import Stat

from library import photo_names, photo_tally
from library.models import MediaKind
from library.signals import status_requested, tallies_requested


@dataclass(frozen=True)
class QueueCounts:
    broker: str
    waiting: int
    in_progress: int
    failed: int
    clusters: int  # worker clusters running now (`serve`'s workers, `qcluster`s), on any machine


def media_counts() -> dict[str, int]:
    """Photos and videos in the library, and items in the trash: from the tally the database keeps
    (library.photo_tally), a few rows whatever the library's size."""
    in_library = photo_tally.IN_LIBRARY
    return {"photos": photo_tally.count(in_library & Q(kind=MediaKind.PHOTO)),
            "videos": photo_tally.count(in_library & Q(kind=MediaKind.VIDEO)),
            "trashed": photo_tally.count(~in_library)}


def settle_tallies(recount: bool = False):
    """The counts kept by triggers (the library's, then other apps'): their changes summed, or
    with `recount` rebuilt from the rows, and the search's copy of names copied again with them
    (what skipped the tallies' triggers skipped its triggers too)."""
    if recount:
        photo_tally.TALLY.recount()
        photo_names.refill()
    else:
        photo_tally.TALLY.fold()
    tallies_requested.send(sender=QueueCounts, recount=recount)


def other_apps_lines() -> list[tuple[str, str]]:
    """(label, value) lines of the apps that answer `status_requested`, in the order they answer."""
    return [line for _, lines in status_requested.send(sender=QueueCounts) for line in lines]


def queue_counts() -> QueueCounts:
    """Tasks waiting in the broker, taken by a worker and not yet acknowledged, and failed ones
    (django-q2 keeps every failure in its Failure table)."""
    broker = get_broker()
    return QueueCounts(describe_broker(), broker.queue_size() or 0, broker.lock_size() or 0, Failure.objects.count(),
                       len(Stat.get_all(broker)))


def describe_broker() -> str:
    """Where tasks wait, for people (django-q2 says "ORM default" or "Redis 7.0.15")."""
    if not settings.REDIS_URL:
        return "queued in the database"
    url = urlsplit(settings.REDIS_URL)
    return f"queued in Redis at {url.hostname}:{url.port or 6379}{url.path}"
