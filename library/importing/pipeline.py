"""The one import pipeline: every entry point (web upload, `manage.py import`) hands it staged
files, and it alone decides each file's outcome.

Per file: duplicate check by hash → content sniffing → metadata → atomic no-overwrite move into
`YYYY-MM-DD/` → database row (the unique hash makes the database the arbiter when two imports
of the same bytes race) → outcome record and running counts → pairing with the other file of
its moment, once the row is committed (`grouping`) → progress report. No thumbnail
work happens here, ever: thumbnails are made lazily or by the background workers."""
import errno
import logging
import os
from pathlib import Path

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from library.models import ImportOutcome, ImportSession, ImportSource, OutcomeStatus, Photo
from library.services.trash import IN_TRASH_NOTE, RESTORED_NOTE, restore_from_trash
from library.signals import import_session_finished

from .dates import dating
from .detection import HEAD_BYTES, detect_format
from .errors import ImportFileError, os_error_message
from .grouping import pair_new_photo
from .metadata import read_metadata
from .names import display_name
from .placement import claim_path, release_path
from .progress import FileResult, NullReporter
from .staging import StagedFile, make_durable, stage_copy

logger = logging.getLogger("photosite.import")

# Errors of the library's disk (not of the source) while copying a file into .import_temp.
DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}

COUNT_FIELDS = {
    OutcomeStatus.IMPORTED: "imported_count",
    OutcomeStatus.DUPLICATE: "duplicate_count",
    OutcomeStatus.FAILED: "failed_count",
}


class ImportPipeline:
    """Imports files into one ImportSession. Safe to call from several threads at once."""

    def __init__(self, session: ImportSession, reporter=None):
        self.session = session
        self.reporter = reporter or NullReporter()

    @classmethod
    def start(cls, source, user=None, reporter=None):
        session = ImportSession.objects.create(source=source, user=user)
        logger.info("Import session %s started (%s)", session.pk, source)
        return cls(session, reporter)

    def import_path(self, source: Path, name=None) -> FileResult:
        """Copy a file from disk into .import_temp (hashing on the way) and import it."""
        name = display_name(name or source.name)
        try:
            staged = stage_copy(source, name, durable=False)
        except ImportFileError as error:
            return self.record_failure(name, None, str(error))
        except OSError as error:
            action = "store" if error.errno in DISK_ERRNOS else "read"
            return self.record_failure(name, None, os_error_message(error, action))
        return self.import_staged(staged, source_folder=os.path.dirname(os.path.abspath(source)))

    def import_staged(self, staged: StagedFile, source_folder: str = "") -> FileResult:
        """Decide the outcome of a staged file. The temp file is gone afterwards, whatever happened.

        `source_folder` is where the file came from, when known (the command line; a browser
        sends only names): a Live Photo's still and motion without an identifier pair by it."""
        name = display_name(staged.original_name)
        try:
            return self._place(staged, name, source_folder)
        except ImportFileError as error:
            return self.record_failure(name, staged.size, str(error))
        except OSError as error:
            return self.record_failure(name, staged.size, os_error_message(error))
        except DatabaseError:
            logger.exception("Database error while importing %s", name)
            return self.record_failure(name, staged.size, "the library database could not record the file")
        except Exception:  # the per-file boundary: one file's bug must not end the session (traceback logged)
            logger.exception("Unexpected error while importing %s", name)
            return self.record_failure(name, staged.size, "unexpected error (details in errors.log)")
        finally:
            staged.temp_path.unlink(missing_ok=True)

    def record_known_files(self, files) -> list[FileResult]:
        """Files the browser did not send because their SHA-256 is a photo in the library
        (`files`: (name, photo) pairs): duplicates, recorded together in one transaction. Taking
        the browser's word costs nothing here: a client that lies only loses its own file."""
        with transaction.atomic():
            outcomes = ImportOutcome.objects.bulk_create([
                ImportOutcome(session=self.session, original_name=display_name(name), size=photo.size,
                              status=OutcomeStatus.DUPLICATE, photo=photo)
                for name, photo in files
            ])
            ImportSession.objects.filter(pk=self.session.pk).update(duplicate_count=F("duplicate_count") + len(outcomes))
            counts = ImportSession.objects.values("imported_count", "duplicate_count", "failed_count").get(
                pk=self.session.pk
            )
        counts = {key.removesuffix("_count"): value for key, value in counts.items()}
        results = [FileResult(outcome.original_name, outcome.size, OutcomeStatus.DUPLICATE, "", outcome.photo_id,
                              outcome.pk) for outcome in outcomes]
        for result in results:
            logger.info("Duplicate (not sent, its hash is known): %s is photo %s", result.name, result.photo_id)
        transaction.on_commit(lambda: self.reporter.files_done(results, counts))
        return results

    def record_failure(self, name, size, error) -> FileResult:
        """For files that failed before or during staging too (unreadable, empty, cut off)."""
        logger.error("Import failed: %s: %s", name, error)
        return self._record(display_name(name), size, OutcomeStatus.FAILED, error=error)

    def finish(self) -> ImportSession:
        session = self.session
        session.refresh_from_db()
        session.finished_at = timezone.now()
        session.duration_seconds = (session.finished_at - session.started_at).total_seconds()
        session.save(update_fields=["finished_at", "duration_seconds"])
        logger.info(
            "Import session complete: session=%s source=%s imported=%d duplicate=%d failed=%d duration=%.2fs",
            session.pk, session.source, session.imported_count, session.duplicate_count,
            session.failed_count, session.duration_seconds,
        )
        transaction.on_commit(lambda: import_session_finished.send(sender=ImportSession, session=session))
        transaction.on_commit(lambda: self.reporter.session_complete(session))
        return session

    def _place(self, staged: StagedFile, name: str, source_folder: str) -> FileResult:
        existing = Photo.objects.filter(sha256=staged.sha256).first()
        if existing is not None:
            return self._known_bytes(staged, name, existing)
        with open(staged.temp_path, "rb") as temp_file:
            file_format = detect_format(temp_file.read(HEAD_BYTES), name, staged.temp_path)
        metadata = read_metadata(staged.temp_path, file_format, name, staged.source_mtime)
        make_durable(staged)
        dated = dating(metadata.taken_at)
        relative = claim_path(staged.temp_path, dated["taken_on"], staged.sha256, file_format.extension)
        try:
            with transaction.atomic():
                photo = Photo.objects.create(
                    sha256=staged.sha256, kind=file_format.kind, original_name=name, path=relative,
                    size=staged.size, format=file_format.name, mime_type=file_format.mime_type,
                    width=metadata.width, height=metadata.height, orientation=metadata.orientation,
                    duration=metadata.duration, **dated,
                    taken_at_source=metadata.taken_at_source, camera_make=metadata.camera_make,
                    camera_model=metadata.camera_model, import_session=self.session,
                    video_codecs=metadata.video_codecs, playback=metadata.playback,
                    content_identifier=metadata.content_identifier, source_folder=source_folder,
                    **embedded_video_fields(metadata.embedded_video),
                )
                result = self._record(name, staged.size, OutcomeStatus.IMPORTED, photo=photo)
        except IntegrityError:
            release_path(relative)
            winner = Photo.objects.filter(sha256=staged.sha256).first()
            if winner is None:
                raise
            logger.info("Duplicate (concurrent import): %s is photo %s", name, winner.pk)
            return self._record(name, staged.size, OutcomeStatus.DUPLICATE, photo=winner)
        except BaseException:
            release_path(relative)
            raise
        logger.info("Imported: %s -> %s", name, relative)
        self._pair(photo)
        return result

    def _pair(self, photo: Photo):
        """Joining a moment comes after the file is safely in: a failure to pair is logged, and
        the file stays imported as a photo of its own (the admin can link it by hand)."""
        try:
            pair_new_photo(photo)
        except DatabaseError:
            logger.exception("Could not pair photo %s with the other file of its moment", photo.pk)

    def _known_bytes(self, staged: StagedFile, name: str, existing: Photo) -> FileResult:
        """Bytes already in the library: a duplicate, unless their photo is in the trash and the
        importer may see the trash, where importing them again means the person wants it back.
        To anyone else the trashed photo stays gone: no restore, and no link to it."""
        if existing.trashed_at is not None:
            if not self._importer_sees(existing):
                logger.info("Duplicate of trashed photo %s, not restored for an ordinary user: %s", existing.pk, name)
                return self._record(name, staged.size, OutcomeStatus.DUPLICATE, error=IN_TRASH_NOTE)
            make_durable(staged)  # the restore may keep these very bytes
            if restore_from_trash(existing, staged.temp_path):
                logger.info("Restored from trash: %s is photo %s (%s)", name, existing.pk, existing.path)
                return self._record(name, staged.size, OutcomeStatus.IMPORTED, photo=existing, error=RESTORED_NOTE)
        logger.info("Duplicate: %s is photo %s (%s)", name, existing.pk, existing.path)
        return self._record(name, staged.size, OutcomeStatus.DUPLICATE, photo=existing)

    def _importer_sees(self, photo: Photo) -> bool:
        """The command line is run by the machine's operator, who has the library's files anyway:
        staff, as far as the trash goes. A web import is its session user's."""
        if self.session.source == ImportSource.CLI:
            return True
        return self.session.user is not None and photo.is_visible_to(self.session.user)

    def _record(self, name, size, status, photo=None, error="") -> FileResult:
        with transaction.atomic():
            outcome = ImportOutcome.objects.create(
                session=self.session, original_name=name, size=size, status=status, error=error, photo=photo
            )
            ImportSession.objects.filter(pk=self.session.pk).update(**{COUNT_FIELDS[status]: F(COUNT_FIELDS[status]) + 1})
            counts = ImportSession.objects.values("imported_count", "duplicate_count", "failed_count").get(
                pk=self.session.pk
            )
        result = FileResult(name, size, status, error, photo.pk if photo else None, outcome.pk)
        transaction.on_commit(
            lambda: self.reporter.file_done(result, {key.removesuffix("_count"): value for key, value in counts.items()})
        )
        return result


def embedded_video_fields(video) -> dict:
    if video is None:
        return {}
    return {"embedded_video_offset": video.offset, "embedded_video_length": video.length}
