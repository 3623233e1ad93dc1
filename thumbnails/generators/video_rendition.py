"""Web renditions of videos: H.264 (8-bit 4:2:0, High profile) with AAC sound in MP4, which every
current browser plays. Pure: a source file in, files out; no database, no storage.

One ffmpeg run (built with ffmpeg-python, with a time limit proportional to the duration) writes
the finished rendition, its index at the front (`faststart`), and — with `growing` — at the same
time a fragmented copy that a web response can follow while it grows, so the first play of a
video starts within a second or two instead of after the whole transcode (thumbnails.video_cache).

- At most PHOTOSITE_VIDEO_RENDITION_LINES on the short side (1080p by default), never upscaled.
- Phone rotation applied (ffmpeg turns the picture upright and drops the display matrix).
- HDR (PQ or HLG, as iPhones record) tone-mapped to SDR BT.709 with zimg and Hable's curve, so
  colours keep their contrast instead of looking washed out; other 10-bit sources are dithered
  down to 8 bits.
- At most 60 frames a second; sound kept (first audio stream) when there is some.
- A keyframe every second: the streamed copy's fragments, and seek points, are a second apart.
- x264 at CRF 23 with the caller's preset (PHOTOSITE_VIDEO_RENDITION_PRESET, `ultrafast` by
  default: see docs/thumbnails-and-renditions.md for the measured trade-off against `veryfast`)."""
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from library.ffmpeg_binaries import ffmpeg_path
from thumbnails.errors import SourceMissingError, VideoRenditionError, VideoRenditionTimeoutError

from .video import describe_failure

RENDITION_VERSION = 1
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium")
DEFAULT_PRESET = "ultrafast"
CRF = 23
AUDIO_BITRATE = "160k"
MAX_FPS = 60
KEYFRAMES = "expr:gte(t,n_forced*1)"
PROBE_TIMEOUT_SECONDS = 30
TIMEOUT_BASE_SECONDS = 120
TIMEOUT_PER_SECOND = 3  # a third of real time on a loaded machine, for long videos
HDR_TRANSFERS = re.compile(r"Stream #\S+.*?: Video: .*?/(smpte2084|arib-std-b67)[,)]")
# The streamed copy: its header at once, then a fragment at each keyframe and every quarter of a
# second between them, flushed to the file as written: a follower gets the first picture after a
# few dozen frames, not after the first second of video has been encoded.
FRAGMENTED = "movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=250000:flush_packets=1"
_SPEC_PATTERN = re.compile(r"^v(?P<lines>\d+)-h264-v(?P<version>\d+)$")


@dataclass(frozen=True)
class VideoRenditionSpec:
    """What a rendition is: its short side at most `lines`, and the generator's version. `str()`
    names it in the storage and on its `Thumbnail` row (`v1080-h264-v1`)."""
    lines: int
    version: int = RENDITION_VERSION
    extension = "mp4"
    content_type = "video/mp4"

    def __str__(self):
        return f"v{self.lines}-h264-v{self.version}"

    @classmethod
    def from_string(cls, text: str) -> "VideoRenditionSpec":
        match = _SPEC_PATTERN.match(text)
        if match is None:
            raise ValueError(f"not a video rendition spec: {text!r}")
        return cls(int(match["lines"]), int(match["version"]))


def timeout_for(duration: float | None) -> float:
    return TIMEOUT_BASE_SECONDS + TIMEOUT_PER_SECOND * (duration or 0)


def make_rendition(source: Path, target: Path, spec: VideoRenditionSpec, duration: float | None = None,
                   growing: Path | None = None, timeout: float | None = None, preset: str = DEFAULT_PRESET):
    """Writes the rendition to `target` (and the fragmented copy to `growing`, when given);
    raises a ThumbnailError subclass when ffmpeg cannot make it."""
    if not source.exists():
        raise SourceMissingError(f"the video's file is missing: {source.name}")
    timeout = timeout_for(duration) if timeout is None else timeout
    command = rendition_command(source, target, spec, is_hdr(source), growing, preset)
    try:
        result = subprocess.run(command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as error:
        raise VideoRenditionTimeoutError(f"ffmpeg took longer than {timeout:g} s on {source.name}") from error
    if result.returncode != 0:
        raise VideoRenditionError(f"ffmpeg could not convert {source.name}: {describe_failure(result.stderr)}")


def is_hdr(source: Path) -> bool:
    """Whether the video stream is tagged PQ or HLG (read from `ffmpeg -i`, as the bundled
    ffmpeg has no ffprobe). Its summary exits 1, as no output is named: that is expected."""
    try:
        result = subprocess.run([ffmpeg_path(), "-hide_banner", "-nostdin", "-i", str(source)],
                                capture_output=True, timeout=PROBE_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        raise VideoRenditionTimeoutError(f"reading {source.name} took longer than {PROBE_TIMEOUT_SECONDS} s") from error
    return HDR_TRANSFERS.search(result.stderr.decode("utf-8", "replace")) is not None


def rendition_command(source: Path, target: Path, spec: VideoRenditionSpec, hdr: bool = False,
                      growing: Path | None = None, preset: str = DEFAULT_PRESET) -> list[str]:
    """The ffmpeg command (the bench runs it bare, as the floor)."""
    stream = ffmpeg.input(str(source))
    video = to_sdr(scaled(stream["v:0"], spec.lines)) if hdr else scaled(stream["v:0"], spec.lines).filter(
        "format", "yuv420p")
    options = {"vcodec": "libx264", "preset": preset, "crf": CRF, "profile:v": "high", "pix_fmt": "yuv420p",
               "fpsmax": MAX_FPS, "force_key_frames": KEYFRAMES, "acodec": "aac", "b:a": AUDIO_BITRATE,
               "ac": 2, "sn": None, "dn": None, "map_metadata": -1}
    if hdr:
        options.update(color_primaries="bt709", color_trc="bt709", colorspace="bt709")
    if growing is None:
        output = ffmpeg.output(video, stream["a:0?"], str(target), format="mp4", movflags="+faststart", **options)
    else:
        outputs = f"[f=mp4:{FRAGMENTED}]{growing}|[f=mp4:movflags=+faststart]{target}"
        # The tee muxer does not ask encoders for global headers itself: without them the
        # fragmented copy's header (written before the first frame) would carry no SPS/PPS.
        output = ffmpeg.output(video, stream["a:0?"], outputs, format="tee", flags="+global_header", **options)
    return [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            *output.compile(cmd="ffmpeg")[1:]]


def scaled(video, lines: int):
    """Short side at most `lines` (portrait and landscape alike), never upscaled, even sizes."""
    even = f"trunc(min({{side}},{lines})/2)*2"
    return video.filter("scale", w=f"if(gte(iw,ih),-2,{even.format(side='iw')})",
                        h=f"if(gte(iw,ih),{even.format(side='ih')},-2)")


def to_sdr(video):
    """PQ/HLG BT.2020 → linear light → Hable tone curve → BT.709 8-bit (zimg does the colour maths)."""
    return (video.filter("zscale", t="linear", npl=100).filter("format", "gbrpf32le")
            .filter("zscale", p="bt709").filter("tonemap", tonemap="hable", desat=0)
            .filter("zscale", t="bt709", m="bt709", r="tv").filter("format", "yuv420p"))
