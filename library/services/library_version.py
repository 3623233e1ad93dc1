"""A number that changes whenever what the gallery shows may have changed: photos imported,
trashed, restored, redated or deleted. Answers derived from the whole library (the timeline's day
summary) are cached under it, so a change makes them stale at once without anyone listing
which keys to forget. Kept in Django's cache, shared by every process."""
import logging
import os

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete

from library.signals import import_session_finished, photo_redated, photo_restored, photo_trashed
from photosite.broker_errors import broker_errors

logger = logging.getLogger("photosite.gallery")

VERSION_KEY = "photosite:library-version"


def current() -> int | None:
    """The library's version; a cache that lost it starts a new one (never a number used before,
    so an answer cached under an old version is never mistaken for a fresh one). None where there
    is no cache all processes share (no REDIS_URL: each process's cache is its own, and an import
    in another process — a command, the watch folder — could not make it stale), and while Redis
    cannot be reached: then nothing is cached under it."""
    if not settings.REDIS_URL:
        return None
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, int.from_bytes(os.urandom(6), "big"), timeout=None)
            version = cache.get(VERSION_KEY)
    except broker_errors() as error:
        logger.warning("The cache cannot be reached, so the gallery's summary is counted anew: %s", error)
        return None
    return version


def bump(**_signal_kwargs):
    """Receiver of every signal that says the library changed. A cache that cannot be reached
    holds no answer to make stale: the change (an import's end, a trash) goes on regardless."""
    if current() is None:
        return
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted between the two calls
        current()
    except broker_errors() as error:
        logger.warning("The cache cannot be reached to mark the library changed: %s", error)


def connect():
    """Called once by the library's AppConfig.ready()."""
    from library.models import Photo

    for signal in (import_session_finished, photo_trashed, photo_restored, photo_redated):
        signal.connect(bump, dispatch_uid=f"library_version.bump.{id(signal)}")
    post_delete.connect(bump, sender=Photo, dispatch_uid="library_version.bump.deleted")
