"""Resumable web uploads: a big file arrives in pieces and, after a cut, goes on from the bytes the
server holds. The rules live here; the tus protocol's headers and statuses in
library/views/resumable.py.

An upload is its creator's alone and belongs to an import session. Its bytes so far are a
`.upload` file in `.import_temp`, written through the same StagingWriter as every import (so the
size limit and the free-space reserve hold per piece, and the SHA-256 is computed as the bytes
arrive). How many bytes it holds is that file's size: a server killed mid-piece keeps what it wrote,
and the next piece starts there. The hash state between pieces is kept in this process for as long
as the upload lasts; a piece that reaches another process (or a restarted one) hashes the bytes
already there once, and that process keeps the state from then on. When the
last byte is in, the file goes through the pipeline like any upload, and fails unless its
SHA-256 is the one the browser computed when it created the upload (a file that changed between
two pieces, or a client that lied, gains nothing). Only one piece of an upload is written at a
time (an exclusive lock on the file, held across processes); uploads untouched for a day are
removed by the workers (`library.tasks`) and by `checklibrary --repair`.

Limits, so that no user holds the disk or the process's memory: at most PHOTOSITE_UPLOADS_PER_USER
unfinished uploads per user (403 past them); a new upload must fit in the free space above
PHOTOSITE_MIN_FREE_BYTES left once every unfinished upload has the rest of its declared length
(413 otherwise: what was accepted is not starved by what came after); a piece with no bytes changes
nothing (not the upload's age, not its hash state); and an upload ends a week after it began, however
often pieces come."""
import fcntl
import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from library.events.sse import SSEReporter
from library.importing.names import display_name
from library.importing.pipeline import ImportPipeline
from library.importing.staging import (
    COPY_CHUNK_BYTES,
    RESUMABLE_SUFFIX,
    Origin,
    StagingWriter,
    ensure_free_space,
    readable_size,
    remember_origin,
)
from library.media.errors import ImportFileError, NotEnoughSpaceError, os_error_message
from library.models import ResumableUpload, uploads_visible_to
from library.paths import import_temp_dir

from .web_import import import_staged_upload, parse_last_modified

logger = logging.getLogger("photosite.import.uploads")

STALE_AFTER = timedelta(hours=24)
# However often pieces come, an upload is given up this long after it began, so that a byte a day
# cannot keep its bytes and its declared space for ever (20 GB at 1 Mbit/s takes two days).
LONGEST_UPLOAD = timedelta(days=7)


class UploadError(Exception):
    """An upload request refused, with the HTTP status that says why. `recorded`: the file's
    failure is already in the import session (its counters and event stream say so)."""

    status = 400

    def __init__(self, message, recorded=False):
        super().__init__(message)
        self.recorded = recorded


class UploadNotFoundError(UploadError):
    status = 404


class OffsetMismatchError(UploadError):
    status = 409


class UploadLockedError(UploadError):
    status = 423


class UploadRefusedError(UploadError):
    """The file cannot be kept (too large, no room): the upload is over, its failure recorded."""

    status = 413


class TooManyUploadsError(UploadRefusedError):
    """The user has PHOTOSITE_UPLOADS_PER_USER unfinished uploads already. A 403, not a 429: a 429
    says "later" (the import page sends its tus requests again after one), and each try would
    record the same failure again; on a 403 tus clients give up and show the reason."""

    status = 403


class UploadLimitError(ImportFileError):
    """A new upload would pass one of its user's limits (PHOTOSITE_UPLOADS_PER_USER)."""


class _HashStates:
    """The SHA-256 state of uploads paused in this process, by upload id, with the size it covers.

    A state stays until its upload ends, however many uploads come after it: there are at most
    PHOTOSITE_UPLOADS_PER_USER per user (a few hundred bytes each), and a state pushed out would
    cost a full read of the bytes held (up to PHOTOSITE_MAX_UPLOAD_BYTES) on the upload's next piece. States of uploads
    that ended in another process (the workers' clean-up, another web worker) go at the next creation here."""

    def __init__(self):
        self._states = {}
        self._lock = threading.Lock()

    def keep(self, upload_id, size, hasher):
        with self._lock:
            self._states[upload_id] = (size, hasher)

    def take(self, upload_id):
        with self._lock:
            return self._states.pop(upload_id, (None, None))

    def keep_only(self, upload_ids):
        with self._lock:
            for gone in self._states.keys() - set(upload_ids):
                del self._states[gone]


hash_states = _HashStates()


def create(user, session, name, length, claimed_sha256, last_modified=None) -> ResumableUpload:
    """A new upload of `length` bytes; refused (and the file's failure recorded) when it cannot fit
    or its user has too many unfinished. The user's row is locked meanwhile, so two creations at
    once cannot both take the last place (two users' at once may both count on the same free space;
    the reserve itself still holds for every piece)."""
    name = display_name(name)
    try:
        with transaction.atomic():
            get_user_model().objects.select_for_update().get(pk=user.pk)  # this user's creations one at a time
            _check_limits(user, length)
            writer = StagingWriter(name, expected_size=length, suffix=RESUMABLE_SUFFIX)
            upload = ResumableUpload.objects.create(
                user=user, session=session, original_name=name, length=length, claimed_sha256=claimed_sha256,
                last_modified=last_modified, temp_name=writer.temp_path.name,
            )
    except UploadLimitError as error:
        raise _refused(session, name, length, str(error), TooManyUploadsError) from error
    except ImportFileError as error:
        raise _refused(session, name, length, str(error)) from error
    except OSError as error:
        logger.error("Could not stage upload %s: %s", name, error)
        raise _refused(session, name, length, os_error_message(error)) from error
    hash_states.keep(upload.pk, 0, writer.pause())
    hash_states.keep_only(ResumableUpload.objects.values_list("pk", flat=True))
    return upload


def _check_limits(user, length):
    if length > settings.PHOTOSITE_MAX_UPLOAD_BYTES:
        raise ImportFileError(f"file is larger than the limit of {settings.PHOTOSITE_MAX_UPLOAD_BYTES:,} bytes")
    if ResumableUpload.objects.filter(user=user).count() >= settings.PHOTOSITE_UPLOADS_PER_USER:
        raise UploadLimitError(f"{settings.PHOTOSITE_UPLOADS_PER_USER} uploads of yours are unfinished, the most "
                               "allowed (PHOTOSITE_UPLOADS_PER_USER): choose one of their files again to finish "
                               "it; those left alone for a day are removed")
    promised = promised_bytes()
    try:
        ensure_free_space(length + promised)
    except NotEnoughSpaceError as error:
        if not promised:
            raise
        raise NotEnoughSpaceError(f"{error}; {readable_size(promised)} of the space is held for unfinished uploads"
                                  ) from error


def promised_bytes() -> int:
    """What unfinished uploads declared and have not sent yet. A new upload must leave them that
    room, or an upload accepted earlier could fail halfway for one accepted after it."""
    return sum(map(_still_to_come, ResumableUpload.objects.only("length", "temp_name").iterator()))


def _still_to_come(upload) -> int:
    try:
        return max(upload.length - received(upload), 0)
    except UploadNotFoundError:
        return 0  # its bytes are gone: it will never get another piece


def upload_for(user, upload_id) -> ResumableUpload:
    """The user's own upload (`uploads_visible_to`)."""
    upload = uploads_visible_to(user).filter(pk=upload_id).select_related("session").first()
    if upload is None or not temp_path(upload).exists():
        raise UploadNotFoundError("no such upload")
    return upload


def temp_path(upload):
    return import_temp_dir() / upload.temp_name


def received(upload) -> int:
    """The bytes the server holds: the file's size, whatever was recorded."""
    try:
        return temp_path(upload).stat().st_size
    except FileNotFoundError as error:
        raise UploadNotFoundError("no such upload") from error


def write_piece(upload, session, offset, body, length):
    """Append the next `length` bytes, read from `body`, at `offset`. Returns (offset now, the
    file's result once its last byte is in, else None). A body that ends early keeps what came."""
    if offset + length > upload.length:
        raise UploadError(f"the piece ends past the upload's length ({upload.length:,} bytes)")
    if length == 0 and _held_at(upload, offset) < upload.length:
        return offset, None  # nothing to write: the upload's age and its hash state stay as they are
    with _locked(upload):
        held = _held_at(upload, offset)
        hashed_size, hasher = hash_states.take(upload.pk)
        writer = StagingWriter.reopen(temp_path(upload), upload.original_name, upload.length, hasher, hashed_size)
        try:
            _copy(body, writer, length)
        except ImportFileError as error:
            raise _give_up(upload, session, writer, str(error)) from error
        except OSError as error:
            logger.error("Could not stage upload %s: %s", upload.original_name, error)
            raise _give_up(upload, session, writer, os_error_message(error)) from error
        if writer.size < upload.length:
            hash_states.keep(upload.pk, writer.size, writer.pause())
            if writer.size > held:
                ResumableUpload.objects.filter(pk=upload.pk).update(updated_at=timezone.now())
            return writer.size, None
        return writer.size, _complete(upload, session, writer)


def _held_at(upload, offset) -> int:
    """The bytes held, which must be where the client says the piece starts."""
    if offset != (held := received(upload)):
        raise OffsetMismatchError(f"Upload-Offset is {offset:,} but the server holds {held:,} bytes")
    return held


def _copy(body, writer, length):
    while length > 0 and (chunk := body.read(min(COPY_CHUNK_BYTES, length))):
        writer.write(chunk)
        length -= len(chunk)


def _complete(upload, session, writer):
    """The last byte is in: the file goes through the pipeline, as every upload does (`finish()`
    removes the bytes itself when it fails), its origin kept with it for a crash before then."""
    staged, error = None, ""
    mtime = parse_last_modified(upload.last_modified)
    try:
        remember_origin(writer.temp_path, Origin(upload.original_name, session.pk, mtime))
        staged = writer.finish()
    except ImportFileError as refusal:
        error = str(refusal)
    except OSError as failure:
        logger.error("Could not stage upload %s: %s", upload.original_name, failure)
        error = os_error_message(failure)
    finally:
        upload.delete()
    return import_staged_upload(_pipeline(session), staged, upload.original_name, upload.length, error, mtime,
                                upload.claimed_sha256)


def terminate(upload):
    """The client gives the upload up (tus termination): its bytes go."""
    with _locked(upload):
        temp_path(upload).unlink(missing_ok=True)
        upload.delete()
    hash_states.take(upload.pk)


def remove_stale(now=None) -> int:
    """Uploads untouched for STALE_AFTER or begun more than LONGEST_UPLOAD ago, with their bytes;
    returns how many went. A stale upload still being written (it holds the lock) is left for the
    next round."""
    now = now or timezone.now()
    removed = 0
    stale = Q(updated_at__lt=now - STALE_AFTER) | Q(created_at__lt=now - LONGEST_UPLOAD)
    for upload in ResumableUpload.objects.filter(stale).iterator():
        try:
            terminate(upload)
        except (UploadLockedError, UploadNotFoundError):
            continue
        logger.info("Removed resumable upload %s begun %s, last piece %s", upload.original_name, upload.created_at,
                    upload.updated_at)
        removed += 1
    return removed


@contextmanager
def _locked(upload):
    try:
        file = open(temp_path(upload), "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError as error:
        upload.delete()
        raise UploadNotFoundError("no such upload") from error
    try:
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise UploadLockedError("another piece of this upload is being received") from error
        yield
    finally:
        file.close()


def _give_up(upload, session, writer, error) -> UploadRefusedError:
    writer.abort()
    upload.delete()
    hash_states.take(upload.pk)
    return _refused(session, upload.original_name, upload.length, error)


def _refused(session, name, length, error, refusal=UploadRefusedError) -> UploadRefusedError:
    _pipeline(session).record_failure(name, length, error)
    return refusal(error, recorded=True)


def _pipeline(session):
    return ImportPipeline(session, reporter=SSEReporter(session))

