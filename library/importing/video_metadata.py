"""Video facts for the import: creation time, displayed size, rotation, duration and the
streams' codecs (for library.video_playback's verdict).

Read with ffprobe when the system has it; the bundled ffmpeg of imageio-ffmpeg has no ffprobe,
so otherwise `ffmpeg -i` is run and its stream summary parsed. Both run with a time limit."""
import json
import re
import subprocess

from library.ffmpeg_binaries import ffmpeg_path, ffprobe_path
from library.models import DateSource, Photo
from library.paths import absolute_path
from library.video_playback import VideoCodecs, verdict

from .dates import parse_iso_datetime
from .errors import CorruptFileError, UnsupportedFileError
from .gps import iso6709_position

PROBE_TIMEOUT_SECONDS = 30
CREATION_TAGS = ("com.apple.quicktime.creationdate", "creation_time", "date")
# A Live Photo's motion names its still by this QuickTime key (the still's Apple maker note repeats it).
CONTENT_IDENTIFIER_TAG = "com.apple.quicktime.content.identifier"
IDENTIFIER_LIMIT = 64
# Where it was taken, in ISO 6709: Apple's key, and QuickTime's `©xyz` (ffmpeg calls it "location").
LOCATION_TAGS = ("com.apple.quicktime.location.iso6709", "location", "location-eng")


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


def record_playback(photo: Photo):
    """For a video imported before verdicts were recorded: probes it now and records its codecs
    and verdict on its row (and on `photo`). A file that no longer reads keeps a blank verdict."""
    try:
        codecs = read(absolute_path(photo.path))["codecs"]
    except (CorruptFileError, UnsupportedFileError, OSError):
        return
    photo.video_codecs, photo.playback = codecs.summary(), verdict(photo.format, codecs)
    Photo.objects.filter(pk=photo.pk).update(video_codecs=photo.video_codecs, playback=photo.playback)


def run_probe(args):
    try:
        completed = subprocess.run(args, capture_output=True, timeout=PROBE_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        raise CorruptFileError(f"reading the video took longer than {PROBE_TIMEOUT_SECONDS} s") from error
    return completed


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


STREAM_SIZE = re.compile(r"Stream #\S+.*?: Video: .*?, (\d{1,5})x(\d{1,5})[\s,\[]")
DURATION = re.compile(r"Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
ROTATION = re.compile(r"(?:display ?matrix: rotation of|rotate\s*:)\s*(-?\d+(?:\.\d+)?)", re.IGNORECASE)
VIDEO_CODEC = re.compile(r"Stream #\S+.*?: Video: (\w+)[^,]*, (\w+)")
AUDIO_CODEC = re.compile(r"Stream #\S+.*?: Audio: (\w+)")
METADATA_LINE = re.compile(r"^\s*([\w.]+)\s*:\s*(.+?)\s*$", re.MULTILINE)


def probe_with_ffmpeg(path) -> dict:
    """Parses `ffmpeg -i`'s summary (it exits 1 because no output is named: that is expected)."""
    completed = run_probe([ffmpeg_path(), "-hide_banner", "-nostdin", "-i", str(path)])
    text = completed.stderr.decode("utf-8", "replace")
    if "Input #0" not in text:
        raise CorruptFileError(f"not a readable video: {last_line(completed.stderr, path)}")
    size = STREAM_SIZE.search(text)
    duration = DURATION.search(text)
    rotation = ROTATION.search(text)
    wanted = (*CREATION_TAGS, CONTENT_IDENTIFIER_TAG, *LOCATION_TAGS)
    tags = {key: value for key, value in METADATA_LINE.findall(text) if key.lower() in wanted}
    video, audio = VIDEO_CODEC.search(text), AUDIO_CODEC.search(text)
    return {
        "codecs": VideoCodecs(*(video.groups() if video else ("", "")), audio.group(1) if audio else ""),
        "width": int(size.group(1)) if size else None,
        "height": int(size.group(2)) if size else None,
        "rotation": float(rotation.group(1)) if rotation else None,
        "duration": int(duration.group(1)) * 3600 + int(duration.group(2)) * 60 + float(duration.group(3))
        if duration else None,
        "creation_time": first_creation_time(tags),
        "tags": tags,
    }


def to_float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def last_line(stderr: bytes, path) -> str:
    text = stderr.decode("utf-8", "replace").replace(str(path), "the file")
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else "ffmpeg could not read it"
