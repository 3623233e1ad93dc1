"""Whether a video is played from its original or from a web rendition: the one policy. The import
records `verdict` on the row; `serves_rendition` answers for one photo (thumbnails.links.playable_url,
which the gallery, the viewer and the admin's preview link through, and the rendition views);
`videos_served_renditions` for many at once (the workers, `pregenerate`, the admin's rendition
filter and action, `librarystatus`).

The verdict is made once, at import, from what the probe found: an original every current
browser plays (H.264 8-bit 4:2:0 in MP4/MOV/M4V, VP8/VP9/AV1 in WebM, with AAC, MP3, Opus or
no audio; Vorbis too in WebM) is `original`; anything else — HEVC from iPhones (Firefox and
most Chromium builds show no picture), 10-bit H.264, MPEG-TS from camcorders, MJPEG AVIs —
is `rendition`. `PHOTOSITE_VIDEO_RENDITIONS` then says what is served: `needed` (the
verdict), `always` (a rendition of every video) or `never` (originals only).

The video inside a motion photo is judged the same way, and its verdict kept on the photo's row
in the same fields (a row holds at most one video: its own, or the one inside it): Samsung and
Pixel phones write HEVC there too."""
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.db import models

NEEDED, ALWAYS, NEVER = "needed", "always", "never"
MODES = (NEEDED, ALWAYS, NEVER)

# Containers → the video codecs browsers play in them, and the audio codecs.
BROWSER_VIDEO = {
    "mp4": {"h264"}, "mov": {"h264"}, "m4v": {"h264"},
    "webm": {"vp8", "vp9", "av1"},
}
BROWSER_AUDIO = {
    "mp4": {"aac", "mp3", "opus"}, "mov": {"aac", "mp3", "opus"}, "m4v": {"aac", "mp3", "opus"},
    "webm": {"opus", "vorbis"},
}
# 8-bit 4:2:0 (the `j` forms are full-range JPEG-style, still 4:2:0 8-bit); other H.264 profiles
# (High 10, 4:2:2, 4:4:4) play nowhere but Chrome.
BROWSER_H264_PIXELS = {"yuv420p", "yuvj420p"}


class Playback(models.TextChoices):
    ORIGINAL = "original", "Original plays in browsers"
    RENDITION = "rendition", "Needs a web rendition"


@dataclass(frozen=True)
class VideoCodecs:
    """What the probe found of a video's streams (empty strings for what it could not tell)."""
    video: str = ""
    pixel_format: str = ""
    audio: str = ""

    def summary(self) -> str:
        """A short human line for the admin and the row: 'hevc yuv420p10le + aac'."""
        video = " ".join(part for part in (self.video, self.pixel_format) if part) or "unknown video"
        return f"{video} + {self.audio}" if self.audio else f"{video}, no audio"


def verdict(file_format: str, codecs: VideoCodecs) -> str:
    """`original` when every current browser plays the file as it is, else `rendition`."""
    if codecs.video not in BROWSER_VIDEO.get(file_format, ()):
        return Playback.RENDITION
    if codecs.video == "h264" and codecs.pixel_format not in BROWSER_H264_PIXELS:
        return Playback.RENDITION
    if codecs.audio and codecs.audio not in BROWSER_AUDIO[file_format]:
        return Playback.RENDITION
    return Playback.ORIGINAL


def mode() -> str:
    return settings.PHOTOSITE_VIDEO_RENDITIONS


# A video, or a motion photo (a still with a video inside).
HAS_VIDEO = models.Q(kind="video") | models.Q(embedded_video_offset__isnull=False)


def has_video(photo) -> bool:
    return photo.is_video or photo.has_embedded_video


def serves_rendition(photo) -> bool:
    """Whether this photo's video (its own, or a motion photo's) is played from a web rendition
    (False for other photos). One imported before verdicts were recorded (blank) is served its
    rendition, which always plays; the rendition views (or `pregenerate`) probe it once and record its verdict."""
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
