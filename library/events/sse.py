"""Import progress as Server-Sent Events (django-eventstream), one channel per import session.

Events are stored (library.events.storage) with per-channel ids, so a browser that reconnects with
`Last-Event-ID` gets what it missed and a page reloaded mid-import replays the session's history.
Only the session's owner and staff may read its channel."""
import re

from django_eventstream import send_event
from django_eventstream.channelmanager import DefaultChannelManager

from library.models import ImportSession, import_sessions_visible_to

CHANNEL_PREFIX = "import-"
CHANNEL_PATTERN = re.compile(rf"^{CHANNEL_PREFIX}(\d+)$")
FILE_EVENT = "file"
# Many files at once (those the page need not send): one stored event, as storing one costs more
# than recording the files themselves.
FILES_EVENT = "files"
COMPLETE_EVENT = "complete"
EVENT_NUMBER = re.compile(r"[0-9]{1,18}")  # a BigIntegerField's range, not an overflow


def channel_for(session_id) -> str:
    return f"{CHANNEL_PREFIX}{session_id}"


class InvalidLastEventIdError(ValueError):
    """A Last-Event-ID that is not one of this session's event ids."""


def event_after(session_id, last_event_id) -> int:
    """The stored event a stream of `session_id` starts after: the one `last_event_id` names
    (`import-<session>:<n>`, what the browser sends on reconnecting), else 0, "from the
    beginning": the storage keeps an event 0 in each channel, so a late connection
    replays every event the session ever sent. An id of another channel, or a malformed one,
    is refused rather than ignored: it never selects anything but this channel."""
    if not last_event_id:
        return 0
    channel, separator, number = last_event_id.partition(":")
    if channel != channel_for(session_id) or not separator or not EVENT_NUMBER.fullmatch(number):
        raise InvalidLastEventIdError(f"Last-Event-ID must be {channel_for(session_id)}:<n>")
    return int(number)


class SSEReporter:
    """A ProgressReporter publishing each file's outcome and the final totals on the session's channel."""

    def __init__(self, session: ImportSession):
        self.channel = channel_for(session.pk)

    def file_done(self, result, counts):
        send_event(self.channel, FILE_EVENT, {**event_fields(result), "counts": counts})

    def files_done(self, results, counts):
        send_event(self.channel, FILES_EVENT, {"files": [event_fields(result) for result in results], "counts": counts})

    def outcomes_changed(self, results, counts):
        """Told as files again: the page knows them by their outcome ids and updates their lines."""
        self.files_done(results, counts)

    def session_complete(self, session):
        send_event(self.channel, COMPLETE_EVENT, {
            "counts": session.counts(), "duration": session.duration_seconds,
            "finished_at": session.finished_at,
        })


def event_fields(result):
    return {"name": result.name, "status": result.status, "error": result.error, "photo_id": result.photo_id,
            "outcome_id": result.outcome_id, "size": result.size}


class ImportChannelManager(DefaultChannelManager):
    """django-eventstream's permission hook: an import channel is readable by its owner and staff."""

    def can_read_channel(self, user, channel):
        match = CHANNEL_PATTERN.match(channel)
        if user is None or match is None:
            return False
        return import_sessions_visible_to(user).filter(pk=int(match.group(1))).exists()
