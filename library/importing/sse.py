"""Import progress as Server-Sent Events (django-eventstream), one channel per import session.

Events are stored (DjangoModelStorage) with per-channel ids, so a browser that reconnects with
`Last-Event-ID` gets what it missed and a page reloaded mid-import replays the session's history.
Only the session's owner and staff may read its channel."""
import re
from contextlib import aclosing

from asgiref.sync import sync_to_async
from django.db import connections
from django_eventstream import send_event
from django_eventstream.channelmanager import DefaultChannelManager

from library.models import ImportSession

CHANNEL_PREFIX = "import-"
CHANNEL_PATTERN = re.compile(rf"^{CHANNEL_PREFIX}(\d+)$")
FILE_EVENT = "file"
COMPLETE_EVENT = "complete"


def channel_for(session_id) -> str:
    return f"{CHANNEL_PREFIX}{session_id}"


def history_start(session_id) -> str:
    """A Last-Event-ID meaning "from the beginning": django-eventstream stores an event 0 in
    each channel, so replaying after it yields every event the session ever sent."""
    return f"{channel_for(session_id)}:0"


class SSEReporter:
    """A ProgressReporter publishing each file's outcome and the final totals on the session's channel."""

    def __init__(self, session: ImportSession):
        self.channel = channel_for(session.pk)

    def file_done(self, result, counts):
        send_event(self.channel, FILE_EVENT, {
            "name": result.name, "status": result.status, "error": result.error,
            "photo_id": result.photo_id, "outcome_id": result.outcome_id, "size": result.size,
            "counts": counts,
        })

    def session_complete(self, session):
        send_event(self.channel, COMPLETE_EVENT, {
            "counts": session.counts(), "duration": session.duration_seconds,
            "finished_at": session.finished_at,
        })


class ImportChannelManager(DefaultChannelManager):
    """django-eventstream's permission hook: an import channel is readable by its owner and staff."""

    def can_read_channel(self, user, channel):
        match = CHANNEL_PATTERN.match(channel)
        if user is None or match is None:
            return False
        sessions = ImportSession.objects.filter(pk=int(match.group(1)))
        if not user.is_staff:
            sessions = sessions.filter(user=user)
        return sessions.exists()


async def without_idle_connections(chunks):
    """Pass a stream's chunks on, closing this stream's database connection after each one.

    django-eventstream reads the stored history in the stream's own thread, whose connection
    would otherwise stay open for as long as the browser tab does: a hundred idle tabs would use
    up PostgreSQL's connection limit."""
    close = sync_to_async(connections.close_all)
    async with aclosing(chunks):
        async for chunk in chunks:
            await close()
            yield chunk
