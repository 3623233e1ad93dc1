"""The web import's multipart bodies, staged into `.import_temp` as they are pushed in.

Each `file` part goes through a StagingWriter: hashed and counted while it arrives (no whole file
in memory, no second read to hash it), the size limit enforced as it streams in. The body is
pushed to `UploadStager.feed` in the event loop's thread (photosite.streaming_body), so this
does only quick, non-waiting work per chunk: parse (the `multipart` package's push parser),
hash, write. A file over the limit or one the disk refused becomes a per-file failure; the rest
of the request goes on. Whatever is not handed to the import pipeline is removed by `discard()`,
so nothing stays behind in `.import_temp`."""
import logging
from dataclasses import dataclass

from django.conf import settings
from multipart import MultipartError, MultipartSegment, PushMultipartParser

from library.importing.errors import ImportFileError, os_error_message
from library.importing.names import display_name
from library.importing.staging import StagedFile, StagingWriter

logger = logging.getLogger("photosite.import.uploads")

FILE_FIELD = "file"
# The page's other fields are a file time and a hash per file; anything longer is not from it.
MAX_FIELD_BYTES = 1024
# A part's header line; a file name beyond it is not a real one (file systems stop at 255 bytes).
MAX_HEADER_BYTES = 1024
CUT_OFF_ERROR = "the upload was cut off before the end of the file"


def is_file(part: MultipartSegment) -> bool:
    return part.name == FILE_FIELD and bool(part.filename)


class MalformedUploadError(ValueError):
    """The body is not a multipart form this route takes (answered 400 with the reason)."""


@dataclass
class StagedUpload:
    """A `file` part of the body: staged and ready for the pipeline, or why it could not be."""
    original_name: str
    size: int | None
    staged: StagedFile | None = None
    error: str = ""


class UploadStager:
    """Stages every `file` part of one multipart body as it is fed, hashing on the way.

    `uploads` lists every file met, in body order, including those that could not be staged
    (over the limit, empty, cut off) with their reason; `fields` the other parts' values."""

    def __init__(self, boundary: str, content_length: int):
        try:
            self.parser = PushMultipartParser(
                boundary, content_length, max_header_size=MAX_HEADER_BYTES, max_header_count=8,
                # a file time and a hash go with each file
                max_segment_count=3 * settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1,
            )
        except ValueError as error:
            raise MalformedUploadError(str(error)) from error
        self.uploads: list[StagedUpload] = []
        self.fields: dict[str, list[str]] = {}
        self.part = None  # the segment being received
        self.writer = None  # its writer, for a file being staged
        self.error = ""  # why the file being received is not being staged
        self.field_bytes = bytearray()

    def feed(self, chunk: bytes):
        try:
            for event in self.parser.parse(chunk):
                if isinstance(event, MultipartSegment):
                    self._begin(event)
                elif event is None:
                    self._end()
                else:
                    self._data(event)
        except MultipartError as error:  # malformed, or past a limit
            raise MalformedUploadError(str(error)) from error

    def close(self):
        """The body has ended. A file it ended inside (a client gone, or a form without its closing
        boundary) has failed; every file before it came whole and stays."""
        if self.part is not None and is_file(self.part):
            self._give_up(CUT_OFF_ERROR)
            self.uploads.append(StagedUpload(display_name(self.part.filename), None, error=self.error))
        self.part = None

    def discard(self):
        """Remove every staged byte not yet imported (the pipeline removes what it took)."""
        self._give_up("the upload was cut off")
        for upload in self.uploads:
            if upload.staged is not None:
                upload.staged.temp_path.unlink(missing_ok=True)

    def _begin(self, part: MultipartSegment):
        self.part, self.error = part, ""
        self.field_bytes.clear()
        if not is_file(part):
            return
        try:
            self.writer = StagingWriter(display_name(part.filename))
        except ImportFileError as error:
            self.error = str(error)
        except OSError as error:
            logger.error("Could not stage upload %s: %s", display_name(part.filename), error)
            self.error = os_error_message(error)

    def _data(self, data):
        part = self.part
        if is_file(part):
            self._write(data)
        elif part.name == FILE_FIELD:
            return  # a file field left empty in a form (no file name): not a file, as in Django
        elif len(self.field_bytes) + len(data) > MAX_FIELD_BYTES:
            raise MalformedUploadError(f"the field {part.name!r} is longer than {MAX_FIELD_BYTES} bytes")
        else:
            self.field_bytes += data

    def _write(self, data):
        # The rest of a refused file is read and dropped so the next file of the request still counts.
        if self.writer is None:
            return
        try:
            self.writer.write(data)
        except ImportFileError as error:
            self._give_up(str(error))
        except OSError as error:
            logger.error("Could not stage upload %s: %s", self.writer.original_name, error)
            self._give_up(os_error_message(error))

    def _end(self):
        part, self.part = self.part, None
        if part.name == FILE_FIELD and not is_file(part):
            return
        if not is_file(part):
            self.fields.setdefault(part.name, []).append(self.field_bytes.decode("utf-8", "replace"))
            return
        name, writer, self.writer = display_name(part.filename), self.writer, None
        if writer is None:
            self.uploads.append(StagedUpload(name, part.size, error=self.error))
            return
        try:
            # Not fsynced here: the pipeline makes the request's new files durable together
            # before their rows are committed, and the browser hears of a file only after that.
            self.uploads.append(StagedUpload(name, part.size, staged=writer.finish(durable=False)))
        except ImportFileError as error:
            self.uploads.append(StagedUpload(name, part.size, error=str(error)))
        except OSError as error:
            logger.error("Could not stage upload %s: %s", name, error)
            self.uploads.append(StagedUpload(name, part.size, error=os_error_message(error)))

    def _give_up(self, error):
        if self.writer is not None:
            self.writer.abort()
            self.writer = None
            self.error = error
