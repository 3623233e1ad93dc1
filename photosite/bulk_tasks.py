"""Many django-q2 tasks queued in one write. `async_task` builds, signals and signs each task as
it always does (sync mode included), handed this stand-in for the broker, which keeps the
packages; `flush` writes them to the real broker together: one multi-row INSERT on the ORM
broker, one RPUSH on Redis, instead of a round trip (and on the ORM, a statement) per task."""
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task


class BulkQueue:
    """Tasks kept until `flush`; `due` says when a caller should flush: `size` tasks kept, or
    the first kept `seconds` ago (so workers get the first tasks at once, not after a long pack)."""

    def __init__(self, size: int, seconds: float, broker=None):
        self.broker = broker or get_broker()
        self.list_key = self.broker.list_key
        self.size, self.seconds = size, seconds
        self.packages, self.since = [], None

    def add(self, func: str, *args, **options):
        async_task(func, *args, broker=self, **options)

    def enqueue(self, package) -> None:
        """What `async_task` calls on its broker."""
        if not self.packages:
            self.since = time.monotonic()
        self.packages.append(package)

    def due(self) -> bool:
        return len(self.packages) >= self.size or (
            bool(self.packages) and time.monotonic() - self.since >= self.seconds)

    def flush(self) -> int:
        """Writes the tasks kept, in one transaction; returns how many."""
        packages, self.packages = self.packages, []
        if packages:
            with transaction.atomic():
                write(self.broker, packages)
        return len(packages)


def write(broker, packages: list):
    if isinstance(broker, ORM):
        now = timezone.now()
        key = broker.list_key or Conf.CLUSTER_NAME
        OrmQ.objects.using(Conf.ORM).bulk_create([OrmQ(key=key, payload=package, lock=now) for package in packages])
    elif settings.REDIS_URL and is_redis(broker):
        broker.connection.rpush(broker.list_key, *packages)
    else:
        for package in packages:
            broker.enqueue(package)


def is_redis(broker) -> bool:
    from django_q.brokers.redis_broker import Redis  # imports redis: only where the queue is there

    return isinstance(broker, Redis)
