"""The rendition store: the one owner of what exists of every cached rendition (thumbnails, videos'
web renditions), in what state, who holds it (a lease), and since when it fails (back-off), as
django-imagekit's cache-file backend alone answers `get_state`/`set_state`.

A rendition has two records: its file in `storages["thumbnails"]` (through the Storage API
alone, so another backend plugs in here; atomic, no-overwrite writes are that storage's job,
thumbnails.storage) and its `Rendition` row (state, claim, failures). Only this module reads or
writes either; the makers of each kind (thumbnails.thumbnail_renditions, .video_renditions) are
strategies over an `Entry`, and everyone else asks them or `ready_rows()`.

The claim is a lease won by one conditional UPDATE, so the database picks a single maker across
threads, processes and machines, on SQLite and PostgreSQL alike. A failure is recorded on the row
and backs off (1 minute, then 4 times longer each time, at most a day), so a file that makes
ffmpeg fail is not re-run on every request."""
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from library.models import Photo

from .errors import RenditionBackoffError, RenditionBusyError, RenditionError, RenditionStoreError
from .generators.video import FFMPEG_TIMEOUT_SECONDS
from .models import Rendition, RenditionState
from .names import RenditionSpec, current_video_spec, storage_name
from .specs import all_current_specs
from .storage import local_path

logger = logging.getLogger("photosite.thumbnails")

# A claim outlives the slowest thumbnail (ffmpeg's limit) so that only a crashed process loses
# it; then another may take over. Video renditions hold theirs as long as their encode may run.
CLAIM_LEASE = timedelta(seconds=2 * FFMPEG_TIMEOUT_SECONDS + 30)
WAIT_POLL_SECONDS = 0.05
RETRY_FIRST_SECONDS = 60
RETRY_LONGEST_SECONDS = 24 * 3600


def storage() -> Storage:
    return storages["thumbnails"]


def stored_on_this_machine() -> bool:
    """Whether the storage keeps its files on this machine (reads are then quick enough to do anywhere)."""
    return local_path(storage(), "") is not None


def ready_rows() -> QuerySet:
    """The rows of renditions that are ready to serve: the one "is it cached" rule, which the
    view, pre-generation, the status counts and the admin's filter all narrow."""
    return Rendition.objects.filter(state=RenditionState.READY)


def ready_annotation(spec: RenditionSpec) -> Exists:
    """For a queryset of photos: whether the photo's `spec` rendition is ready."""
    return Exists(ready_rows().filter(photo=OuterRef("pk"), spec=str(spec)))


def unclaimed(now: datetime) -> Q:
    """Rows nobody holds at `now`: never claimed, released, or with a lapsed lease."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


@dataclass(frozen=True)
class State:
    """What the store knows of one rendition's row at one moment (`Entry.get_state`)."""
    state: str  # a RenditionState: pending, ready or failed
    claimed_until: datetime | None
    retry_after: datetime | None
    attempts: int
    last_error: str

    @property
    def is_ready(self) -> bool:
        return self.state == RenditionState.READY

    def is_claimed(self, now: datetime | None = None) -> bool:
        return self.claimed_until is not None and self.claimed_until > (now or timezone.now())

    def in_backoff(self, now: datetime | None = None) -> bool:
        return (self.state == RenditionState.FAILED and self.retry_after is not None
                and self.retry_after > (now or timezone.now()))


class Entry:
    """One rendition (a photo and a spec of any kind) in the store: its file and its row. The row
    is made on first need, so reading a ready rendition costs no query."""

    def __init__(self, photo: Photo, spec: RenditionSpec):
        self.photo = photo
        self.spec = spec
        self.name = storage_name(photo.sha256, spec)
        self._row: Rendition | None = None

    def __repr__(self):
        return f"<Entry {self.spec} of photo {self.photo.pk}>"

    # The file.

    def exists(self) -> bool:
        return storage().exists(self.name)

    def open(self):
        """The stored file, open for reading; FileNotFoundError when it is not (or no longer) there."""
        return storage().open(self.name, "rb")

    def read(self) -> bytes:
        with self.open() as stored:
            return stored.read()

    def size(self) -> int:
        return storage().size(self.name)

    def local_path(self) -> str | None:
        """Where the file is on this machine, or None when the storage is not local."""
        return local_path(storage(), self.name)

    def save(self, content: bytes | File, replace: bool = False):
        """Stores the content under the rendition's name (first removing what is there, with
        `replace`). The name is the content's, so if a storage that never overwrites saved it
        under another name, another writer stored the same rendition first (a lapsed claim):
        that copy stays."""
        content = ContentFile(content) if isinstance(content, bytes) else content
        try:
            if replace:
                storage().delete(self.name)
            saved = storage().save(self.name, content)
            if saved != self.name:
                storage().delete(saved)
        except OSError as error:
            raise RenditionStoreError(f"could not store rendition {self.name}: {error}") from error

    # The row: state, claim, back-off.

    @property
    def row(self) -> Rendition:
        if self._row is None:
            self._row, _ = Rendition.objects.get_or_create(photo=self.photo, spec=str(self.spec),
                                                           defaults={"name": self.name})
        return self._row

    def rows(self) -> QuerySet:
        return Rendition.objects.filter(pk=self.row.pk)

    def is_ready(self) -> bool:
        """Whether the row says ready (one query, no row made)."""
        return ready_rows().filter(photo=self.photo, spec=str(self.spec)).exists()

    def get_state(self) -> State:
        """The row's state as it is now in the database."""
        self.row.refresh_from_db()
        row = self.row
        return State(row.state, row.claimed_until, row.retry_after, row.attempts, row.last_error)

    def refuse_during_backoff(self):
        """RenditionBackoffError while the last attempt failed and its back-off runs (as last read)."""
        row = self.row
        if row.state == RenditionState.FAILED and row.retry_after and row.retry_after > timezone.now():
            raise RenditionBackoffError(f"{row.last_error} (next attempt after {row.retry_after:%Y-%m-%d %H:%M:%S})")

    def claim(self, lease: timedelta = CLAIM_LEASE, during_backoff: bool = False) -> bool:
        """Wins the row's lease with one conditional UPDATE: the database picks a single winner.

        A row in its back-off is not claimed (unless `during_backoff`, for a forced remake): the
        back-off is part of the same condition, because a caller's earlier look at the row may be
        stale. Two workers that both read the row before the first failed would otherwise try twice."""
        now = timezone.now()
        rows = self.rows().filter(unclaimed(now))
        if not during_backoff:
            rows = rows.exclude(state=RenditionState.FAILED, retry_after__gt=now)
        if rows.update(claimed_until=now + lease) != 1:
            return False
        self.row.claimed_until = now + lease
        return True

    def wait_for_claim(self, limit: timedelta = CLAIM_LEASE, during_backoff: bool = False) -> bool:
        """True once we hold the claim; False when the file appeared while another held it.
        Raises RenditionBackoffError when the claim's holder failed meanwhile (unless
        `during_backoff`), RenditionBusyError when it held on past `limit`."""
        deadline = time.monotonic() + limit.total_seconds()
        while not self.claim(during_backoff=during_backoff):
            self.row.refresh_from_db()
            if not during_backoff:
                self.refuse_during_backoff()
            time.sleep(WAIT_POLL_SECONDS)
            if self.exists():
                return False
            if time.monotonic() > deadline:
                raise RenditionBusyError(f"another process is still making {self.spec} of photo {self.photo.pk}")
        return True

    def hold(self, lease: timedelta):
        """Extends our claim to `lease` from now (a maker that learnt how long it needs)."""
        self.row.claimed_until = timezone.now() + lease
        self.rows().update(claimed_until=self.row.claimed_until)

    def release(self):
        """Gives the claim back without a verdict (a bug or an interrupt): the next asker tries at once."""
        self.row.claimed_until = None
        self.rows().update(claimed_until=None)

    def set_ready(self, size: int, **facts):
        """Records, under our claim, the file just stored: one more generation, no failure, no claim;
        `facts` are what the rendition's kind keeps of it on the row (a thumbnail's placeholder)."""
        self.rows().update(**ready_fields(self.name, size), **facts)
        self.row.refresh_from_db()

    def set_failed(self, error: RenditionError, what: str):
        """Records the failure under our claim, backs off, releases, and logs it once."""
        self.row.refresh_from_db(fields=["attempts"])
        attempts = self.row.attempts + 1
        delay = min(RETRY_FIRST_SECONDS * 4 ** (attempts - 1), RETRY_LONGEST_SECONDS)
        reason = " ".join(str(error).split())  # one line: decoders' messages may hold line breaks
        self.rows().update(state=RenditionState.FAILED, attempts=attempts, last_error=reason,
                           retry_after=timezone.now() + timedelta(seconds=delay), claimed_until=None)
        self.row.refresh_from_db()
        logger.error("%s failed: photo %s (%s) %s, attempt %d, next after %ds: %s",
                     what, self.photo.pk, self.photo.original_name, self.spec, attempts, delay, reason)

    def record_found(self):
        """Records a file found in the storage while its row does not say ready (its maker was
        killed between the write and the row's update), under the row's claim like any write of
        the row. A row under a live claim is left alone: its maker may be about to record the file
        itself (so a file never counts two generations). The file is there, so a back-off (a
        failed forced remake) does not stop its record."""
        if self.claim(during_backoff=True):
            self.record_claimed()

    def record_claimed(self):
        """Records the stored file on a row we hold, as the one generation it was (unless the row
        already says ready), and releases the claim."""
        unrecorded = self.rows().exclude(state=RenditionState.READY)
        if not unrecorded.update(**ready_fields(self.name, self.size())):
            self.release()


def ready_fields(name: str, size: int) -> dict:
    return {"state": RenditionState.READY, "name": name, "bytes": size, "generated_at": timezone.now(),
            "generations": F("generations") + 1, "attempts": 0, "last_error": "", "retry_after": None,
            "claimed_until": None}


def delete_stored(name: str):
    """Removes a rendition from the storage and its row, if any (for `checklibrary --repair`)."""
    storage().delete(name)
    Rendition.objects.filter(name=name).delete()


def delete_all(photo: Photo):
    """Removes every rendition of the photo, files and rows (photo trashed): those its rows name
    and those today's specs would name (a file whose row was never written)."""
    names = {storage_name(photo.sha256, spec) for spec in [*all_current_specs(), current_video_spec()]}
    names.update(name for name in Rendition.objects.filter(photo=photo).values_list("name", flat=True) if name)
    for name in names:
        if storage().exists(name):
            storage().delete(name)
    Rendition.objects.filter(photo=photo).delete()
