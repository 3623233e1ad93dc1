"""The video inside a motion photo (Google, Samsung): a byte span of the original, served as it
lies (thumbnails.embedded_video_views streams it from there, so nothing is copied or held in
memory). Pure: a file in, where its video is out; no database and no storage. Where the video
lies was found at import (`library.media.motion_photos`); the original is only read."""
from dataclasses import dataclass

from thumbnails.errors import EmbeddedVideoError, SourceMissingError

# An embedded video is a few seconds of a phone's camera; anything larger is not one.
LARGEST_EMBEDDED_VIDEO_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class EmbeddedVideoSpan:
    offset: int
    length: int


def embedded_video_span(source, offset: int, length: int) -> EmbeddedVideoSpan:
    """Where the MP4 the import found (`length` bytes at `offset`) still is in `source`: the file
    holds all of it and an MP4's `ftyp` box begins it. EmbeddedVideoError when not."""
    if offset <= 0 or not 8 <= length <= LARGEST_EMBEDDED_VIDEO_BYTES:
        raise EmbeddedVideoError(f"no embedded video at {offset} ({length} bytes)")
    try:
        with open(source, "rb") as still:
            size = still.seek(0, 2)
            still.seek(offset)
            head = still.read(8)
    except FileNotFoundError as error:
        raise SourceMissingError(f"the original is missing: {source}") from error
    except OSError as error:
        raise EmbeddedVideoError(f"cannot read the original: {error.strerror or error}") from error
    if offset + length > size or head[4:8] != b"ftyp":
        raise EmbeddedVideoError("the embedded video is not where the photo's metadata said (file changed?)")
    return EmbeddedVideoSpan(offset, length)
