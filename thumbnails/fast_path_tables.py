"""What the thumbnail fast path (`thumbnails.fast_path`) may serve without asking Django: two
small in-process tables that the fast path fills from what the Django view offered (see
`thumbnails.responses`), each right after the view did the real work.

- Sessions Django authenticated: session key → whether it was staff's (a `Principal`), added when
  the view served a logged-in request. Logging out *in this process* removes it at once.
  A gallery page offers its session too (`responses.offer_session`), so that the thumbnails of
  a new device's first screen need not go through Django to teach it.
- Known hits: (photo id, spec) → the file on local disk (its path and identity), its ETag,
  content type and content version, whether the photo was in the trash, and the headers Django
  sent with it; added when the view served a cached thumbnail from a storage on this machine.
  The fast path serves a hit
  only to whom `library.models.photo_is_visible` lets see it (the trash is for staff), the rule
  the view asks too.

A trashed photo's thumbnails are deleted, in whichever process trashed it; a thumbnail made
again afterwards (staff opening the trashed photo in the admin) is a new file. So a hit counts
only while its file is the very one the view served (same device, inode and change time): in
any web process, on any machine sharing the folder, a trash or a remade file sends the request
to Django, which decides as it always does.

Sessions expire after `PHOTOSITE_THUMBNAIL_FAST_PATH_TTL` seconds, and that is the trade-off:
whatever else Django would now decide differently — a session logged out in another process, a
password change, a deactivated user, a staff flag taken away, an expired session — takes effect
on the fast path within at most the TTL. Until then such a session only gets thumbnails the site
already served and that it could see. Each session passes through Django once per TTL, which is
what keeps the sessions table honest.

A hit on a file of the library's own storage lasts longer, `LASTING_HIT_SECONDS`: all it
records follows from the photo's content, except whether the photo is in the trash, and trashing
a photo deletes that file (so the identity check fails) in whichever process or machine trashes
it. So a new device opening the gallery minutes after anyone last looked still gets its first
screen from here. Not forever: should a trash fail to delete a thumbnail's file (a disk error),
the hour bounds how long the fast path could go on serving it. A hit on this machine's copy of a
remote store's thumbnail (`thumbnails.local_cache`), which a trash on another machine leaves in
place, expires after the TTL, as a session does.

Both tables are bounded LRUs, so memory stays flat whatever the traffic."""
import os
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
LASTING_HIT_SECONDS = 3600


@dataclass(frozen=True)
class Principal:
    """Who a session belonged to when Django last authenticated it: what the access rule asks."""
    is_staff: bool


@dataclass(frozen=True)
class KnownHit:
    path: str
    file_identity: tuple[int, int, int]  # see file_identity()
    etag: str
    content_type: str
    content_version: str
    in_trash: bool
    deleted_on_trash: bool  # see responses.Offer: whether the hit may outlive the TTL
    headers: tuple[tuple[bytes, bytes], ...] = ()  # what Django's middleware added (fast_path.replayed_headers)


def file_identity(status: os.stat_result) -> tuple[int, int, int]:
    """What tells one file from another at the same path: a file deleted and made again (the
    atomic write renames a new file into place) has a new inode or at least a new change time."""
    return status.st_dev, status.st_ino, status.st_ctime_ns


class ExpiringLruTable:
    """A dict whose entries expire (after the fast path's TTL unless put for longer) and whose
    size is bounded (the least recently used entry goes first). Thread-safe: logouts arrive in
    Django's sync thread."""

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

    def put(self, key, value, seconds: float | None = None):
        expires_at = time.monotonic() + (settings.PHOTOSITE_THUMBNAIL_FAST_PATH_TTL if seconds is None else seconds)
        with self._lock:
            self._entries[key] = (value, expires_at)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)

    def discard(self, key):
        with self._lock:
            self._entries.pop(key, None)


sessions = ExpiringLruTable(MAX_SESSIONS)  # session key → Principal
hits = ExpiringLruTable(MAX_HITS)  # (photo id, spec) → KnownHit


# Distinct header sets seen (a handful: they change only with the settings), so that every hit
# shares one tuple instead of holding its own copy.
_header_sets: dict[tuple, tuple] = {}
MAX_HEADER_SETS = 64


def shared_headers(headers: tuple) -> tuple:
    if len(_header_sets) >= MAX_HEADER_SETS and headers not in _header_sets:
        return headers
    return _header_sets.setdefault(headers, headers)


def remember_session(session_key: str | None, principal: Principal):
    if session_key:
        sessions.put(session_key, principal)


def trusted_principal(session_key: str | None) -> Principal | None:
    return sessions.get(session_key) if session_key else None


def remember_hit(photo_id: int, spec: ThumbnailSpec, hit: KnownHit):
    hits.put((photo_id, spec), hit, seconds=LASTING_HIT_SECONDS if hit.deleted_on_trash else None)


def known_hit(photo_id: int, spec: ThumbnailSpec) -> KnownHit | None:
    return hits.get((photo_id, spec))


def forget_hit(photo_id: int, spec: ThumbnailSpec):
    hits.discard((photo_id, spec))


@receiver(user_logged_out, dispatch_uid="thumbnails.fast_path_tables.forget_session")
def forget_session(sender, request, **kwargs):
    """Logout is the one revocation that reaches the table at once (in this process)."""
    if request is not None and hasattr(request, "session"):
        sessions.discard(request.session.session_key)
