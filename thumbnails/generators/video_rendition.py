"""Web renditions of videos: H.264 (8-bit 4:2:0, High profile) with AAC sound in MP4, which every
current browser plays. Pure: a source file in, files out; no database, no storage. The source is
a whole file, or a byte range of one (the MP4 inside a motion photo: `VideoSource`).

One ffmpeg run (built with ffmpeg-python) writes the finished rendition, its index at the front
(`faststart`), and — with `growing` — at the same time a fragmented copy that a web response can
follow while it grows, so the first play of a video starts within a second or two instead of
after the whole transcode (thumbnails.video_renditions).

- At most PHOTOSITE_VIDEO_RENDITION_LINES on the short side (1080p by default), never upscaled.
- Phone rotation applied (ffmpeg turns the picture upright and drops the display matrix).
- HDR (PQ or HLG, as iPhones record) tone-mapped to SDR BT.709 with zimg and Hable's curve, so
  colours keep their contrast instead of looking washed out; other 10-bit sources are dithered
  down to 8 bits.
- At most 60 frames a second, never more frames than the source has (variable frame rate: a
  file whose few frames lie hours apart is not padded out to hours of copies); sound kept (first
  audio stream) when there is some.
- A keyframe every second: the streamed copy's fragments, and seek points, are a second apart.
- x264 at CRF 23 with the caller's preset (PHOTOSITE_VIDEO_RENDITION_PRESET, `ultrafast` by
  default: see docs/thumbnails-and-renditions.md for the measured trade-off against `veryfast`).

Hostile files cost what they hold, not what they claim. Before encoding, one pass copies the
source's packets to nowhere (`read_streams`) and counts them: ffmpeg's time limit follows that
count, never the duration the container states. ffmpeg runs with at most `FFMPEG_THREADS`
threads under an address-space limit (`FFMPEG_ADDRESS_SPACE_BYTES`), so a picture of absurd
size fails instead of taking the machine's memory."""
import re
import resource
import subprocess
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from library.media.ffmpeg_binaries import ffmpeg_path
from library.media.ffmpeg_inputs import byte_range_input
from thumbnails.errors import SourceMissingError, VideoRenditionError, VideoRenditionTimeoutError
from thumbnails.specs import VideoRenditionSpec

from .video import describe_failure

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium")
DEFAULT_PRESET = "ultrafast"
CRF = 23
AUDIO_BITRATE = "160k"
MAX_FPS = 60
MIN_FRAME_GAP_SECONDS = round(1 / MAX_FPS - 0.0005, 4)
KEYFRAMES = "expr:gte(t,n_forced*1)"
PROBE_TIMEOUT_SECONDS = 30
PROBE_BYTES_PER_SECOND = 20 * 1024 * 1024  # reading the packets of a large file, from a slow disk
TIMEOUT_BASE_SECONDS = 120
# Per frame: room for the slowest source (a 4K HDR clip on a loaded small machine) encoding well
# below real time; sound costs far less.
TIMEOUT_PER_VIDEO_FRAME = 0.1
TIMEOUT_PER_AUDIO_PACKET = 0.01
# Decoders and x264 allocate per thread: without a cap, a many-core machine would need more
# address space than the limit below allows; this many keep a 4K HDR source well inside it.
FFMPEG_THREADS = 8
FFMPEG_ADDRESS_SPACE_BYTES = 4 * 1024 ** 3
HDR_TRANSFERS = re.compile(r"Stream #\S+.*?: Video: .*?/(smpte2084|arib-std-b67)[,)]")
PACKETS_MUXED = re.compile(r"Output stream #\d+:\d+ \((video|audio)\): (\d+) packets muxed")
# The streamed copy: its header at once, then a fragment at each keyframe and every quarter of a
# second between them, flushed to the file as written: a follower gets the first picture after a
# few dozen frames, not after the first second of video has been encoded.
FRAGMENTED = "movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=250000:flush_packets=1"


@dataclass(frozen=True)
class VideoSource:
    """What ffmpeg reads: a whole file, or the `length` bytes of it at `offset` (a motion photo's
    video, read in place through library.media.ffmpeg_inputs)."""
    path: Path
    offset: int = 0
    length: int | None = None

    @property
    def name(self) -> str:
        return self.path.name

    def ffmpeg_input(self) -> str:
        return str(self.path) if self.length is None else byte_range_input(self.path, self.offset, self.length)

    def size(self) -> int:
        """Bytes ffmpeg will read (FileNotFoundError when the file is gone)."""
        size = self.path.stat().st_size
        return size if self.length is None else self.length


def as_source(source: Path | VideoSource) -> VideoSource:
    return source if isinstance(source, VideoSource) else VideoSource(Path(source))


@dataclass(frozen=True)
class SourceStreams:
    """What the source really holds: counted packets, not the length its container claims."""
    video_frames: int
    audio_packets: int
    hdr: bool

    def time_limit(self) -> float:
        """ffmpeg's time limit for this source, in seconds."""
        return (TIMEOUT_BASE_SECONDS + TIMEOUT_PER_VIDEO_FRAME * self.video_frames
                + TIMEOUT_PER_AUDIO_PACKET * self.audio_packets)


def make_rendition(source: Path | VideoSource, target: Path, spec: VideoRenditionSpec, streams: SourceStreams | None = None,
                   growing: Path | None = None, timeout: float | None = None, preset: str = DEFAULT_PRESET):
    """Writes the rendition to `target` (and the fragmented copy to `growing`, when given);
    raises a RenditionError subclass when ffmpeg cannot make it. `streams` is `read_streams`'
    answer when the caller has it already."""
    source = as_source(source)
    streams = read_streams(source) if streams is None else streams
    timeout = streams.time_limit() if timeout is None else timeout
    command = rendition_command(source, target, spec, streams.hdr, growing, preset)
    result = run_ffmpeg(command, timeout, f"ffmpeg took longer than {timeout:g} s on {source.name}")
    if result.returncode != 0:
        raise VideoRenditionError(f"ffmpeg could not convert {source.name}: {describe_failure(result.stderr)}")


def read_streams(source: Path | VideoSource) -> SourceStreams:
    """Counts the first video stream's frames and the first audio stream's packets by copying
    them to ffmpeg's null muxer (reading, no decoding), and reads from the same run's summary
    whether the video is tagged PQ or HLG. The bundled ffmpeg has no ffprobe."""
    source = as_source(source)
    timeout = read_time_limit(source)
    command = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "verbose", "-i", source.ffmpeg_input(),
               "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "-f", "null", "-"]
    result = run_ffmpeg(command, timeout, f"reading {source.name} took longer than {timeout:g} s")
    if result.returncode != 0:
        raise VideoRenditionError(f"ffmpeg could not read {source.name}: {describe_failure(result.stderr)}")
    log = result.stderr.decode("utf-8", "replace")
    counted = {kind: int(count) for kind, count in PACKETS_MUXED.findall(log)}
    return SourceStreams(video_frames=counted.get("video", 0), audio_packets=counted.get("audio", 0),
                         hdr=HDR_TRANSFERS.search(log) is not None)


def read_time_limit(source: Path | VideoSource) -> float:
    """`read_streams`' time limit: reading every byte of the source, slowly."""
    try:
        return read_time_limit_of(as_source(source).size())
    except FileNotFoundError as error:
        raise SourceMissingError(f"the video's file is missing: {source.name}") from error


def read_time_limit_of(size: int) -> float:
    """`read_streams`' time limit for a source of `size` bytes."""
    return PROBE_TIMEOUT_SECONDS + size / PROBE_BYTES_PER_SECOND


def run_ffmpeg(command: list[str], timeout: float, timeout_message: str) -> subprocess.CompletedProcess:
    """Runs ffmpeg under the address-space limit (set in the child between fork and exec)."""
    limit = (FFMPEG_ADDRESS_SPACE_BYTES, FFMPEG_ADDRESS_SPACE_BYTES)
    try:
        return subprocess.run(command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False,
                              preexec_fn=partial(resource.setrlimit, resource.RLIMIT_AS, limit))
    except subprocess.TimeoutExpired as error:
        raise VideoRenditionTimeoutError(timeout_message) from error


def rendition_command(source: Path | VideoSource, target: Path, spec: VideoRenditionSpec, hdr: bool = False,
                      growing: Path | None = None, preset: str = DEFAULT_PRESET) -> list[str]:
    """The ffmpeg command (the bench runs it bare, as the floor)."""
    import ffmpeg  # ffmpeg-python (and the `future` package it brings) only where a command is built

    stream = ffmpeg.input(as_source(source).ffmpeg_input(), threads=FFMPEG_THREADS)
    source_video = at_most_fps(stream["v:0"])
    video = to_sdr(scaled(source_video, spec.lines)) if hdr else scaled(source_video, spec.lines).filter(
        "format", "yuv420p")
    options = {"vcodec": "libx264", "preset": preset, "crf": CRF, "profile:v": "high", "pix_fmt": "yuv420p",
               "fps_mode": "vfr", "threads": FFMPEG_THREADS, "force_key_frames": KEYFRAMES,
               "acodec": "aac", "b:a": AUDIO_BITRATE, "ac": 2, "sn": None, "dn": None, "map_metadata": -1}
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


def at_most_fps(video):
    """Drops frames closer than 1/MAX_FPS s to the last one kept, never adding any: a variable
    frame rate stays variable. (`-fpsmax` with `-fps_mode vfr` did this, but the bundled ffmpeg 9
    refuses the pair as contradictory.) The gap is a hair under 1/60 s, so that a 60 fps
    source's rounded timestamps keep every frame."""
    return video.filter("select", f"isnan(prev_selected_t)+gte(t-prev_selected_t,{MIN_FRAME_GAP_SECONDS})")


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
