"""ASGI middleware in front of Django (photosite/asgi.py): serves the import event streams that
Django's view handed off (library.events.sse_stream explains why).

Django answers `GET /api/imports/<id>/events` itself, with every middleware, the login check,
the session permission check and the request's checks (library/views/imports.py). Only when it
allows the stream does it answer 204 with HANDOFF_HEADER; this middleware swallows that
answer, lets Django's request end (and with it the thread Django's ASGI handler holds for each
request), and then streams on the same connection: the stored events, then live ones, until the
client goes away or its login session ends (library.events.stream_watch re-checks it every
two seconds). Every other answer of Django, refusals included, passes through unchanged."""
import asyncio
import re
from contextlib import aclosing

from django.conf import settings
from django.http.cookie import parse_cookie

from library.events import sse_stream
from photosite.asgi_refusal import refuse

from .stream_watch import TooManyStreamsError, open_streams

EVENTS_PATH = re.compile(r"/api/imports/[0-9]+/events")
HANDOFF = sse_stream.HANDOFF_HEADER.lower().encode()
# Django's headers for the 204 are kept (security middleware, Vary); these describe the body.
REPLACED = {HANDOFF, b"content-type", b"content-length"}
STREAM_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
                  (b"x-accel-buffering", b"no")]


class EventStreamRoute:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not EVENTS_PATH.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        handed_off = []

        async def unless_handed_off(message):
            if message["type"] == "http.response.start" and any(name.lower() == HANDOFF
                                                                for name, _ in message["headers"]):
                handed_off.append(message)
            elif not handed_off:
                await send(message)

        await self.app(scope, receive, unless_handed_off)
        if handed_off:
            await self.stream(scope, receive, send, handed_off[0]["headers"])

    async def stream(self, scope, receive, send, headers):
        headers = [(name.lower(), value) for name, value in headers]  # Django keeps the names' case
        channel, after, user_pk = sse_stream.parse_handoff(dict(headers)[HANDOFF].decode())
        try:
            stream = open_streams.open(session_key(scope), user_pk)
        except TooManyStreamsError as error:
            await refuse(send, 429, str(error))
            return
        gone = asyncio.ensure_future(disconnected(receive, stream.ended))
        try:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [h for h in headers if h[0] not in REPLACED] + STREAM_HEADERS})
            async with aclosing(sse_stream.events(channel, after, stream.ended)) as chunks:
                async for chunk in chunks:
                    await send({"type": "http.response.body", "body": chunk.encode(), "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            gone.cancel()
            open_streams.close(stream)


def session_key(scope):
    cookies = parse_cookie(dict(scope["headers"]).get(b"cookie", b"").decode("latin-1"))
    return cookies.get(settings.SESSION_COOKIE_NAME, "")


async def disconnected(receive, ended):
    while (await receive())["type"] != "http.disconnect":
        pass
    ended.set()

