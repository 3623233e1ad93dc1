"""The video inside a motion photo (Google, Samsung), cut out of the original: pure, a file in and
bytes out, no database and no storage. Where the video lies was found at import
(`library.importing.motion_photos`); the original is only read, never changed."""
from ..errors import EmbeddedVideoError, SourceMissingError

# An embedded video is a few seconds of a phone's camera; anything larger is not one.
LARGEST_EMBEDDED_VIDEO_BYTES = 200 * 1024 * 1024


def extract_embedded_video(source, offset: int, length: int) -> bytes:
    """The MP4 at `offset` (`length` bytes) of `source`; EmbeddedVideoError when it is not there."""
    if offset <= 0 or not 8 <= length <= LARGEST_EMBEDDED_VIDEO_BYTES:
        raise EmbeddedVideoError(f"no embedded video at {offset} ({length} bytes)")
    try:
        with open(source, "rb") as still:
            still.seek(offset)
            data = still.read(length)
    except FileNotFoundError as error:
        raise SourceMissingError(f"the original is missing: {source}") from error
    except OSError as error:
        raise EmbeddedVideoError(f"cannot read the original: {error.strerror or error}") from error
    if len(data) != length or data[4:8] != b"ftyp":
        raise EmbeddedVideoError("the embedded video is not where the photo's metadata said (file changed?)")
    return data
