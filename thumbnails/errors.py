"""What can go wrong when making a rendition (a thumbnail, a video's web rendition). Narrow
classes, so callers catch exactly what they expect (the thumbnail view turns any RenditionError
into a placeholder, the video views into a 422). Whatever a thumbnail generator raises becomes
one of them in `thumbnail_renditions.generate`; a bug elsewhere (the database, the storage)
still surfaces as a 500."""


class RenditionError(Exception):
    """A rendition could not be made; the message is fit for errors.log and the admin."""


class SourceMissingError(RenditionError, FileNotFoundError):
    """The photo's file is no longer where the library says it is."""


class RenditionStoreError(RenditionError):
    """The rendition was made but the storage would not keep it."""


class RenditionBackoffError(RenditionError):
    """A recent attempt failed; we wait before trying the same source again."""


class RenditionBusyError(RenditionError):
    """Another process is making this rendition and did not finish in time."""


class ThumbnailError(RenditionError):
    """A still thumbnail could not be made from the photo's (or the video's) bytes."""


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


class EmbeddedVideoError(RenditionError):
    """The video inside a motion photo is not where its metadata said."""


class VideoRenditionError(RenditionError):
    """ffmpeg could not turn the video into a web rendition (unreadable, no video, or it failed)."""


class VideoRenditionTimeoutError(VideoRenditionError):
    """ffmpeg ran past the rendition's time limit and was killed."""
