"""One import session's event stream, read from django-eventstream's storage, holding no thread.

Why not django-eventstream's own view: it lets a signed `es-meta` query parameter replace the
channels and the user the view chose (anyone who knows SECRET_KEY reads any channel), answers
`?recover=true`, a bad token or a token naming a missing user with a 500, keeps streaming after
the user logged out, and reads the storage through thread-sensitive `sync_to_async`, so every
open stream holds an OS thread (and its malloc arena) for as long as the tab stays open.

Here the session's channel is the only one there is: Django's view (library/views/imports.py)
checks who may read it and which event to start after, and hands the stream off with a 204
carrying HANDOFF_HEADER; library.events.route, in front of Django, keeps the connection and runs
`events()` once Django's request — and the thread Django's ASGI handler gives each request —
has ended. What stays from django-eventstream is what the project relies on: `send_event`, the
stored events with their per-channel ids, and its listener manager, which wakes a stream when
an event is sent in this process or arrives through the Redis backplane. Each read of the
storage is a short hop to the event loop's shared thread pool; an idle stream is a coroutine
waiting on an asyncio event."""
import asyncio
import logging
from contextlib import suppress
from functools import partial

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connections
from django.http import HttpResponse
from django_eventstream.storage import EventDoesNotExist
from django_eventstream.utils import get_storage, make_id, sse_encode_error, sse_encode_event
from django_eventstream.views import Listener, get_listener_manager

HANDOFF_HEADER = "X-Photosite-Event-Stream"  # "<channel> <event to start after> <user pk>"
KEEP_ALIVE_SECONDS = 20
BATCH = 100
# Padding first, so proxies and old browsers that buffer the start of a response pass it on.
OPENING = ":" + " " * 2048 + "\n\nevent: stream-open\ndata:\n\n"
KEEP_ALIVE = "event: keep-alive\ndata:\n\n"
RETRY_READ_SECONDS = 1
logger = logging.getLogger("photosite.import.events")
LOGIN_ENDED = sse_encode_error("forbidden", "your login session ended: log in again to follow the import")


def handoff(channel, after, user_pk) -> HttpResponse:
    """Django's answer to an allowed stream request: library.events.route streams in its place.
    Served without that front (WSGI), the 204 tells an EventSource not to reconnect."""
    return HttpResponse(status=204, headers={HANDOFF_HEADER: f"{channel} {after} {user_pk}"})


def parse_handoff(value):
    """(channel, after, user_pk) from a HANDOFF_HEADER value the view wrote."""
    channel, after, user_pk = value.split(" ")
    return channel, int(after), user_pk


async def events(channel, after, ended: asyncio.Event):
    """SSE text for `channel`: the stored events after `after`, then each new one as it is sent,
    until `ended` is set (the login session ended, or the client went away)."""
    listener = Listener()
    listener.channels = {channel}
    listener.assign_loop()
    manager = get_listener_manager()
    manager.add_listener(listener)
    try:
        yield OPENING
        while not ended.is_set():
            with manager.lock:  # what was queued is re-read below, from the storage that owns the ids
                listener.aevent.clear()
                listener.channel_items, listener.overflow = {}, False
            try:
                text, after, more = await read_after(channel, after)
            except DatabaseError as error:
                # A busy or restarting database is no reason to drop a browser's stream (it would
                # only reconnect and ask again): the same read is tried again shortly.
                logger.warning("Event stream of %s could not read its events, retrying: %s", channel, error)
                with suppress(TimeoutError):
                    await asyncio.wait_for(ended.wait(), RETRY_READ_SECONDS)
                continue
            if text:
                yield text
            if not more and not await woken(listener.aevent, ended):
                yield KEEP_ALIVE
        yield LOGIN_ENDED
    finally:
        manager.remove_listener(listener)


async def woken(event, ended):
    """Wait for a new event or the end of the stream; False after KEEP_ALIVE_SECONDS of neither."""
    waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(ended.wait())]
    done, pending = await asyncio.wait(waiters, timeout=KEEP_ALIVE_SECONDS, return_when=asyncio.FIRST_COMPLETED)
    for waiter in pending:
        waiter.cancel()
    return bool(done)


async def read_after(channel, after):
    return await sync_to_async(partial(_read_after, channel, after), thread_sensitive=False)()


def _read_after(channel, after):
    """(SSE text, the last id sent, whether more are stored) for up to BATCH events after `after`.
    Runs in the loop's shared pool; its thread's database connection is closed before the
    thread goes back, so idle streams hold no connection either."""
    try:
        stored = get_storage().get_events(channel, after, limit=BATCH + 1)
    except EventDoesNotExist as gone:  # trimmed, or an id from before a database reset
        current = int(gone.current_id)
        return sse_encode_event("stream-reset", {"channels": [channel]}, event_id=make_id({channel: current}),
                                json_encode=True), current, False
    finally:
        connections.close_all()
    text = "".join(sse_encode_event(event.type, event.data, event_id=make_id({channel: event.id}))
                   for event in stored[:BATCH])
    return text, stored[:BATCH][-1].id if stored else after, len(stored) > BATCH
