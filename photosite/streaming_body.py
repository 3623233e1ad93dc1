"""Request bodies that reach the view while they arrive, for the views that ask for it.

Django's ASGI handler reads a whole request body into a spooled temporary file before the view
runs. For uploads of photos and videos that means each file first sits whole in memory (or in a
second temporary file), and hashing and writing it into `.import_temp` only start once its last
byte is in. A view marked `@streams_request_body` reads its body while the client is still
sending it: a task pumps the ASGI messages into a small bounded buffer and the view's thread reads
from that buffer. The network, the hashing and the disk then overlap, and no more than
BUFFER_BYTES of a request are ever held in memory.

If the client goes away mid-body, or sends nothing for PHOTOSITE_BODY_IDLE_SECONDS, the reader sees
the body end early and keeps what came (the resumable upload route goes on from there next time;
the web import fails the file that was cut). Only PHOTOSITE_UPLOADS_IN_FLIGHT such bodies are
received at once (each holds the view's thread and its writer's); past them the answer is 429.

A view whose work per chunk is small (parsing, hashing, writing) can instead have the body pushed
to it in the event loop's thread (`push_request_body`): then no chunk crosses between threads.
Each crossing is a wake-up and a fight for the GIL with the other requests' threads; for a web
import that was most of the server's CPU time (docs/benchmarks.md)."""
import asyncio
import threading
from collections import deque
from contextvars import ContextVar

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.urls import Resolver404, resolve

from photosite.asgi_refusal import refuse

# Enough to keep the disk busy while the next bytes arrive; the ASGI server's own flow control
# holds the client back beyond it.
BUFFER_BYTES = 4 * 1024 * 1024
# What a client refused for too many uploads at once is told to wait: an upload slot frees as
# soon as any request's body is in, which is seconds for the page's requests.
RETRY_AFTER_SECONDS = 2
# What a view that reads a body pushed to it without a StreamingBody (Django's test client) takes at once.
PUSH_READ_BYTES = 1024 * 1024

_streaming_body = ContextVar("streaming_body", default=None)


def streams_request_body(view):
    """Mark a (sync) view whose request body should stream in rather than be read up front."""
    view.streams_request_body = True
    return view


def push_request_body(request, sink) -> bool:
    """Hands the rest of the request's body to `sink(chunk)` and returns once it has ended: True
    when it came whole, False when the client left or stalled first. Whatever `sink` raises stops
    the body there and is raised here.

    In a view marked `@streams_request_body` served over ASGI, `sink` runs in the event loop's
    thread as each message arrives (so it must not wait on anything: it may return a
    concurrent.futures.Future to be waited for before the next chunk); elsewhere (Django's test
    client) in the view's thread, from the request's stream."""
    body = _streaming_body.get()
    if body is not None:
        return body.push_to(sink)
    while chunk := request.read(PUSH_READ_BYTES):
        if (behind := sink(chunk)) is not None:
            behind.result()
    return True


class StreamingBody:
    """A request body read by a sync view's thread while an event-loop task receives it."""

    def __init__(self, receive, limit=BUFFER_BYTES, idle_seconds=None):
        self._receive = receive
        self._limit = limit
        self._idle_seconds = idle_seconds or settings.PHOTOSITE_BODY_IDLE_SECONDS
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._chunks = deque()
        self._buffered = 0
        self._wanted = 1  # bytes the reader waits for: it is woken only once they are in
        self._done = False  # the last body message came, the client left, or the request ended
        self._whole = False  # the last body message came
        self._disconnected = False
        self._sink = None  # set by push_to: the pump hands each chunk to it instead of buffering
        self._pushing = False  # push_to is still pushing what was buffered before it
        self._sink_error = None
        self._ended = asyncio.Event()
        self._lock = threading.Condition()
        self._room = asyncio.Event()
        self._read_to_end = asyncio.Event()
        self._pump_task = asyncio.create_task(self._pump())

    async def _pump(self):
        """Receives the body until its end, the client leaving, or a wait for the client's next
        bytes longer than the idle limit (a wait for the reader or the sink is not counted: that
        is the server being slow, not the client)."""
        try:
            while True:
                try:
                    async with asyncio.timeout(self._idle_seconds):
                        message = await self._receive()
                except TimeoutError:
                    return  # the client stalled: the body ends here
                if message["type"] == "http.disconnect":
                    self._disconnected = True
                    return
                if self._sink is not None and not self._pushing:
                    await self._push(message.get("body", b""))
                    if self._sink_error is not None or not message.get("more_body", False):
                        self._whole = self._sink_error is None
                        return
                    continue
                with self._lock:
                    if chunk := message.get("body", b""):
                        self._chunks.append(chunk)
                        self._buffered += len(chunk)
                        if self._buffered >= self._wanted:
                            self._lock.notify()
                    if not message.get("more_body", False):
                        self._whole = True
                        return
                    full = self._buffered >= self._limit
                    if full:
                        self._room.clear()
                if full:
                    await self._room.wait()
        finally:
            self._finish()

    def push_to(self, sink) -> bool:
        """`push_request_body` for this body; called from the view's thread."""
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError("a streamed request body is pushed from a sync view's thread, not the event loop")
        return asyncio.run_coroutine_threadsafe(self._push_all(sink), self._loop).result()

    async def _push_all(self, sink):
        """In the loop's thread: what is buffered first, then the pump pushes each message itself.
        Nothing awaits between the two, so no chunk can overtake another."""
        self._sink = sink
        while True:
            with self._lock:
                buffered = list(self._chunks)
                self._chunks.clear()
                self._buffered = 0
                self._pushing = bool(buffered)  # until the buffer is drained, the pump buffers on
            self._room.set()  # a pump waiting for room goes on
            if not buffered:
                break
            for chunk in buffered:
                await self._push(chunk)
            if self._sink_error is not None:
                self._stop_pump()
                break
        await self._ended.wait()
        self._read_to_end.set()
        if self._sink_error is not None:
            raise self._sink_error
        return self._whole

    async def _push(self, chunk):
        """One chunk to the sink. A sink that hands work to a thread may return a future to wait
        for before the next chunk: meanwhile nothing more is received (the client is held back by
        TCP). Once the sink fails, its error is kept for push_to and nothing more is pushed."""
        if not chunk or self._sink_error is not None:
            return
        try:
            behind = self._sink(chunk)
            if behind is not None:
                await asyncio.wrap_future(behind)
        except Exception as error:  # noqa: BLE001 - any of them is raised again in the view's thread, by push_to
            self._sink_error = error

    def _stop_pump(self):
        self._pump_task.cancel()
        self._finish()

    def read(self, size=-1):
        """The next bytes of the body, at most `size` (all the rest if negative); b"" at its end.

        A read hands over what one ASGI message brought rather than joining messages up to `size`:
        copying them together cost more than the parser's extra rounds per megabyte. With nothing
        buffered it waits for `size` bytes (or the end), so the view's thread wakes once per read,
        not once per message."""
        if size < 0:
            return b"".join(iter(lambda: self.read(self._limit), b""))
        with self._lock:
            if not self._chunks:
                self._wait_for_bytes(min(size, self._limit))
            return self._take_first(size)

    def readline(self, size=-1):
        """Django iterates a request by lines to drain what its parser left unread."""
        parts = []
        with self._lock:
            while size != 0 and self._wait_for_bytes():
                end = self._chunks[0].find(b"\n") + 1 or len(self._chunks[0])
                parts.append(self._take_first(end if size < 0 else min(end, size)))
                size -= len(parts[-1])
                if parts[-1].endswith(b"\n"):
                    break
        return b"".join(parts)

    def _wait_for_bytes(self, wanted=1):
        """Wait (holding the lock) until `wanted` bytes are buffered or the body is over; True if any are."""
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError("a streamed request body is read from a sync view's thread, not the event loop")
        self._wanted = max(wanted, 1)
        self._lock.wait_for(lambda: self._buffered >= self._wanted or self._done)  # the pump ends a stalled body
        if not self._chunks and not self._read_to_end.is_set():
            self._loop.call_soon_threadsafe(self._read_to_end.set)  # the view has read it all
        return bool(self._chunks)

    def _take_first(self, size):
        """Up to `size` bytes of the first buffered chunk; lets the pump go on once there is room."""
        if not self._chunks:
            return b""
        chunk = self._chunks.popleft()
        if len(chunk) > size:
            self._chunks.appendleft(chunk[size:])
            chunk = chunk[:size]
        self._buffered -= len(chunk)
        if self._buffered < self._limit and not self._room.is_set():  # the pump clears it under the lock
            self._loop.call_soon_threadsafe(self._room.set)
        return chunk

    async def receive_after_body(self):
        """Django's handler listens for a disconnect while the view runs, and cancels the view when
        it hears one. That listener must not take body messages, and a client that leaves must
        not cancel a view that has yet to read the files that did arrive: it hears from the
        connection only once the view has read the body to its end."""
        await self._read_to_end.wait()
        if self._disconnected:
            return {"type": "http.disconnect"}
        return await self._receive()

    def close(self):
        """End of the request: stop receiving, and wake a reader still waiting."""
        self._pump_task.cancel()
        self._finish()
        self._read_to_end.set()

    def _finish(self):
        with self._lock:
            self._done = True
            self._lock.notify_all()
        if threading.get_ident() == self._loop_thread:
            self._ended.set()
        else:
            self._loop.call_soon_threadsafe(self._ended.set)


class BodyRefusedError(Exception):
    """A request body Django would read whole, refused while it comes (too long, or stalled)."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


class StreamingBodyASGIHandler(ASGIHandler):
    """Django's ASGI handler, with bodies streamed to the views marked `@streams_request_body`,
    at most PHOTOSITE_UPLOADS_IN_FLIGHT of them at once; every other body is refused past
    DATA_UPLOAD_MAX_MEMORY_SIZE, and no body is waited for longer than PHOTOSITE_BODY_IDLE_SECONDS
    of silence."""

    def __init__(self):
        super().__init__()
        self.uploads_in_flight = 0  # only the event loop's thread counts them

    async def handle(self, scope, receive, send):
        if not self._streams_body(scope):
            try:
                return await super().handle(scope, receive, send)
            except BodyRefusedError as error:
                return await refuse(send, error.status, str(error), [(b"connection", b"close")])
        if not declares_body(scope):
            return await self._handle_streamed(scope, receive, send)
        if self.uploads_in_flight >= settings.PHOTOSITE_UPLOADS_IN_FLIGHT:
            return await refuse(send, 429, "too many uploads in progress on the server; try again shortly",
                                [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())])
        self.uploads_in_flight += 1
        try:
            await self._handle_streamed(scope, receive, send)
        finally:
            self.uploads_in_flight -= 1

    async def _handle_streamed(self, scope, receive, send):
        body = StreamingBody(receive)
        token = _streaming_body.set(body)
        try:
            await super().handle(scope, body.receive_after_body, send)
        finally:
            _streaming_body.reset(token)
            body.close()

    async def read_body(self, receive):
        return _streaming_body.get() or await super().read_body(bounded(receive))

    @staticmethod
    def _streams_body(scope):
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return False
        try:
            match = resolve(scope["path"].removeprefix(scope.get("root_path", "")))
        except Resolver404:
            return False
        return getattr(match.func, "streams_request_body", False)


def declares_body(scope) -> bool:
    """Whether the request says a body follows (a length above 0, or chunks)."""
    headers = dict(scope["headers"])
    return headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers


def bounded(receive):
    """`receive` for Django's own reading of a whole body (every route but the uploads), which
    spools it to a temporary file before any size check: a body past DATA_UPLOAD_MAX_MEMORY_SIZE
    (the site takes no files but through the upload routes), or a wait past the idle limit, is
    refused as it comes."""
    received = 0

    async def receive_bounded():
        nonlocal received
        try:
            async with asyncio.timeout(settings.PHOTOSITE_BODY_IDLE_SECONDS):
                message = await receive()
        except TimeoutError as error:
            raise BodyRefusedError(408, "the request body stalled") from error
        received += len(message.get("body", b""))
        if settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None and received > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise BodyRefusedError(413, f"request body over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes")
        return message
    return receive_bounded
