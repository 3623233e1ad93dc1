"""Video thumbnails: one frame from ffmpeg (built with ffmpeg-python, run with a hard time limit),
finished by the same encoder as photos.

The frame comes from a little way in (a tenth of the duration, at most three seconds) so a
fade-in from black is skipped; the seek is on the input, so ffmpeg decodes from the nearest
keyframe only. ffmpeg turns phone videos upright itself (autorotate, from the display matrix)
and converts 10-bit/HDR pixel formats to 8-bit RGB for the BMP it hands us. Very short and
single-frame videos are taken from the start."""
import io
import subprocess
from pathlib import Path

from PIL import Image

from library.media.ffmpeg_binaries import ffmpeg_path
from thumbnails.errors import SourceMissingError, VideoFrameError, VideoTimeoutError
from thumbnails.specs import ThumbnailSpec

from .encoding import encode, fit

FFMPEG_TIMEOUT_SECONDS = 30
SEEK_FRACTION = 0.1
MAX_SEEK_SECONDS = 3.0
MIN_DURATION_FOR_SEEK = 1.0
NO_VIDEO_HINTS = ("matches no streams", "does not contain any stream", "Output file is empty")


def generate_video_thumbnail(source: Path, spec: ThumbnailSpec, duration: float | None = None,
                             timeout: float = FFMPEG_TIMEOUT_SECONDS) -> bytes:
    """Encoded thumbnail bytes of a frame near the start of the video; raises a RenditionError subclass.

    `duration` (seconds, as the import recorded it) picks the seek point; without it the first
    frame is used."""
    if not source.exists():
        raise SourceMissingError(f"the video's file is missing: {source.name}")
    seek = seek_seconds(duration)
    frame = extract_frame(source, spec, seek, timeout)
    if not frame and seek > 0:
        frame = extract_frame(source, spec, 0.0, timeout)
    if not frame:
        raise VideoFrameError(f"ffmpeg found no video frame in {source.name}")
    with Image.open(io.BytesIO(frame)) as image:
        return encode(fit(image.convert("RGB"), spec), spec)


def seek_seconds(duration: float | None) -> float:
    if not duration or duration < MIN_DURATION_FOR_SEEK:
        return 0.0
    return round(min(duration * SEEK_FRACTION, MAX_SEEK_SECONDS), 3)


def frame_command(source: Path, spec: ThumbnailSpec, seek: float) -> list[str]:
    """The ffmpeg command writing one frame, scaled into the spec's box (never up), as BMP to stdout."""
    import ffmpeg  # ffmpeg-python (and the `future` package it brings) only where a command is built

    width, height = spec.box
    stream = ffmpeg.input(str(source), ss=seek) if seek else ffmpeg.input(str(source))
    scaled = stream["v:0"].filter(
        "scale", w=f"min(iw,{width})", h=f"min(ih,{height})", force_original_aspect_ratio="decrease"
    )
    output = ffmpeg.output(scaled, "pipe:", vframes=1, format="image2pipe", vcodec="bmp", an=None)
    return [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", *output.compile(cmd="ffmpeg")[1:]]


def extract_frame(source: Path, spec: ThumbnailSpec, seek: float, timeout: float) -> bytes:
    """The BMP bytes ffmpeg wrote (empty when the seek went past the last frame)."""
    try:
        result = subprocess.run(frame_command(source, spec, seek), capture_output=True, timeout=timeout,
                                stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as error:
        raise VideoTimeoutError(f"ffmpeg took longer than {timeout:g} s on {source.name}") from error
    if result.returncode != 0:
        raise VideoFrameError(f"ffmpeg failed on {source.name}: {describe_failure(result.stderr)}")
    return result.stdout


def describe_failure(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    if any(hint in text for hint in NO_VIDEO_HINTS):
        return "the file has no video stream (audio only?)"
    lines = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    return "; ".join(lines[-3:]) if lines else "no error message"
