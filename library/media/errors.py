"""Per-file import failures. Their message is shown to the person importing, so it says what
is wrong with *their file*, never how our code failed."""


class ImportFileError(Exception):
    """A file cannot be imported; the session goes on with the next one."""


class UnsupportedFileError(ImportFileError):
    """The content is not a photo or video format we keep."""


class CorruptFileError(ImportFileError):
    """The content claims a supported format but cannot be read as one."""


class FileTooLargeError(ImportFileError):
    """The file (or the picture its header describes) is beyond the configured limits."""


class EmptyFileError(ImportFileError):
    """Zero bytes: nothing to keep."""


class FileChangedError(ImportFileError):
    """The source was written to while it was read: its bytes and their hash may not agree."""


class NotEnoughSpaceError(ImportFileError):
    """The file would take the library's free space below PHOTOSITE_MIN_FREE_BYTES."""


def os_error_message(error: OSError, action: str = "store") -> str:
    """What the person importing reads when the disk refused (`store`) or the source could not be
    read (`read`): the system's own words ("No space left on device"), never a traceback."""
    return f"could not {action} the file: {error.strerror or error}"
