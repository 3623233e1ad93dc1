"""Video facts for the import: creation time, displayed size, rotation, duration and the
streams' codecs (for library.media.video_playback's verdict).

Read with ffprobe when the system has it; the bundled ffmpeg of imageio-ffmpeg has no ffprobe,
so otherwise `ffmpeg -i` is run and its stream summary parsed. Both run with a time limit, and
at most PROBE_OUTPUT_LIMIT of what they print is read: their output repeats the file's own tags,
which the uploader wrote. The summary is parsed with patterns that cannot backtrack
or cross a line (`Stream #\\S+.*?: Video: .*?` backtracked for seconds over a tag that began `Stream #`)."""
import json
import re
import subprocess
import tempfile

from .dates import DateSource, parse_iso_datetime
from .errors import CorruptFileError, UnsupportedFileError
from .ffmpeg_binaries import ffmpeg_path, ffprobe_path
from .ffmpeg_inputs import byte_range_input
from .gps import iso6709_position
from .motion_photos import EmbeddedVideo
from .video_playback import VideoCodecs

PROBE_TIMEOUT_SECONDS = 30
# A phone's video prints a few KB; a hundred tracks with long tags a few hundred.
PROBE_OUTPUT_LIMIT = 2 * 1024 * 1024
CREATION_TAGS = ("com.apple.quicktime.creationdate", "creation_time", "date")
# A Live Photo's motion names its still by this QuickTime key (the still's Apple maker note repeats it).
CONTENT_IDENTIFIER_TAG = "com.apple.quicktime.content.identifier"
IDENTIFIER_LIMIT = 64
# Where it was taken, in ISO 6709: Apple's key, and QuickTime's `©xyz` (ffmpeg calls it "location").
LOCATION_TAGS = ("com.apple.quicktime.location.iso6709", "location", "location-eng")
# What a motion photo's video is judged as: motion_photos believes only an MP4 (its `ftyp` box).
EMBEDDED_VIDEO_FORMAT = "mp4"


def read(path) -> dict:
    info = probe_with_ffprobe(path) if ffprobe_path() else probe_with_ffmpeg(path)
    if info["width"] is None:
        raise UnsupportedFileError("contains no video stream")
    rotation = info.pop("rotation")
    if rotation is not None and round(abs(rotation)) % 180 == 90:
        info["width"], info["height"] = info["height"], info["width"]
    taken_at = info.pop("creation_time")
    tags = {key.lower(): value for key, value in info.pop("tags").items()}
    return {**info, "taken_at": taken_at, "taken_at_source": DateSource.CONTAINER if taken_at else "",
            "content_identifier": content_identifier(tags),
            "position": next(filter(None, (iso6709_position(tags.get(key)) for key in LOCATION_TAGS)), None)}


def content_identifier(lowered_tags) -> str:
    text = str(lowered_tags.get(CONTENT_IDENTIFIER_TAG, ""))
    return "".join(ch for ch in text if ch.isprintable()).strip()[:IDENTIFIER_LIMIT]


def embedded_video_codecs(path, video: EmbeddedVideo) -> VideoCodecs:
    """The codecs of the MP4 inside a motion photo, probed through its byte range only
    (library.media.ffmpeg_inputs), with the same time and output limits as any video's probe."""
    source = byte_range_input(path, video.offset, video.length)
    info = probe_with_ffprobe(source) if ffprobe_path() else probe_with_ffmpeg(source)
    if info["width"] is None:
        raise UnsupportedFileError("contains no video stream")
    return info["codecs"]


def playback_codecs(path, file_format: str, embedded: EmbeddedVideo | None) -> tuple[VideoCodecs, str] | None:
    """The codecs of a video file (or, given `embedded`, of the video inside a motion photo) and
    the format its verdict is judged by; None when it no longer reads."""
    try:
        if embedded is None:
            return read(path)["codecs"], file_format
        return embedded_video_codecs(path, embedded), EMBEDDED_VIDEO_FORMAT
    except (CorruptFileError, UnsupportedFileError, OSError):
        return None


def run_probe(args) -> subprocess.CompletedProcess:
    """The probe's exit status and output, its output spooled to files so that no more than
    PROBE_OUTPUT_LIMIT of either stream is ever held."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        try:
            completed = subprocess.run(args, stdout=stdout, stderr=stderr, timeout=PROBE_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired as error:
            raise CorruptFileError(f"reading the video took longer than {PROBE_TIMEOUT_SECONDS} s") from error
        return subprocess.CompletedProcess(args, completed.returncode, bounded_output(stdout), bounded_output(stderr))


def bounded_output(spool) -> bytes:
    spool.seek(0)
    output = spool.read(PROBE_OUTPUT_LIMIT + 1)
    if len(output) > PROBE_OUTPUT_LIMIT:
        raise CorruptFileError(f"the video's metadata runs past {PROBE_OUTPUT_LIMIT // 1024:,} KB")
    return output


def probe_with_ffprobe(path) -> dict:
    completed = run_probe(
        [ffprobe_path(), "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)]
    )
    if completed.returncode != 0:
        raise CorruptFileError(f"not a readable video: {last_line(completed.stderr, path)}")
    probe = json.loads(completed.stdout or b"{}")
    stream = next(
        (s for s in probe.get("streams", []) if s.get("codec_type") == "video"
         and not s.get("disposition", {}).get("attached_pic")),
        {},
    )
    tags = {**stream.get("tags", {}), **probe.get("format", {}).get("tags", {})}
    audio = next((s for s in probe.get("streams", []) if s.get("codec_type") == "audio"), {})
    return {
        "codecs": VideoCodecs(stream.get("codec_name", ""), stream.get("pix_fmt", ""), audio.get("codec_name", "")),
        "width": stream.get("width"),
        "height": stream.get("height"),
        "rotation": stream_rotation(stream),
        "duration": to_float(probe.get("format", {}).get("duration") or stream.get("duration")),
        "creation_time": first_creation_time(tags),
        "tags": tags,
    }


def stream_rotation(stream):
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            return to_float(side_data["rotation"])
    return to_float(stream.get("tags", {}).get("rotate"))


def first_creation_time(tags):
    lowered = {key.lower(): value for key, value in tags.items()}
    for key in CREATION_TAGS:
        moment = parse_iso_datetime(lowered.get(key))
        if moment is not None:
            return moment
    return None


# Each open-ended part stops at a delimiter it cannot contain, and none crosses a line's end.
STREAM_LINE = re.compile(r"^[ \t]*Stream #[^\n]*?: (Video|Audio): ([^\n]*)", re.MULTILINE)
STREAM_SIZE = re.compile(r", (\d{1,5})x(\d{1,5})(?=[\s,\[]|$)")
DURATION = re.compile(r"Duration: (\d{1,9}):(\d{2}):(\d{2}(?:\.\d{1,9})?)")
# ffmpeg 9 says "Display Matrix: rotation of", older ones "displaymatrix: rotation of".
ROTATION = re.compile(r"(?:display ?matrix: rotation of|rotate[ \t]*:)[ \t]*(-?\d{1,9}(?:\.\d{1,9})?)", re.IGNORECASE)
SUMMARY_TAG_NAMES = "|".join(map(re.escape, (*CREATION_TAGS, CONTENT_IDENTIFIER_TAG, *LOCATION_TAGS)))
SUMMARY_TAG = re.compile(rf"^[ \t]*({SUMMARY_TAG_NAMES})[ \t]*:([^\n]*)", re.MULTILINE | re.IGNORECASE)
WORD = re.compile(r"\w+")


def probe_with_ffmpeg(path) -> dict:
    """Parses `ffmpeg -i`'s summary (it exits 1 because no output is named: that is expected)."""
    completed = run_probe([ffmpeg_path(), "-hide_banner", "-nostdin", "-i", str(path)])
    text = completed.stderr.decode("utf-8", "replace")
    if "Input #0" not in text:
        raise CorruptFileError(f"not a readable video: {last_line(completed.stderr, path)}")
    return summary_facts(text)


def summary_facts(text: str) -> dict:
    """The facts `probe_with_ffprobe` gives, from the text of `ffmpeg -i`'s summary. A tag whose
    value reads like a stream line is on a line that begins with the tag's name, not `Stream #`."""
    streams = STREAM_LINE.findall(text)
    videos = [description for kind, description in streams if kind == "Video"]
    audios = [description for kind, description in streams if kind == "Audio"]
    size = next(filter(None, map(STREAM_SIZE.search, videos)), None)
    duration, rotation = DURATION.search(text), ROTATION.search(text)
    tags = {key: value.strip() for key, value in SUMMARY_TAG.findall(text) if value.strip()}
    video_codec, pixels = codec_and_pixels(videos[0]) if videos else ("", "")
    return {
        "codecs": VideoCodecs(video_codec, pixels, first_word(audios[0]) if audios else ""),
        "width": int(size.group(1)) if size else None,
        "height": int(size.group(2)) if size else None,
        "rotation": float(rotation.group(1)) if rotation else None,
        "duration": int(duration.group(1)) * 3600 + int(duration.group(2)) * 60 + float(duration.group(3))
        if duration else None,
        "creation_time": first_creation_time(tags),
        "tags": tags,
    }


def codec_and_pixels(description: str) -> tuple[str, str]:
    """`h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 320x240 …` → ("h264", "yuv420p")."""
    codec, _, rest = description.partition(", ")
    return first_word(codec), first_word(rest)


def first_word(text: str) -> str:
    word = WORD.match(text)
    return word.group() if word else ""


def to_float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def last_line(stderr: bytes, path) -> str:
    text = stderr.decode("utf-8", "replace").replace(str(path), "the file")
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else "ffmpeg could not read it"
