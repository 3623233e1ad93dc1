"""Which ffmpeg and ffprobe to run.

The system's binaries when they are on PATH (distribution builds know more codecs);
otherwise the static ffmpeg that the imageio-ffmpeg wheel ships, so that
`pip install -r requirements.txt` alone gives a working install. That wheel has no
ffprobe, so callers must cope with `ffprobe_path()` returning None."""
import os
import shutil
from functools import cache


@cache
def ffmpeg_path() -> str:
    configured = os.environ.get("PHOTOSITE_FFMPEG")
    if configured:
        return configured
    system = shutil.which("ffmpeg")
    if system:
        return system
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@cache
def ffprobe_path() -> str | None:
    """None when only a bundled ffmpeg is available (or PHOTOSITE_FFPROBE is set to 'none')."""
    configured = os.environ.get("PHOTOSITE_FFPROBE")
    if configured:
        return None if configured.lower() == "none" else configured
    if os.environ.get("PHOTOSITE_FFMPEG"):
        sibling = os.path.join(os.path.dirname(os.environ["PHOTOSITE_FFMPEG"]), "ffprobe")
        return sibling if os.access(sibling, os.X_OK) else None
    return shutil.which("ffprobe")
