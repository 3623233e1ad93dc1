"""A Django upload handler that lands each uploaded file in `.import_temp` through a StagingWriter.

The bytes are hashed and counted while they arrive (no whole file in memory, no second read to
hash them), and the size limit is enforced per file as it streams in. A file over the limit or one
the disk refused becomes a per-file failure; the rest of the request goes on. Whatever is not handed
to the import pipeline is removed by `discard()`, so nothing stays behind in `.import_temp`."""
import logging

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopFutureHandlers

from library.importing.errors import ImportFileError, os_error_message
from library.importing.names import display_name
from library.importing.staging import COPY_CHUNK_BYTES, StagingWriter

logger = logging.getLogger("photosite.import.uploads")

FILE_FIELD = "file"


class StagedUpload(UploadedFile):
    """What `request.FILES` holds: a staged file ready for the pipeline, or why the file could not be staged."""

    def __init__(self, original_name, size, staged=None, error=""):
        super().__init__(file=None, name=original_name, size=size)
        self.original_name = original_name
        self.staged = staged
        self.error = error

    def close(self):
        """Nothing open to close: the staged file was closed when it was finished (Django calls this
        on every uploaded file when parsing fails; the handler's `discard()` removes the bytes)."""


class StagingUploadHandler(FileUploadHandler):
    """Streams every `file` field of a multipart request into `.import_temp`, hashing on the way.

    `uploads` lists every file met, in request order, including those that could not be staged
    (over the limit, empty, cut off) with their reason."""

    # Django's parser hands over 64 KiB at a time by default; photos are megabytes, and each
    # chunk costs a round of Python, so larger chunks mean less time per byte.
    chunk_size = COPY_CHUNK_BYTES

    def __init__(self, request=None):
        super().__init__(request)
        self.writer = None
        self.error = ""
        self.uploads = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.field_name != FILE_FIELD:
            raise SkipFile()
        self.error = ""
        try:
            self.writer = StagingWriter(display_name(self.file_name), expected_size=self.content_length)
        except ImportFileError as error:
            self.error = str(error)
        except OSError as error:
            logger.error("Could not stage upload %s: %s", display_name(self.file_name), error)
            self.error = os_error_message(error)
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        if self.writer is not None:
            try:
                self.writer.write(raw_data)
            except ImportFileError as error:
                self._give_up(str(error))
            except OSError as error:
                logger.error("Could not stage upload %s: %s", self.writer.original_name, error)
                self._give_up(os_error_message(error))
        # The rest of a refused file is read and dropped so the next file of the request still counts.
        return None

    def file_complete(self, file_size):
        name = display_name(self.file_name)
        writer, self.writer = self.writer, None
        if writer is None:
            upload = StagedUpload(name, file_size, error=self.error)
        else:
            try:
                upload = StagedUpload(name, file_size, staged=writer.finish())
            except ImportFileError as error:
                upload = StagedUpload(name, file_size, error=str(error))
            except OSError as error:
                logger.error("Could not stage upload %s: %s", name, error)
                upload = StagedUpload(name, file_size, error=os_error_message(error))
        self.uploads.append(upload)
        return upload

    def upload_interrupted(self):
        """The body ended inside a file (no closing boundary): that file failed."""
        if self.writer is not None:
            self._give_up("the upload was cut off before the end of the file")
            self.uploads.append(StagedUpload(display_name(self.file_name), None, error=self.error))

    def discard(self):
        """Remove every staged byte not yet imported (the pipeline removes what it took)."""
        self._give_up("the upload was cut off")
        for upload in self.uploads:
            if upload.staged is not None:
                upload.staged.temp_path.unlink(missing_ok=True)

    def _give_up(self, error):
        if self.writer is not None:
            self.writer.abort()
            self.writer = None
            self.error = error
