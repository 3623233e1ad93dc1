"""Date taken, dimensions and camera of a staged file, without decoding its pixels; for a video,
and for the video inside a motion photo, the codecs and library.media.video_playback's verdict.

The date falls back in a fixed order: what the file says (EXIF / video container), then a
date in the file name, then the source file's modification time, then the moment of import."""
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from . import jxl_metadata, photo_metadata, raw_metadata, video_metadata
from .dates import DateSource, date_from_filename, dating
from .detection import JXL, FileFormat, MediaKind
from .errors import CorruptFileError, UnsupportedFileError
from .motion_photos import EmbeddedVideo
from .places import Location, located
from .video_playback import verdict

logger = logging.getLogger("photosite.import")


@dataclass(frozen=True)
class MediaMetadata:
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    duration: float | None = None
    taken_at: datetime | None = None
    taken_at_source: str = ""
    camera_make: str = ""
    camera_model: str = ""
    video_codecs: str = ""
    playback: str = ""
    content_identifier: str = ""  # a Live Photo's, in the still and in its motion
    embedded_video: EmbeddedVideo | None = None  # a motion photo's
    location: Location | None = None  # where the file says it was taken (GPS)

    @property
    def zone(self) -> ZoneInfo | None:
        return self.location.zone if self.location else None

    def dating(self) -> dict:
        """The Photo fields of its date (`dates.dating`), in the zone at its GPS position if it has one."""
        return dating(self.taken_at, self.zone)

    def place_fields(self) -> dict:
        return self.location.photo_fields() if self.location else {}


def read_metadata(path, file_format: FileFormat, original_name: str, source_mtime=None) -> MediaMetadata:
    if file_format.kind == MediaKind.VIDEO:
        facts = video_metadata.read(path)
        codecs = facts.pop("codecs")
        facts.update(video_codecs=codecs.summary(), playback=verdict(file_format.name, codecs))
    elif file_format.is_raw:
        facts = raw_metadata.read(path)
    elif file_format == JXL:
        facts = jxl_metadata.read(path)
    else:
        facts = photo_metadata.read(path, file_format)
    position = facts.pop("position")
    found = with_embedded_playback(MediaMetadata(**facts, location=located(position) if position else None), path)
    return with_date_fallbacks(found, original_name, source_mtime)


def with_embedded_playback(found: MediaMetadata, path) -> MediaMetadata:
    """A motion photo's video is judged as any video is (HEVC from a Galaxy plays from a web
    rendition). One ffmpeg cannot read is no motion to show: the photo is kept as a still."""
    if found.embedded_video is None:
        return found
    try:
        codecs = video_metadata.embedded_video_codecs(path, found.embedded_video)
    except (CorruptFileError, UnsupportedFileError) as error:
        logger.info("The video inside %s is not kept as its motion: %s", path, error)
        return replace(found, embedded_video=None)
    return replace(found, video_codecs=codecs.summary(),
                   playback=verdict(video_metadata.EMBEDDED_VIDEO_FORMAT, codecs))


def with_date_fallbacks(found: MediaMetadata, original_name, source_mtime) -> MediaMetadata:
    if found.taken_at is not None:
        return found
    from_name = date_from_filename(original_name)
    if from_name is not None:
        return replace(found, taken_at=from_name, taken_at_source=DateSource.FILENAME)
    # A file time is a bare instant (shown in TIME_ZONE), whatever zone the caller read it in.
    taken_at = (source_mtime or timezone.now()).astimezone(UTC)
    return replace(found, taken_at=taken_at, taken_at_source=DateSource.MTIME)
