"""What can go wrong when making a thumbnail. Narrow classes, so callers catch exactly what they
expect (the view turns any ThumbnailError into a placeholder). Whatever a generator raises
becomes one of them in `cache.generate`; a bug elsewhere (the database, the storage) still
surfaces as a 500."""


class ThumbnailError(Exception):
    """A thumbnail could not be made; the message is fit for errors.log and the admin."""


class SourceMissingError(ThumbnailError, FileNotFoundError):
    """The photo's file is no longer where the library says it is."""


class UnreadableImageError(ThumbnailError):
    """Pillow could not decode the file (truncated, corrupt, or not an image at all)."""


class DecoderFailureError(UnreadableImageError):
    """A decoder raised something its generator did not expect (any class, on hostile bytes)."""


class ImageTooLargeError(UnreadableImageError):
    """More pixels than PHOTOSITE_MAX_IMAGE_PIXELS: a decompression bomb, not a photo."""


class VideoFrameError(ThumbnailError):
    """ffmpeg could not give us a frame (no video stream, unreadable, or it failed)."""


class VideoTimeoutError(VideoFrameError):
    """ffmpeg ran past its time limit and was killed."""


class ThumbnailStoreError(ThumbnailError):
    """The thumbnail was made but the storage would not keep it."""


class ThumbnailBackoffError(ThumbnailError):
    """A recent attempt failed; we wait before trying the same source again."""


class ThumbnailBusyError(ThumbnailError):
    """Another process is making this thumbnail and did not finish in time."""


class EmbeddedVideoError(ThumbnailError):
    """The video inside a motion photo is not where its metadata said."""


class VideoRenditionError(ThumbnailError):
    """ffmpeg could not turn the video into a web rendition (unreadable, no video, or it failed)."""


class VideoRenditionTimeoutError(VideoRenditionError):
    """ffmpeg ran past the rendition's time limit and was killed."""
