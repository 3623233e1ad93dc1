"""HTTP Range requests (RFC 9110 §14) for originals: a video player seeks by asking for byte
ranges, so without them a browser cannot jump into a long clip. One range per request is all
players ask for; a multi-range request is answered with the whole file, which the RFC allows."""
import re
from dataclasses import dataclass

RANGE_PATTERN = re.compile(r"bytes=(\d*)-(\d*)")


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
        suffix = min(int(last), size)
        if suffix == 0:
            raise UnsatisfiableRangeError(header)
        return ByteRange(size - suffix, size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        raise UnsatisfiableRangeError(header)
    if end < start:
        return None
    return ByteRange(start, end)
