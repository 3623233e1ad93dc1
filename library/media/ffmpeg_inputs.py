"""How ffmpeg and ffprobe are told to read part of a file: the MP4 inside a motion photo.

ffmpeg's `subfile` protocol makes a byte range a file of its own: seekable, its start at offset
0 (an MP4's chunk offsets count from its own start, not the JPEG's), and nothing outside the
range is ever read, so a probe or an encode costs the video's bytes, not the whole file's, and
nothing is copied. (`-skip_initial_bytes` would not do: ffmpeg still guesses the container from
the file's head, which is the JPEG.) Debian's ffmpeg 5.1 and the bundled 7.0 and 9.0 read it."""
import os


def byte_range_input(path, offset: int, length: int) -> str:
    """The input name for `length` bytes of `path` at `offset` (absolute, so that no part of the
    path can be taken for a protocol's name)."""
    return f"subfile,,start,{offset},end,{offset + length},,:{os.path.abspath(path)}"
