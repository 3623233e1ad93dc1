"""Which renditions exist: for thumbnails, a small allow-list of sizes and formats; for videos' web
renditions, the short side; and the spec string that names each one in the cache, in URLs and in
the database.

A spec carries its generator's version, so changing how renditions are made (bump
GENERATOR_VERSION or RENDITION_VERSION) gives every one a new name instead of serving stale ones."""
import re
from dataclasses import dataclass

GENERATOR_VERSION = 1
RENDITION_VERSION = 1

# Size name (the `?size=` of the URL) → (height, widest width). The width bound keeps a
# panorama's tile from being thousands of pixels wide; "preview" is what the photo viewer shows
# (browsers cannot display HEIC or raw files, so the viewer needs a large rendition).
SIZES = {
    "400": (400, 1600),
    "800": (800, 3200),
    "preview": (1600, 2400),
}
DEFAULT_SIZE = "400"

# Format → (file extension, content type). Which one a client gets is thumbnails.formats' to say.
FORMATS = {
    "jpeg": ("jpg", "image/jpeg"),
    "webp": ("webp", "image/webp"),
}

_HEIGHTS = {height: width for height, width in SIZES.values()}
_SPEC_PATTERN = re.compile(r"^h(?P<height>\d+)-(?P<format>[a-z]+)-v(?P<version>\d+)$")
_VIDEO_SPEC_PATTERN = re.compile(r"^v(?P<lines>\d+)-h264-v(?P<version>\d+)$")


class InvalidSpecError(ValueError):
    """A size, format or spec string outside the allow-list."""


@dataclass(frozen=True)
class ThumbnailSpec:
    height: int
    format: str
    version: int = GENERATOR_VERSION

    def __post_init__(self):
        if self.height not in _HEIGHTS:
            raise InvalidSpecError(f"unknown thumbnail height {self.height}")
        if self.format not in FORMATS:
            raise InvalidSpecError(f"unknown thumbnail format {self.format!r}")

    def __str__(self):
        return f"h{self.height}-{self.format}-v{self.version}"

    @classmethod
    def from_string(cls, text: str) -> "ThumbnailSpec":
        match = _SPEC_PATTERN.match(text)
        if match is None:
            raise InvalidSpecError(f"not a thumbnail spec: {text!r}")
        return cls(int(match["height"]), match["format"], int(match["version"]))

    @classmethod
    def for_size(cls, size: str, image_format: str) -> "ThumbnailSpec":
        """From a size name of the allow-list ("400", "800", "preview") and a format. No format is
        the default: which one a client gets is thumbnails.formats' policy."""
        check_size(size)
        return cls(SIZES[size][0], image_format)

    @property
    def box(self) -> tuple[int, int]:
        """(widest width, height) a thumbnail of this spec fits in."""
        return _HEIGHTS[self.height], self.height

    @property
    def extension(self) -> str:
        return FORMATS[self.format][0]

    @property
    def content_type(self) -> str:
        return FORMATS[self.format][1]


def check_size(size: str):
    """InvalidSpecError unless `size` is a size name of the allow-list."""
    if size not in SIZES:
        raise InvalidSpecError(f"unknown thumbnail size {size!r}; choose one of {', '.join(SIZES)}")


def all_current_specs() -> list[ThumbnailSpec]:
    return [ThumbnailSpec.for_size(size, image_format) for size in SIZES for image_format in FORMATS]


@dataclass(frozen=True)
class VideoRenditionSpec:
    """What a video's web rendition is: its short side at most `lines`, and the generator's version. `str()`
    names it in the storage and on its `Rendition` row (`v1080-h264-v1`)."""
    lines: int
    version: int = RENDITION_VERSION
    extension = "mp4"
    content_type = "video/mp4"

    def __str__(self):
        return f"v{self.lines}-h264-v{self.version}"

    @classmethod
    def from_string(cls, text: str) -> "VideoRenditionSpec":
        match = _VIDEO_SPEC_PATTERN.match(text)
        if match is None:
            raise ValueError(f"not a video rendition spec: {text!r}")
        return cls(int(match["lines"]), int(match["version"]))
