"""Django system checks of the library app: what `manage.py check` and `serve` warn about."""
from django.core import checks

from library.ffmpeg_health import unreadable_containers
from library.media.ffmpeg_binaries import ffmpeg_path


@checks.register("photosite")
def ffmpeg_reads_every_container(app_configs=None, **kwargs):
    """A warning per container the ffmpeg in use cannot read: better said once at start-up than
    as a failed import of every such video."""

    return [
        checks.Warning(
            f"the ffmpeg in use {problem}",
            hint=f"ffmpeg is {ffmpeg_path()}; set PHOTOSITE_FFMPEG (and PHOTOSITE_FFPROBE) to one that can, "
            "or reinstall requirements.txt for the bundled one",
            id="library.W001",
        )
        for problem in unreadable_containers()
    ]
