"""The one ranged response (RFC 9110 §14): originals, videos' web renditions and the video inside
a motion photo are all answered by `ranged_response`, so a player can seek in any of them.

What is served is a `Window`: `size` bytes of a file from `offset` on, the whole file for an
original or a stored rendition, a byte span of the original for a motion photo's video (nothing
is copied out). The body streams a chunk at a time, each read in a thread (`run`), so a slow
disk or storage never stalls the event loop and memory per connection stays a chunk or two
however large the file and however slowly it is read (uvicorn stops asking while a client does
not read). Under ASGI, Django would read a synchronous iterator into memory whole; this one is
asynchronous."""
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from asgiref.sync import sync_to_async
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import http_date

from photosite.byte_ranges import ByteRange, UnsatisfiableRangeError, parse_range

CHUNK_BYTES = 256 * 1024

Runner = Callable[..., Awaitable]


async def in_thread(call, *args):
    """`call(*args)` in a thread of the loop's shared pool (the default runner)."""
    return await sync_to_async(call, thread_sensitive=False)(*args)


@dataclass(frozen=True)
class Window:
    """`size` bytes from `offset` on, of the file `open()` opens for reading (in a thread)."""
    open: Callable[[], BinaryIO]
    size: int
    offset: int = 0


def ranged_response(request, window: Window, etag: str, content_type: str, last_modified: datetime | None = None,
                    run: Runner = in_thread) -> HttpResponse:
    """200 with the whole window, 206 with the one range asked for (unless If-Range names another
    version: then the whole window), or 416 for a range beyond its end. The caller adds its
    Cache-Control (and any Content-Disposition)."""
    try:
        byte_range = parse_range(request.headers.get("Range"), window.size)
    except UnsatisfiableRangeError:
        return HttpResponse(status=416, headers={"Content-Range": f"bytes */{window.size}"})
    partial = byte_range is not None and if_range_holds(request, etag, last_modified)
    if not partial:
        byte_range = ByteRange(0, window.size - 1)
    response = StreamingHttpResponse(read_window(window, byte_range, run), status=206 if partial else 200,
                                     content_type=content_type)
    response["Content-Length"] = str(byte_range.length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    if partial:
        response["Content-Range"] = byte_range.content_range(window.size)
    return response


def if_range_holds(request, etag: str, last_modified: datetime | None) -> bool:
    """Whether a range may be served: no If-Range, or one naming this version (its strong ETag or
    its exact Last-Modified). Otherwise the player's earlier bytes came from another version of
    the file, and it gets the whole of this one."""
    condition = request.headers.get("If-Range")
    if condition is None or condition == etag:
        return True
    return last_modified is not None and condition == http_date(last_modified.timestamp())


async def read_window(window: Window, byte_range: ByteRange, run: Runner = in_thread) -> AsyncIterator[bytes]:
    """The bytes of `byte_range` (counted from the window's start), a chunk at a time."""
    opened = await run(window.open)
    try:
        await run(opened.seek, window.offset + byte_range.start)
        remaining = byte_range.length
        while remaining > 0:
            chunk = await run(opened.read, min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
    finally:
        opened.close()
