"""The web import's rules, kept out of the views: whose session is whose, what a finished session
accepts, and how uploaded files meet the one import pipeline (with Server-Sent-Event progress)."""
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime

from django.urls import reverse

from library.events.sse import SSEReporter, channel_for
from library.importing.pipeline import Failure, ImportPipeline, Prepared
from library.importing.staging import Origin, keep_all_received
from library.models import ImportSession, ImportSource, OutcomeStatus, Photo, import_sessions_visible_to

logger = logging.getLogger("photosite.import")

# What a file whose bytes differ from the browser's own hash of them fails with: the server's
# hash decides, and a file that changed on the way (or a client that lied) is not kept.
HASH_MISMATCH_ERROR = ("the bytes received differ from the file the browser read (its SHA-256 does not match); "
                       "the file may have changed while it was sent: add it again")
# How the page writes a SHA-256 (hash-wasm and WebCrypto alike), in every request that carries one.
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
IN_LIBRARY_OUTCOMES = {OutcomeStatus.IMPORTED, OutcomeStatus.DUPLICATE}
# Hashes asked about in one request (the page asks in batches as its Web Worker hashes).
MAX_KNOWN_QUERY = 500
MAX_SIZES_QUERY = 1000
MAX_EDGES_QUERY = 1000


class SessionNotFoundError(LookupError):
    """No such session, or not one this user may see (the two look the same from outside)."""


class SessionFinishedError(ValueError):
    """The session has been closed; it takes no more files."""


def start_session(user) -> ImportSession:
    return ImportPipeline.start(ImportSource.WEB, user=user).session


def session_for(user, session_id, *, open_only=False) -> ImportSession:
    """A web import session the user may follow (`import_sessions_visible_to`), else a 404's error."""
    session = import_sessions_visible_to(user).filter(pk=session_id).first()
    if session is None:
        raise SessionNotFoundError(f"import session {session_id} not found")
    if open_only and session.is_finished:
        raise SessionFinishedError(f"import session {session_id} is finished; start a new one")
    return session


def import_uploads(session, uploads, last_modified=(), claimed_hashes=()) -> list:
    """Run the staged uploads of one request through the pipeline as one group (one wait for the
    disk, one transaction: an fsync per file was most of a web import's time); returns the
    per-file results in upload order.

    `last_modified` holds the browser's File.lastModified (ms since the epoch), one per upload in
    the same order; the pipeline dates a file without EXIF or container date by it.
    `claimed_hashes`, also one per upload when given, are the browser's SHA-256 of each file:
    a file whose received bytes hash otherwise fails (the server's own hash is the one kept)."""
    pipeline = ImportPipeline(session, reporter=SSEReporter(session))
    mtimes = per_upload([parse_last_modified(value) for value in last_modified], uploads)
    claims = per_upload(list(claimed_hashes), uploads)
    keep_received(uploads, claims, [Origin(upload.original_name, session.pk, mtime)
                                    for upload, mtime in zip(uploads, mtimes, strict=True)])
    return pipeline.commit([
        prepared_upload(pipeline, upload.staged, upload.original_name, upload.size, upload.error, mtime, claim)
        for upload, mtime, claim in zip(uploads, mtimes, claims, strict=True)
    ])


def keep_received(uploads, claims, origins):
    """The files received whole, and as the browser hashed them, kept for a crash with their
    origins: the browser's request dies with the server, so from here on only the library holds
    them (see `keep_all_received`). Where the disk refuses, the pipeline's own wait for it fails
    them per file."""
    whole = [(upload, origin) for upload, claim, origin in zip(uploads, claims, origins, strict=True)
             if upload.staged is not None and (not claim or claim == upload.staged.sha256)]
    try:
        kept = keep_all_received([upload.staged for upload, _ in whole], [origin for _, origin in whole])
    except OSError as error:
        logger.error("Could not make the received files durable: %s", error)
        return
    for (upload, _), staged in zip(whole, kept, strict=True):
        upload.staged = staged


def upload_answers(uploads, results) -> list[dict]:
    """Each file's outcome for the page, with the server's SHA-256 of the bytes it received when
    they are in the library (imported, or a duplicate of a photo there): the page remembers it
    (hash_memory.js), so the same file picked again is not read to be hashed. Empty for a failure
    and for a file passed by (a sidecar is no photo the library could answer for by its hash)."""
    return [{**result.as_dict(),
             "sha256": upload.staged.sha256 if upload.staged and result.status in IN_LIBRARY_OUTCOMES else ""}
            for upload, result in zip(uploads, results, strict=True)]


def import_staged_upload(pipeline, staged, name, size, error, mtime=None, claimed_sha256=None):
    """One received file through the pipeline (or its failure recorded); the staged bytes are gone after."""
    return pipeline.commit([prepared_upload(pipeline, staged, name, size, error, mtime, claimed_sha256)])[0]


def prepared_upload(pipeline, staged, name, size, error, mtime=None, claimed_sha256=None) -> Prepared | Failure:
    """A received file read for the pipeline's commit, or why it failed (nothing staged, or bytes
    that are not the ones the browser hashed)."""
    if staged is None:
        return Failure(name, size, error)
    if claimed_sha256 and claimed_sha256 != staged.sha256:
        staged.temp_path.unlink(missing_ok=True)
        return Failure(name, staged.size, HASH_MISMATCH_ERROR)
    return pipeline.prepare(replace(staged, source_mtime=mtime))


def per_upload(values, uploads):
    """Values sent one per file: used when there is one for each, else none are."""
    return values if len(values) == len(uploads) else [None] * len(uploads)


def sizes_held(sizes) -> list:
    """Which of these file sizes a photo outside the trash has: a file of any other size is new
    for certain, and the page sends it without reading it first. (Any user may see those photos
    and download them, sizes and all; a trashed photo's size is not told, as its hash is not.)"""
    return sorted(Photo.objects.in_library().filter(size__in=set(sizes)).order_by()
                  .values_list("size", flat=True).distinct())


def edges_held(files) -> list[bool]:
    """For each (size, edge hash) file, whether a photo outside the trash may be it: one of that
    size with that edge hash, or one of that size whose edge hash is not known yet (imported before
    edge hashes were recorded: until `manage.py edgehashes` fills it in, any file of its size may
    be it). Only these are worth hashing whole; the others are new for certain."""
    rows = set(Photo.objects.in_library()
               .filter(size__in={size for size, _edge in files}, edge_sha256__in={edge for _size, edge in files} | {""})
               .order_by().values_list("size", "edge_sha256").distinct())
    return [(size, edge) in rows or (size, "") in rows for size, edge in files]


def record_known_files(session, files) -> list:
    """The page's question before it sends: which of these (name, sha256) files does the library
    hold already? Those are recorded as duplicates of their photo (counters, event stream, links)
    and need not be sent; the results come in the order asked, None for a file to send.

    Only photos outside the trash are answered from a hash: every user may see them (and could
    hash their originals). Bytes of a trashed photo are sent, and the upload rules decide: staff
    get the photo back, anyone else a duplicate "in the trash" — so a hash alone tells nobody
    what only the bytes would."""
    photos = {photo.sha256: photo for photo in
              Photo.objects.in_library().filter(sha256__in={sha256 for _name, sha256 in files})}
    known = [(name, photos[sha256]) for name, sha256 in files if sha256 in photos]
    recorded = iter(ImportPipeline(session, reporter=SSEReporter(session)).record_known_files(known) if known else ())
    return [next(recorded) if sha256 in photos else None for _name, sha256 in files]


def finish_session(session) -> ImportSession:
    return ImportPipeline(session, reporter=SSEReporter(session)).finish()


def session_summary(session) -> dict:
    return {
        "id": session.pk,
        "events_url": reverse("import-events", args=[session.pk]),
        "channel": channel_for(session.pk),
        "counts": session.counts(),
        "finished": session.is_finished,
        "started_at": session.started_at,
        "finished_at": session.finished_at,
        "duration": session.duration_seconds,
    }


def parse_last_modified(value):
    """A browser file time (ms since the epoch) as an aware datetime; None when it is not one."""
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC).astimezone()
    except (TypeError, ValueError, OverflowError, OSError):
        return None
