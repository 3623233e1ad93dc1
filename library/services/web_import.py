"""The web import's rules, kept out of the views: whose session is whose, what a finished session
accepts, and how uploaded files meet the one import pipeline (with Server-Sent-Event progress)."""
from dataclasses import replace
from datetime import UTC, datetime

from django.urls import reverse

from library.importing.pipeline import ImportPipeline
from library.importing.sse import SSEReporter, channel_for
from library.models import ImportSession, ImportSource


class SessionNotFoundError(LookupError):
    """No such session, or not one this user may see (the two look the same from outside)."""


class SessionFinishedError(ValueError):
    """The session has been closed; it takes no more files."""


def start_session(user) -> ImportSession:
    return ImportPipeline.start(ImportSource.WEB, user=user).session


def session_for(user, session_id, *, open_only=False) -> ImportSession:
    """The user's web import session (any user's, for staff)."""
    sessions = ImportSession.objects.filter(pk=session_id, source=ImportSource.WEB)
    if not user.is_staff:
        sessions = sessions.filter(user=user)
    session = sessions.first()
    if session is None:
        raise SessionNotFoundError(f"import session {session_id} not found")
    if open_only and session.is_finished:
        raise SessionFinishedError(f"import session {session_id} is finished; start a new one")
    return session


def import_uploads(session, uploads, last_modified=()) -> list:
    """Run each staged upload through the pipeline; returns the per-file results in upload order.

    `last_modified` holds the browser's File.lastModified (ms since the epoch), one per upload in
    the same order; the pipeline dates a file without EXIF or container date by it."""
    pipeline = ImportPipeline(session, reporter=SSEReporter(session))
    mtimes = [parse_last_modified(value) for value in last_modified]
    if len(mtimes) != len(uploads):
        mtimes = [None] * len(uploads)
    results = []
    for upload, mtime in zip(uploads, mtimes, strict=True):
        if upload.staged is None:
            results.append(pipeline.record_failure(upload.original_name, upload.size, upload.error))
        else:
            results.append(pipeline.import_staged(replace(upload.staged, source_mtime=mtime)))
    return results


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
