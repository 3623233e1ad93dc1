"""Whether a video plays in every current browser as it is, or needs a web rendition: the verdict
made once, at import, from what the probe found, and kept on the photo's row.

An original every current browser plays (H.264 8-bit 4:2:0 in MP4/MOV/M4V, VP8/VP9/AV1 in WebM,
with AAC, MP3, Opus or no audio; Vorbis too in WebM) is `original`; anything else — HEVC from
iPhones (Firefox and most Chromium builds show no picture), 10-bit H.264, MPEG-TS from camcorders,
MJPEG AVIs — is `rendition`. What is then served is library.playback's policy.

The video inside a motion photo is judged the same way, and its verdict kept on the photo's row
in the same fields (a row holds at most one video: its own, or the one inside it): Samsung and
Pixel phones write HEVC there too."""
from dataclasses import dataclass

from django.db.models import TextChoices

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


class Playback(TextChoices):
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
