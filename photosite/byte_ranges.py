"""HTTP Range requests (RFC 9110 §14) for everything the site sends as a file (originals,
thumbnails, video renditions, the videos inside motion photos): a video player seeks by asking
for byte ranges, so without them a browser cannot jump into a long clip. One range per request is all
players ask for; a multi-range request is answered with the whole file, which the RFC allows.
`read_range` streams the bytes of one range, a chunk at a time.

The header is the client's to write, so it is read defensively: a position with more digits
than the file size has is beyond any file (never handed to `int()`, which refuses very long
strings), and anything that is not a byte range is ignored, as §14.2 says."""
import re
from dataclasses import dataclass

from asgiref.sync import sync_to_async

CHUNK_BYTES = 256 * 1024
# ASCII digits only: `\d` would also take other scripts' digits, which `int()` accepts.
RANGE_PATTERN = re.compile(r"bytes=([0-9]*)-([0-9]*)")


class UnsatisfiableRangeError(ValueError):
    """The range lies wholly beyond the end of the file (answered with 416)."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self):
        return self.end - self.start + 1

    def content_range(self, size):
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single byte range a `Range` header asks for, or None to send the whole file."""
    match = RANGE_PATTERN.fullmatch((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:
        suffix = at_most(last, size)
        if suffix == 0:
            raise UnsatisfiableRangeError(header)
        return ByteRange(size - suffix, size - 1)
    start = at_most(first, size)
    end = at_most(last, size - 1) if last else size - 1
    if start >= size:
        raise UnsatisfiableRangeError(header)
    if end < start:
        return None
    return ByteRange(start, end)


def at_most(digits: str, limit: int) -> int:
    """The number `digits` spell, or `limit` when it is larger (however many digits it has)."""
    digits = digits.lstrip("0") or "0"
    if len(digits) > len(str(limit)):
        return limit
    return min(int(digits), limit)


async def read_range(path, byte_range: ByteRange):
    # Opening is quick; each read runs in a thread so a slow disk never stalls the event loop.
    with open(path, "rb") as original:
        original.seek(byte_range.start)
        remaining = byte_range.length
        while remaining > 0:
            chunk = await sync_to_async(original.read, thread_sensitive=False)(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
