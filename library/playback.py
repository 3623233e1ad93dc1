"""Whether a video is played from its original or from a web rendition: the one policy, asked by
the viewer's links, the rendition view, the workers, `pregenerate`, the admin and `librarystatus`
alike. The import's verdict (library.media.video_playback) says which originals browsers play;
`PHOTOSITE_VIDEO_RENDITIONS` then says what is served: `needed` (the verdict), `always` (a
rendition of every video) or `never` (originals only)."""
from django.conf import settings
from django.core import checks
from django.db import models

from library.media.video_playback import Playback

NEEDED, ALWAYS, NEVER = "needed", "always", "never"
MODES = (NEEDED, ALWAYS, NEVER)


def mode() -> str:
    return settings.PHOTOSITE_VIDEO_RENDITIONS


# A video, or a motion photo (a still with a video inside).
HAS_VIDEO = models.Q(kind="video") | models.Q(embedded_video_offset__isnull=False)


def has_video(photo) -> bool:
    return photo.is_video or photo.has_embedded_video


def serves_rendition(photo) -> bool:
    """Whether this photo's video (its own, or a motion photo's) is played from a web rendition
    (False for other photos). One imported before verdicts were recorded (blank) is served its
    rendition, which always plays; the views then probe it once and record its verdict."""
    if not has_video(photo) or mode() == NEVER:
        return False
    return mode() == ALWAYS or photo.playback != Playback.ORIGINAL


def with_video(photos):
    """`photos` narrowed to videos and motion photos."""
    return photos.filter(HAS_VIDEO)


def videos_served_renditions(photos):
    """`photos` narrowed to those whose video `serves_rendition` says yes to (videos and motion
    photos), as one query (for the workers, `pregenerate`, the admin and `librarystatus`)."""
    if mode() == NEVER:
        return photos.none()
    videos = with_video(photos)
    return videos if mode() == ALWAYS else videos.exclude(playback=Playback.ORIGINAL)


@checks.register()
def check_mode(app_configs, **kwargs) -> list[checks.Error]:
    if mode() in MODES:
        return []
    return [checks.Error(f"PHOTOSITE_VIDEO_RENDITIONS={mode()!r} is not a rendition mode",
                         hint=f"use one of {', '.join(MODES)}", id="library.E010")]
