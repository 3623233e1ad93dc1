"""The one import pipeline: every entry point (web upload, `manage.py import`, the watch folder)
hands it staged files, and it alone decides each file's outcome.

Two steps. `prepare` (no database, so the command runs it in worker threads): content sniffing
→ metadata. `commit`, for a group of prepared files: duplicate check by hash → data fsynced →
atomic no-overwrite move into `YYYY-MM-DD/` → the folders' new names fsynced → database rows
(the unique hash makes the database the arbiter when two imports of the same bytes race),
outcome records and running counts, all in one transaction → pairing with the other files of
their moments (`grouping`) → progress report. A row is committed only once its file is durable;
a group shares the fsyncs' waits and the commit.
No thumbnail work happens here, ever: thumbnails are made lazily or by the background workers."""
import errno
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from library.curation.placement import claim_path, release_path, sync_folders
from library.curation.trash import IN_TRASH_NOTE, RESTORED_NOTE, restore_from_trash
from library.media.detection import HEAD_BYTES, FileFormat, describe_unknown, detect_format
from library.media.errors import ImportFileError, UnsupportedFileError, os_error_message
from library.media.metadata import MediaMetadata, read_metadata
from library.media.not_media import document_reason, sidecar_extension, system_file_reason
from library.media.sidecar_facts import ParsedSidecar, PassedByError
from library.media.sidecar_names import match_key
from library.models import ImportOutcome, ImportSession, ImportSource, OutcomeStatus, Photo
from library.originals import kept_on_this_machine
from library.signals import import_session_finished

from .archives import OpenArchives, member_folder
from .edge_hash import file_edge_sha256
from .moment_pairing import pair_new_photo
from .names import display_name
from .progress import FileResult, NullReporter
from .sidecar_files import read_sidecar
from .sidecar_matching import WAITING_TEXT, Scope, photos_arrived, record_waiting, settle_new_sidecars
from .staging import StagedFile, make_all_durable, make_durable, stage_copy, stage_link

logger = logging.getLogger("photosite.import")

# Errors of the library's disk (not of the source) while copying a file into .import_temp.
DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}

DATABASE_FAILURE = "the library database could not record the file"

COUNT_FIELDS = {
    OutcomeStatus.IMPORTED: "imported_count",
    OutcomeStatus.DUPLICATE: "duplicate_count",
    OutcomeStatus.FAILED: "failed_count",
    OutcomeStatus.SKIPPED: "skipped_count",
}


@dataclass(frozen=True)
class Failure:
    """A file that failed before its group was committed; `commit` records it."""

    name: str
    size: int | None
    error: str


@dataclass(frozen=True)
class Skipped:
    """A file that is not media (library.media.not_media): passed by, with the reason."""

    name: str
    size: int | None
    reason: str


@dataclass(frozen=True)
class PreparedSidecar:
    """A sidecar read whole (its temp file is gone): `commit` matches it with its photo."""

    name: str
    size: int
    sidecar: ParsedSidecar
    source_folder: str = ""


@dataclass(frozen=True)
class Prepared:
    """A staged file whose format and metadata are known: ready to be placed."""

    staged: StagedFile
    name: str
    file_format: FileFormat
    metadata: MediaMetadata
    edge_sha256: str
    source_folder: str = ""

    def claim(self) -> str:
        """Into its place, the folder's new name not yet fsynced (the group does that once)."""
        return claim_path(self.staged.temp_path, self.metadata.dating()["taken_on"], self.staged.sha256,
                          self.file_format.extension, sync_folder=False)


@dataclass(frozen=True)
class PendingOutcome:
    """An outcome to record; `_record` writes a group of them in one transaction."""

    name: str
    size: int | None
    status: str
    photo: Photo | None = None
    error: str = ""


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
        """Copy a file from disk in (see `prepare_path`) and decide its outcome."""
        return self.commit([self.prepare_path(source, name)])[0]

    def import_staged(self, staged: StagedFile) -> FileResult:
        """Decide the outcome of a staged file. The temp file is gone afterwards, whatever happened."""
        return self.commit([self.prepare(staged)])[0]

    def prepare_path(self, source: Path, name=None, move=False) -> Prepared | Failure:
        """Copy a file from disk into .import_temp, hashing on the way; with `move`, link it there
        when it is on the library's filesystem (no copy: the source's name goes once it is done).
        Its folder is kept: a Live Photo's still and motion without an identifier pair by it."""
        name = display_name(name or source.name)
        return self._stage_and_prepare(
            lambda: (move and stage_link(source, name)) or stage_copy(source, name, durable=False),
            name, os.path.dirname(os.path.abspath(source)))

    def prepare_member(self, archives: OpenArchives, archive: Path, member: str) -> Prepared | Failure:
        """A file inside a zip archive (a Takeout export), staged straight from the archive."""
        name = display_name(PurePosixPath(member.replace("\\", "/")).name or member)
        return self._stage_and_prepare(lambda: archives.stage_member(archive, member, name),
                                       name, member_folder(archive, member))

    def _stage_and_prepare(self, stage, name, source_folder) -> Prepared | Failure:
        try:
            staged = stage()
        except ImportFileError as error:
            return Failure(name, None, str(error))
        except OSError as error:
            action = "store" if error.errno in DISK_ERRNOS else "read"
            return Failure(name, None, os_error_message(error, action))
        return self.prepare(staged, source_folder=source_folder)

    def prepare(self, staged: StagedFile, source_folder: str = "") -> Prepared | PreparedSidecar | Skipped | Failure:
        """Format and metadata; touches no database. Anything but a Prepared file removes the
        temp file. `source_folder`: where the file came from, when known (a browser sends only names)."""
        name = display_name(staged.original_name)
        try:
            examined = self._examine(staged, name, source_folder)
            if not isinstance(examined, Prepared):
                staged.temp_path.unlink(missing_ok=True)
            return examined
        except ImportFileError as error:
            failure = Failure(name, staged.size, str(error))
        except OSError as error:
            failure = Failure(name, staged.size, os_error_message(error))
        except Exception:  # the per-file boundary: one file's bug must not end the session (traceback logged)
            logger.exception("Unexpected error while importing %s", name)
            failure = Failure(name, staged.size, "unexpected error (details in errors.log)")
        staged.temp_path.unlink(missing_ok=True)
        return failure

    @staticmethod
    def _examine(staged: StagedFile, name: str, source_folder: str) -> Prepared | PreparedSidecar | Skipped:
        """System files and sidecars by their names; then what the content is: media, or a
        document under a name that does not claim to be media (passed by)."""
        if reason := system_file_reason(name):
            return Skipped(name, staged.size, reason)
        if sidecar_extension(name):
            try:
                return PreparedSidecar(name, staged.size, read_sidecar(staged.temp_path, name, staged.size),
                                       source_folder)
            except PassedByError as passed:
                return Skipped(name, staged.size, str(passed))
        with open(staged.temp_path, "rb") as temp_file:
            head = temp_file.read(HEAD_BYTES)
            # Read from the copy just staged (its pages are still in memory), never the source again.
            edge = file_edge_sha256(temp_file.fileno(), staged.size)
        try:
            file_format = detect_format(head, name, staged.temp_path)
        except UnsupportedFileError:
            if reason := document_reason(name, describe_unknown(head)):
                return Skipped(name, staged.size, reason)
            raise
        metadata = read_metadata(staged.temp_path, file_format, name, staged.source_mtime)
        return Prepared(staged, name, file_format, metadata, edge, source_folder)

    def commit(self, items: list[Prepared | PreparedSidecar | Skipped | Failure]) -> list[FileResult]:
        """Decide the outcome of a group of files, in their order. Every temp file is gone afterwards.
        Sidecars come last, so that they find the group's photos in the library."""
        prepared = [item for item in items if isinstance(item, Prepared)]
        try:
            known = Photo.objects.in_bulk([item.staged.sha256 for item in prepared], field_name="sha256")
            settled = {id(item): self._known_bytes(item, known[item.staged.sha256])
                       for item in prepared if item.staged.sha256 in known}
            settled.update({id(item): self._failure_entry(item.name, item.size, item.error)
                            for item in items if isinstance(item, Failure)})
            settled.update({id(item): self._skipped_entry(item) for item in items if isinstance(item, Skipped)})
            results = dict(zip(settled, self._record(list(settled.values())), strict=True))
            results.update(self._place([item for item in prepared if item.staged.sha256 not in known]))
        finally:
            for item in prepared:
                item.staged.temp_path.unlink(missing_ok=True)
        self._meet_waiting_sidecars(prepared, results)
        results.update(self._sidecars([item for item in items if isinstance(item, PreparedSidecar)]))
        return [results[id(item)] for item in items]

    @staticmethod
    def _skipped_entry(item: Skipped) -> PendingOutcome:
        logger.info("Skipped: %s: %s", item.name, item.reason)
        return PendingOutcome(item.name, item.size, OutcomeStatus.SKIPPED, error=item.reason)

    def _scope(self, source_folder: str) -> Scope:
        return Scope.of(source_folder, self.session)

    def _meet_waiting_sidecars(self, prepared: list[Prepared], results: dict):
        """Each photo now in the library (new, or brought again) takes the sidecars waiting for it;
        those of this session are told again, with what they gave."""
        settled = photos_arrived([(results[id(item)].photo_id, item.name, self._scope(item.source_folder))
                                  for item in prepared if results[id(item)].photo_id is not None
                                  and results[id(item)].status != OutcomeStatus.FAILED])
        if settled:
            self.reporter.outcomes_changed([FileResult(outcome.original_name, outcome.size, outcome.status, outcome.error,
                                     outcome.photo_id, outcome.pk)
                          for outcome in self.session.outcomes.filter(pk__in=settled)], self._counts())

    def _sidecars(self, sidecars: list[PreparedSidecar]) -> dict:
        """Each sidecar's outcome and waiting row in one transaction; then, committed, the photos
        already here take theirs; the reporter hears the final words."""
        if not sidecars:
            return {}
        with transaction.atomic():
            results, counts = self._write([PendingOutcome(item.name, item.size, OutcomeStatus.SKIPPED, error=WAITING_TEXT)
                                           for item in sidecars])
            waiting = record_waiting([(item, result.outcome_id) for item, result in zip(sidecars, results, strict=True)],
                                     lambda item: self._scope(item.source_folder))
        applied = settle_new_sidecars(waiting)
        results = [replace(result, error=applied[result.outcome_id][0], photo_id=applied[result.outcome_id][1])
                   if result.outcome_id in applied else result for result in results]
        for item, result in zip(sidecars, results, strict=True):
            logger.info("Sidecar: %s: %s", item.name, result.error)
        self._report(results, counts)
        return dict(zip([id(item) for item in sidecars], results, strict=True))

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
            counts = self._counts()
        results = [FileResult(outcome.original_name, outcome.size, OutcomeStatus.DUPLICATE, "", outcome.photo_id,
                              outcome.pk) for outcome in outcomes]
        for result in results:
            logger.info("Duplicate (not sent, its hash is known): %s is photo %s", result.name, result.photo_id)
        transaction.on_commit(lambda: self._report(results, counts))
        return results

    def record_failure(self, name, size, error) -> FileResult:
        """For files that failed before or during staging too (unreadable, empty, cut off)."""
        return self._record([self._failure_entry(name, size, error)])[0]

    @staticmethod
    def _failure_entry(name, size, error) -> PendingOutcome:
        logger.error("Import failed: %s: %s", name, error)
        return PendingOutcome(display_name(name), size, OutcomeStatus.FAILED, error=error)

    def finish(self) -> ImportSession:
        session = self.session
        session.refresh_from_db()
        session.finished_at = timezone.now()
        session.duration_seconds = (session.finished_at - session.started_at).total_seconds()
        session.save(update_fields=["finished_at", "duration_seconds"])
        logger.info(
            "Import session complete: session=%s source=%s imported=%d duplicate=%d failed=%d skipped=%d "
            "duration=%.2fs", session.pk, session.source, session.imported_count, session.duplicate_count,
            session.failed_count, session.skipped_count, session.duration_seconds,
        )
        transaction.on_commit(lambda: import_session_finished.send(sender=ImportSession, session=session))
        transaction.on_commit(lambda: self.reporter.session_complete(session))
        return session

    def _place(self, new: list[Prepared]) -> dict:
        """The data of every file made durable (one syncfs), then each claimed, then the folders'
        new names made durable (`sync_folders`), then one transaction for the rows and outcomes."""
        if not new:
            return {}
        claimed, refused = [], {}
        try:
            make_all_durable([item.staged for item in new])
            for item, place in zip(new, claim_all(new), strict=True):
                if isinstance(place, OSError):
                    refused[id(item)] = self._failure_entry(item.name, item.staged.size, os_error_message(place))
                else:
                    claimed.append((item, place))
            sync_folders([relative for _, relative in claimed])
            with transaction.atomic():
                entries = self._rows(claimed) if claimed else []
                recorded = self._record([*entries, *refused.values()])
        except OSError as error:
            self._release(claimed)
            return self._fail_all(new, os_error_message(error))
        except DatabaseError:
            logger.exception("Database error while importing %s", ", ".join(item.name for item in new))
            self._release(claimed)
            return self._fail_all(new, DATABASE_FAILURE)
        except BaseException:
            self._release(claimed)
            raise
        for (item, relative), entry in zip(claimed, entries, strict=True):
            if entry.status == OutcomeStatus.IMPORTED:
                logger.info("Imported: %s -> %s", item.name, relative)
                self._pair(entry.photo)
        return dict(zip([id(item) for item, _ in claimed] + list(refused), recorded, strict=True))

    def _rows(self, claimed) -> list[PendingOutcome]:
        """The photos' rows, in one INSERT; if one of them meets bytes a concurrent import
        recorded first, row by row instead, so only that one becomes a duplicate."""
        try:
            with transaction.atomic():
                photos = Photo.objects.bulk_create([self._photo(item, relative) for item, relative in claimed])
        except IntegrityError:
            return [self._row(item, relative) for item, relative in claimed]
        return [PendingOutcome(item.name, item.staged.size, OutcomeStatus.IMPORTED, photo=photo)
                for (item, _), photo in zip(claimed, photos, strict=True)]

    def _row(self, item: Prepared, relative: str) -> PendingOutcome:
        """One photo's row, in a savepoint of the group's transaction: bytes a concurrent import
        recorded first make this one a duplicate, and its copy is removed."""
        try:
            with transaction.atomic():
                photo = self._photo(item, relative)
                photo.save(force_insert=True)
        except IntegrityError:
            winner = Photo.objects.filter(sha256=item.staged.sha256).first()
            if winner is None:
                raise
            if winner.path != relative:  # an object store's name is the same bytes': theirs now
                release_path(relative)
            logger.info("Duplicate (concurrent import): %s is photo %s", item.name, winner.pk)
            return PendingOutcome(item.name, item.staged.size, OutcomeStatus.DUPLICATE, photo=winner)
        return PendingOutcome(item.name, item.staged.size, OutcomeStatus.IMPORTED, photo=photo)

    def _photo(self, item: Prepared, relative: str) -> Photo:
        staged, metadata, file_format = item.staged, item.metadata, item.file_format
        return Photo(
            sha256=staged.sha256, edge_sha256=item.edge_sha256, kind=file_format.kind, original_name=item.name, name_key=match_key(item.name),
            path=relative,
            size=staged.size, format=file_format.name, mime_type=file_format.mime_type,
            width=metadata.width, height=metadata.height, orientation=metadata.orientation,
            duration=metadata.duration, **metadata.dating(), **metadata.place_fields(),
            taken_at_source=metadata.taken_at_source, camera_make=metadata.camera_make,
            camera_model=metadata.camera_model, **metadata.exposure_fields(), import_session=self.session,
            video_codecs=metadata.video_codecs, playback=metadata.playback,
            content_identifier=metadata.content_identifier, source_folder=item.source_folder,
            **embedded_video_fields(metadata.embedded_video),
        )

    @staticmethod
    def _pair(photo: Photo):
        """Joining a moment comes after the file is safely in: a failure to pair is logged, and
        the file stays imported as a photo of its own (the admin can link it by hand)."""
        try:
            pair_new_photo(photo)
        except DatabaseError:
            logger.exception("Could not pair photo %s with the other file of its moment", photo.pk)

    @staticmethod
    def _release(claimed):
        """Undo claims whose rows were not written: no file stays in the library unclaimed."""
        for _, relative in claimed:
            release_path(relative)

    def _fail_all(self, items, error) -> dict:
        return {id(item): self.record_failure(item.name, item.staged.size, error) for item in items}

    def _known_bytes(self, item: Prepared, existing: Photo) -> PendingOutcome:
        """Bytes already in the library: a duplicate, unless their photo is in the trash and the
        importer may see the trash, where importing them again means the person wants it back.
        To anyone else the trashed photo stays gone: no restore, and no link to it."""
        staged, name = item.staged, item.name
        if existing.trashed_at is not None:
            if not self._importer_sees(existing):
                logger.info("Duplicate of trashed photo %s, not restored for an ordinary user: %s", existing.pk, name)
                return PendingOutcome(name, staged.size, OutcomeStatus.DUPLICATE, error=IN_TRASH_NOTE)
            make_durable(staged)  # the restore may keep these very bytes
            if restore_from_trash(existing, staged.temp_path):
                logger.info("Restored from trash: %s is photo %s (%s)", name, existing.pk, existing.path)
                return PendingOutcome(name, staged.size, OutcomeStatus.IMPORTED, photo=existing, error=RESTORED_NOTE)
        logger.info("Duplicate: %s is photo %s (%s)", name, existing.pk, existing.path)
        return PendingOutcome(name, staged.size, OutcomeStatus.DUPLICATE, photo=existing)

    def _importer_sees(self, photo: Photo) -> bool:
        """The command line is run by the machine's operator, who has the library's files anyway:
        staff, as far as the trash goes. A web import is its session user's."""
        if self.session.source == ImportSource.CLI:
            return True
        return self.session.user is not None and photo.is_visible_to(self.session.user)

    def _record(self, entries: list[PendingOutcome]) -> list[FileResult]:
        """Outcomes and the session's counts in one transaction; the reporter hears each file once
        it is committed."""
        if not entries:
            return []
        results, counts = self._write(entries)
        transaction.on_commit(lambda: self._report(results, counts))
        return results

    def _write(self, entries: list[PendingOutcome]) -> tuple[list[FileResult], dict]:
        """The outcomes' rows and the session's new counts, in one transaction."""
        with transaction.atomic():
            outcomes = ImportOutcome.objects.bulk_create([
                ImportOutcome(session=self.session, original_name=entry.name, size=entry.size, status=entry.status,
                              error=entry.error, photo=entry.photo)
                for entry in entries
            ])
            increments = {}
            for entry in entries:
                field = COUNT_FIELDS[entry.status]
                increments[field] = increments.get(field, 0) + 1
            ImportSession.objects.filter(pk=self.session.pk).update(
                **{field: F(field) + count for field, count in increments.items()}
            )
            counts = self._counts()
        results = [FileResult(entry.name, entry.size, entry.status, entry.error, entry.photo.pk if entry.photo else None,
                              outcome.pk) for entry, outcome in zip(entries, outcomes, strict=True)]
        return results, counts

    def _counts(self) -> dict:
        """The session's running totals, {"imported": n, …}, as the reporter hears them."""
        counts = ImportSession.objects.values(*COUNT_FIELDS.values()).get(pk=self.session.pk)
        return {key.removesuffix("_count"): value for key, value in counts.items()}

    def _report(self, results: list[FileResult], counts: dict):
        """Files committed together are told together (one event for a web request's files, not
        one each: each event is a row in the event store and a message to every listener)."""
        if len(results) == 1:
            self.reporter.file_done(results[0], counts)
        else:
            self.reporter.files_done(results, counts)


# The process's upload threads, kept from one group (or web request) to the next: django-storages
# gives each thread a boto3 connection of its own, and building one loads botocore's service models
# (JSON, under the GIL). With new threads for every group of 32 files, that took a third of the
# upload threads' time (docs/benchmarks.md#a-library-on-an-object-store). No thread starts before
# the first upload, so a library on a disk never has one.
UPLOAD_POOL = ThreadPoolExecutor(settings.PHOTOSITE_IMPORT_JOBS, thread_name_prefix="upload")


def claim_all(items: list[Prepared]) -> list[str | OSError]:
    """Each item's place, or the OSError that refused it. In turn on a disk, where a claim is a
    link; a few at once into an object store, where each is an upload waiting on the network
    (the store, not the order, decides between two writers of one name)."""
    if kept_on_this_machine() or len(items) < 2:
        return [claim_or_error(item) for item in items]
    return list(UPLOAD_POOL.map(claim_or_error, items))


def claim_or_error(item: Prepared) -> str | OSError:
    try:
        return item.claim()
    except OSError as error:
        return error


def embedded_video_fields(video) -> dict:
    if video is None:
        return {}
    return {"embedded_video_offset": video.offset, "embedded_video_length": video.length}
