"""The event streams open in this process: their caps, and the end of their login sessions.

A stream must end soon after its login session does (logout, session deleted or expired,
password changed, user deactivated), in whichever process that happened. So one task per
process re-checks, every WATCH_SECONDS, each distinct session that has a stream open here —
the way Django itself would on the next request (`django.contrib.auth.get_user`: the session
is loaded from its store, its password hash compared, the user's backend asked whether it may
still log in) — in one hop to the loop's shared thread pool, and ends the streams of every
session that no longer authenticates their user. A thousand idle streams of ten sessions cost
ten session checks every two seconds, not a thousand.

The caps (PHOTOSITE_EVENT_STREAMS_PER_USER, PHOTOSITE_EVENT_STREAMS_TOTAL) are per process: a
stream costs a socket and a little memory rather than a thread, but one user's script must not
be able to use up the server's file descriptors."""
import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import import_module

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.db import connections
from django.http import HttpRequest

from photosite.memory import return_freed_memory

WATCH_SECONDS = 2


class TooManyStreamsError(Exception):
    """Opening one more stream would pass a cap."""


@dataclass(eq=False)
class OpenStream:
    session_key: str
    user_pk: str
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class OpenStreams:
    def __init__(self):
        self.by_session = defaultdict(set)
        self.per_user = Counter()
        self.watcher = None

    def open(self, session_key, user_pk) -> OpenStream:
        if self.per_user[user_pk] >= settings.PHOTOSITE_EVENT_STREAMS_PER_USER:
            raise TooManyStreamsError(f"at most {settings.PHOTOSITE_EVENT_STREAMS_PER_USER} event streams "
                                      "per user: close other tabs of the import page")
        if self.per_user.total() >= settings.PHOTOSITE_EVENT_STREAMS_TOTAL:
            raise TooManyStreamsError("the server has as many event streams open as it takes: try again later")
        stream = OpenStream(session_key, user_pk)
        self.by_session[stream.session_key].add(stream)
        self.per_user[user_pk] += 1
        if self.watcher is None or self.watcher.done():
            self.watcher = asyncio.ensure_future(self.watch())
        return stream

    def close(self, stream):
        self.by_session[stream.session_key].discard(stream)
        if not self.by_session[stream.session_key]:
            del self.by_session[stream.session_key]
        self.per_user[stream.user_pk] -= 1
        if not self.per_user[stream.user_pk]:
            del self.per_user[stream.user_pk]
        if not self.per_user:
            # 200 streams left 43 MB resident after closing without this, 17 MB with it
            # (bench/bench_event_streams.py has 1,000).
            return_freed_memory()

    async def watch(self):
        """Until the last stream closes: end the streams whose login session ended."""
        while self.by_session:
            await asyncio.sleep(WATCH_SECONDS)
            logins = {(key, stream.user_pk) for key, streams in self.by_session.items() for stream in streams}
            ended = await sync_to_async(ended_logins, thread_sensitive=False)(logins)
            for stream in [s for streams in self.by_session.values() for s in streams]:
                if (stream.session_key, stream.user_pk) in ended:
                    stream.ended.set()


def ended_logins(logins):
    """Those (session key, user pk) pairs whose session no longer authenticates that user."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    try:
        return {(key, user_pk) for key, user_pk in logins if str(_user_of(store(key)).pk) != user_pk}
    finally:
        connections.close_all()


def _user_of(session):
    request = HttpRequest()
    request.session = session
    return get_user(request)


open_streams = OpenStreams()
