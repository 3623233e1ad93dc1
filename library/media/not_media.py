"""Which files are not media at all, so that an import passes them by (`skipped`) instead of
calling them failures: sidecars, the files operating systems leave in folders, text.

A file whose extension says it is a photo or video is never passed by: a `.jpg` holding text
is a broken photo, and fails. Everything else is judged by its name first (no byte read), and
by its content only once detection has found no media format in it."""
from pathlib import PurePath

from .raw_families import RAW_EXTENSIONS

MEDIA_EXTENSIONS = RAW_EXTENSIONS | {
    "jpg", "jpeg", "jpe", "jfif", "png", "gif", "webp", "tif", "tiff", "heic", "heif", "hif", "avif", "jxl",
    "mp4", "mov", "qt", "m4v", "3gp", "3g2", "mkv", "webm", "avi", "mts", "m2ts", "ts", "mpg", "mpeg", "wmv",
}
# Left in folders by Windows, macOS and desktop environments; never a person's own file.
SYSTEM_FILES = {"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini", ".ds_store", ".directory",
                "icon\r", ".picasa.ini", "picasa.ini", ".nomedia"}
XMP_EXTENSION = "xmp"
JSON_EXTENSION = "json"
# iPhone's edit instructions (a property list Photos reads back); the photo is imported as it is.
APPLE_EDITS_EXTENSION = "aae"
SIDECAR_EXTENSIONS = {XMP_EXTENSION, JSON_EXTENSION, APPLE_EDITS_EXTENSION}
# What detection's `describe_unknown` says of content that is a document, not a broken photo.
DOCUMENT_CONTENT = {"content looks like text": "text file", "content looks like HTML or XML": "HTML or XML file",
                    "content is a PDF document": "PDF document", "content is blank": "blank text file"}
NOT_MEDIA = "not a photo or video"


def extension(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def claims_media(name: str) -> bool:
    return extension(name) in MEDIA_EXTENSIONS


def sidecar_extension(name: str) -> str:
    """'xmp', 'json' or 'aae' for a file named like a sidecar, else ''."""
    found = extension(name)
    return found if found in SIDECAR_EXTENSIONS else ""


def system_file_reason(name: str) -> str:
    """Why a file is passed by for its name alone ('' when its name says nothing)."""
    lowered = name.lower()
    if lowered in SYSTEM_FILES or lowered.startswith("._"):  # ._IMG_0001.JPG: macOS's resource forks
        return f"{NOT_MEDIA}: system file ({name})"
    return ""


def document_reason(name: str, content_description: str) -> str:
    """Why a file detection found no media in is passed by: a text or document under a name that
    does not claim to be media ('' when it fails instead)."""
    kind = DOCUMENT_CONTENT.get(content_description)
    if kind is None or claims_media(name):
        return ""
    return f"{NOT_MEDIA}: {kind}"
