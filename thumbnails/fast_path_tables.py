"""What the thumbnail fast path (`thumbnails.fast_path`) may serve without asking Django: two
small in-process tables that only the Django view fills, each right after it did the real work.

- Sessions Django authenticated: the view adds the session key after it served a logged-in
  request. Logging out *in this process* removes it at once.
- Known hits: (photo id, spec) → the file on local disk, its ETag, content type and content
  version; the view adds one when it served a cached thumbnail from a local FileSystemStorage.
  A file gone from the disk (a trashed photo) makes the fast path forget the entry.

Entries of both expire after `PHOTOSITE_THUMBNAIL_FAST_PATH_TTL` seconds (60 by default), and
that is the trade-off: whatever Django would now decide differently — a session logged out in
another worker process, a password change, a deactivated user, an expired session, a photo
deleted from the database — takes effect on the fast path within at most the TTL. Until then
such a session only gets thumbnails the site already served, and every logged-in user may see
every photo, so that is the whole exposure. Each session and each thumbnail then passes through
Django once per TTL, which is what keeps the tables honest.

Both tables are bounded LRUs, so memory stays flat whatever the traffic."""
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from .specs import ThumbnailSpec

MAX_SESSIONS = 10_000
MAX_HITS = 100_000


@dataclass(frozen=True)
class KnownHit:
    path: str
    etag: str
    content_type: str
    content_version: str


class ExpiringLruTable:
    """A dict whose entries expire after the fast path's TTL and whose size is bounded (the least
    recently used entry goes first). Thread-safe: logouts arrive in Django's sync thread."""

    def __init__(self, max_size: int):
        self.max_size = max_size
        self._entries = OrderedDict()  # key → (value, monotonic expiry)
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value, expires_at = self._entries.get(key, (None, None))
            if value is None:
                return None
            if expires_at <= time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key, value):
        with self._lock:
            self._entries[key] = (value, time.monotonic() + settings.PHOTOSITE_THUMBNAIL_FAST_PATH_TTL)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)

    def discard(self, key):
        with self._lock:
            self._entries.pop(key, None)

    def clear(self):
        with self._lock:
            self._entries.clear()


sessions = ExpiringLruTable(MAX_SESSIONS)  # session key → True
hits = ExpiringLruTable(MAX_HITS)  # (photo id, spec) → KnownHit


def remember_session(session_key: str | None):
    if session_key:
        sessions.put(session_key, True)


def is_trusted_session(session_key: str | None) -> bool:
    return bool(session_key) and sessions.get(session_key) is not None


def remember_hit(photo_id: int, spec: ThumbnailSpec, hit: KnownHit):
    hits.put((photo_id, spec), hit)


def known_hit(photo_id: int, spec: ThumbnailSpec) -> KnownHit | None:
    return hits.get((photo_id, spec))


def forget_hit(photo_id: int, spec: ThumbnailSpec):
    hits.discard((photo_id, spec))


@receiver(user_logged_out, dispatch_uid="thumbnails.fast_path_tables.forget_session")
def forget_session(sender, request, **kwargs):
    """Logout is the one revocation that reaches the table at once (in this process)."""
    if request is not None and hasattr(request, "session"):
        sessions.discard(request.session.session_key)
