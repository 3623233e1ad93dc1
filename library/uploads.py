"""The web import's multipart bodies, staged into `.import_temp` as they are pushed in.

Each `file` part goes through a StagingWriter: hashed and counted while it arrives (no whole file
in memory, no second read to hash it), the size limit enforced as it streams in. The body is
pushed to `UploadStager.feed` in the event loop's thread (photosite.streaming_body), which only
parses it (the `multipart` package's push parser); the hashing and writing run in a thread. A
file over the limit or one the disk refused becomes a per-file failure; the rest of the request
goes on. Whatever is not handed to the import pipeline is removed by `discard()`,
so nothing stays behind in `.import_temp`."""
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from multipart import MultipartError, MultipartSegment, PushMultipartParser

from library.importing.names import display_name
from library.importing.staging import StagedFile, StagingWriter
from library.media.errors import ImportFileError, os_error_message

logger = logging.getLogger("photosite.import.uploads")

FILE_FIELD = "file"
# The page's other fields are a file time and a hash per file; anything longer is not from it.
MAX_FIELD_BYTES = 1024
# A part's header line; a file name beyond it is not a real one (file systems stop at 255 bytes).
MAX_HEADER_BYTES = 1024
CUT_OFF_ERROR = "the upload was cut off before the end of the file"
# A file's bytes go to the writing thread in pieces of this size (one hand-over each) ...
WRITE_BYTES = 1024 * 1024
# ... and the body waits once this much is handed over and not yet written.
WRITE_AHEAD_BYTES = 8 * 1024 * 1024


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


class IncomingFile:
    """One file part's staging into `.import_temp`. Its calls run in the stager's writing thread
    in the order they were made; a refusal (too large, no room) ends the staging of this file
    alone: the rest of its bytes are dropped, and it becomes a per-file failure."""

    def __init__(self, name: str):
        self.name = name
        self.writer = None
        self.error = ""

    def begin(self):
        try:
            self.writer = StagingWriter(self.name)
        except ImportFileError as error:
            self.error = str(error)
        except OSError as error:
            logger.error("Could not stage upload %s: %s", self.name, error)
            self.error = os_error_message(error)

    def write(self, data):
        if self.writer is None:
            return
        try:
            self.writer.write(data)
        except ImportFileError as error:
            self.give_up(str(error))
        except OSError as error:
            logger.error("Could not stage upload %s: %s", self.name, error)
            self.give_up(os_error_message(error))

    def finish(self, size: int | None) -> StagedUpload:
        writer, self.writer = self.writer, None
        if writer is None:
            return StagedUpload(self.name, size, error=self.error)
        try:
            # Not fsynced here: the request's files are made durable together, and given their
            # `.staged` name, once the body is in (web_import.keep_received), before any is placed.
            return StagedUpload(self.name, size, staged=writer.finish(durable=False))
        except ImportFileError as error:
            return StagedUpload(self.name, size, error=str(error))
        except OSError as error:
            logger.error("Could not stage upload %s: %s", self.name, error)
            return StagedUpload(self.name, size, error=os_error_message(error))

    def give_up(self, error) -> StagedUpload:
        if self.writer is not None:
            self.writer.abort()
            self.writer = None
            self.error = error
        return StagedUpload(self.name, None, error=self.error)


class UploadStager:
    """Stages every `file` part of one multipart body as it is fed, hashing on the way.

    `feed` runs in the event loop's thread and only parses: each file's bytes are hashed and
    written in a thread of the stager's own, a megabyte at a time (hashing and writing release
    the GIL, so they run on the other core while the loop receives and parses). `feed` returns
    a future to wait for once that thread is WRITE_AHEAD_BYTES behind.

    After `close()`, `uploads` lists every file met, in body order, including those that could
    not be staged (over the limit, empty, cut off) with their reason; `fields` holds the other
    parts' values."""

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
        self.incoming = None  # its IncomingFile, for a file
        self.unwritten = bytearray()  # its bytes not yet handed to the writing thread
        self.field_bytes = bytearray()
        self.writing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-writer")
        self.in_flight = deque()  # (future, bytes) of the writes handed over, oldest first
        self.staged = []  # a future of a StagedUpload per file met

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
        return self._behind()

    def close(self):
        """The body has ended. A file it ended inside (a client gone, or a form without its closing
        boundary) has failed; every file before it came whole and stays. Waits for the writes."""
        if self.incoming is not None:
            self.staged.append(self.writing.submit(self.incoming.give_up, CUT_OFF_ERROR))
            self.incoming = None
        self.part = None
        self.uploads = [future.result() for future in self.staged]

    def discard(self):
        """Remove every staged byte not yet imported (the pipeline removes what it took)."""
        if self.incoming is not None:
            self.writing.submit(self.incoming.give_up, "the upload was cut off")
            self.incoming = None
        self.writing.shutdown(wait=True)
        for future in self.staged:
            upload = future.result()
            if upload.staged is not None:
                upload.staged.temp_path.unlink(missing_ok=True)

    def _begin(self, part: MultipartSegment):
        self.part = part
        self.field_bytes.clear()
        if is_file(part):
            self.incoming = IncomingFile(display_name(part.filename))
            self.writing.submit(self.incoming.begin)

    def _data(self, data):
        part = self.part
        if is_file(part):
            self.unwritten += data
            if len(self.unwritten) >= WRITE_BYTES:
                self._hand_over()
        elif part.name == FILE_FIELD:
            return  # a file field left empty in a form (no file name): not a file, as in Django
        elif len(self.field_bytes) + len(data) > MAX_FIELD_BYTES:
            raise MalformedUploadError(f"the field {part.name!r} is longer than {MAX_FIELD_BYTES} bytes")
        else:
            self.field_bytes += data

    def _hand_over(self):
        data, self.unwritten = self.unwritten, bytearray()
        self.in_flight.append((self.writing.submit(self.incoming.write, data), len(data)))

    def _behind(self):
        """The oldest write still running once more than WRITE_AHEAD_BYTES are handed over, else None."""
        while self.in_flight and self.in_flight[0][0].done():
            self.in_flight.popleft()
        if sum(size for _, size in self.in_flight) > WRITE_AHEAD_BYTES:
            return self.in_flight[0][0]
        return None

    def _end(self):
        part, self.part = self.part, None
        if part.name == FILE_FIELD and not is_file(part):
            return
        if not is_file(part):
            self.fields.setdefault(part.name, []).append(self.field_bytes.decode("utf-8", "replace"))
            return
        if self.unwritten:
            self._hand_over()
        self.staged.append(self.writing.submit(self.incoming.finish, part.size))
        self.incoming = None
