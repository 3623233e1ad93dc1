"""Can the ffmpeg in use read every container the import accepts?

A static ffmpeg build can crash on one container and read the rest (imageio-ffmpeg 0.6.0's
ffmpeg 7.0.2 died with SIGSEGV on any MPEG-TS on some CPUs), and then every camcorder video
fails at import with a message that blames the file. So the site writes a tiny sample of each
container with the ffmpeg in use, reads it back (with ffprobe too, when there is one) and
warns at start-up (`manage.py check`, `serve`) about each container it cannot read.

The verdict is kept per binary (path, size, time) in the user's cache folder: every management
command runs Django's checks, and the samples cost a second or two the first time only."""
import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from library.media.ffmpeg_binaries import ffmpeg_path, ffprobe_path

SAMPLE_SECONDS_LIMIT = 60
SOURCE = ["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5", "-f", "lavfi", "-i", "sine=sample_rate=48000"]


@dataclass(frozen=True)
class ContainerSample:
    """A container the import accepts, as cameras and phones write it."""

    label: str
    extension: str
    encode_args: tuple[str, ...]


SAMPLES = (
    ContainerSample("AVCHD (.MTS/.M2TS, H.264 + AC-3)", "mts",
                    ("-c:v", "libx264", "-c:a", "ac3", "-f", "mpegts", "-mpegts_m2ts_mode", "1")),
    ContainerSample("MPEG-TS (.ts)", "ts", ("-c:v", "libx264", "-c:a", "aac", "-f", "mpegts")),
    ContainerSample("MP4 (H.264 + AAC)", "mp4", ("-c:v", "libx264", "-c:a", "aac")),
    ContainerSample("MOV (HEVC 8-bit)", "mov", ("-c:v", "libx265", "-tag:v", "hvc1", "-c:a", "aac")),
    ContainerSample("MOV (HEVC 10-bit)", "mov",
                    ("-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1", "-c:a", "aac")),
    ContainerSample("Matroska (.mkv)", "mkv", ("-c:v", "libx264", "-c:a", "aac")),
    ContainerSample("AVI (Motion JPEG)", "avi", ("-c:v", "mjpeg", "-pix_fmt", "yuvj420p", "-c:a", "pcm_s16le")),
    ContainerSample("3GP (H.264 + AAC)", "3gp", ("-c:v", "libx264", "-c:a", "aac", "-ac", "1")),
)


def unreadable_containers() -> list[str]:
    """One line per container the ffmpeg in use crashes on or cannot read back; empty when all is well."""
    binaries = [ffmpeg_path(), ffprobe_path()]
    key = _binaries_key(binaries)
    cached = _read_cache(key)
    if cached is not None:
        return cached
    problems = _try_samples(*binaries)
    _write_cache(key, problems)
    return problems


def _try_samples(ffmpeg: str, ffprobe: str | None) -> list[str]:
    version = _run([ffmpeg, "-version"])
    if version.returncode != 0:
        return [f"does not run ({ffmpeg} {_describe(version)}): no video can be imported"]
    problems = []
    with tempfile.TemporaryDirectory(prefix="photosite-ffmpeg-check-") as folder:
        for number, sample in enumerate(SAMPLES):
            path = Path(folder) / f"sample{number}.{sample.extension}"
            written = _run([ffmpeg, "-nostdin", "-v", "error", "-y", *SOURCE, "-frames:v", "3", "-t", "0.6",
                            *sample.encode_args, str(path)])
            if written.returncode < 0:
                problems.append(f"cannot read {sample.label}: ffmpeg {_describe(written)} writing a sample")
                continue
            if written.returncode != 0:
                continue  # this build has no such encoder: nothing to learn about reading
            problems.extend(f"cannot read {sample.label}: {problem}" for problem in _read_back(ffmpeg, ffprobe, path))
    return problems


def _read_back(ffmpeg: str, ffprobe: str | None, path: Path) -> list[str]:
    readers = [("ffmpeg", [ffmpeg, "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"])]
    if ffprobe:
        readers.append(("ffprobe", [ffprobe, "-v", "error", "-show_streams", str(path)]))
    return [f"{name} {_describe(result)} reading it" for name, argv in readers
            if (result := _run(argv)).returncode != 0]


def _run(argv) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, timeout=SAMPLE_SECONDS_LIMIT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return subprocess.CompletedProcess(argv, 127, b"", str(error).encode())


def _describe(result: subprocess.CompletedProcess) -> str:
    if result.returncode < 0:
        return f"crashed (signal {-result.returncode})"
    message = result.stderr.decode(errors="replace").strip().splitlines()
    return f"failed ({message[-1] if message else f'exit {result.returncode}'})"


def _binaries_key(binaries) -> str:
    parts = []
    for binary in binaries:
        try:
            status = os.stat(binary) if binary else None
        except OSError:
            status = None
        parts.append(f"{binary}:{status.st_size}:{status.st_mtime_ns}" if status else f"{binary}:absent")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _cache_file(key: str) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "photosite" / f"ffmpeg-check-{key[:32]}.json"


def _read_cache(key: str) -> list[str] | None:
    try:
        return json.loads(_cache_file(key).read_text())
    except (OSError, ValueError):
        return None


def _write_cache(key: str, problems: list[str]) -> None:
    """Best effort: a cache folder we may not write only means the samples run again next time."""
    path = _cache_file(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(problems))
        temporary.replace(path)
    except OSError:
        pass
