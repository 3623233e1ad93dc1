"""`checklibrary --repair`: fixing what `library_check` found, without ever losing a picture.

Files are (re-)registered through the import pipeline, which alone decides their outcome, so a
repaired file obeys exactly the rules of a normal import (a repair session shows up among the
command-line imports). Nothing the site did not write is deleted: a file with no row is removed
only once the pipeline has a verified copy of the same bytes in the library, and rows whose file
is missing are reported, never deleted."""
import logging
from datetime import UTC, datetime

from library.check_report import CheckReport, Finding
from library.curation.file_moves import finish_move, is_taken, move_file, move_sidecar
from library.events.sse import SSEReporter
from library.importing.pipeline import ImportPipeline
from library.importing.staging import Origin, StagedFile, origin_of
from library.models import FileMove, ImportSession, ImportSource, OutcomeStatus, Photo, ResumableUpload
from library.originals import delete, local_copy, same_original, sha256_of
from library.paths import library_root

from .library_check import Kind, file_sha256

logger = logging.getLogger("photosite.library")

# The library's own kinds the repair acts on; the others are reported, never acted on.
REPAIRED_KINDS = {Kind.INTERRUPTED_MOVE, Kind.PARTIAL, Kind.STAGED, Kind.UNTRACKED, Kind.STALE_UPLOAD}


class Repairer:
    """Repairs the findings of one report; opens an import session only if a file needs one."""

    def __init__(self, report: CheckReport):
        self.report = report
        self.pipeline = None

    def run(self):
        # Moves first: until they are settled, their files look like strays.
        handlers = {Kind.INTERRUPTED_MOVE: self.settle_move, Kind.PARTIAL: self.remove_partial,
                    Kind.STAGED: self.import_staged, Kind.UNTRACKED: self.register,
                    Kind.STALE_UPLOAD: self.remove_stale_upload}
        for kind, handler in handlers.items():
            for finding in self.report.kept_of(kind):
                if not finding.repaired:
                    handler(finding)
        for finding in self.report.kept:
            if finding.repair is not None and not finding.repaired:
                self.mark(finding, finding.repair())  # another app's finding, e.g. an orphaned thumbnail
        if self.pipeline is not None:
            self.pipeline.finish()

    def session_pipeline(self) -> ImportPipeline:
        if self.pipeline is None:
            self.pipeline = ImportPipeline.start(ImportSource.CLI)
        return self.pipeline

    def remove_partial(self, finding: Finding):
        (library_root() / finding.path).unlink(missing_ok=True)
        self.mark(finding, "removed")
        logger.info("Removed partial temp file %s", finding.path)

    def remove_stale_upload(self, finding: Finding):
        path = library_root() / finding.path
        ResumableUpload.objects.filter(temp_name=path.name).delete()
        path.unlink(missing_ok=True)
        self.mark(finding, "removed")
        logger.info("Removed stale resumable upload %s", finding.path)

    def import_staged(self, finding: Finding):
        """A file received whole by a process that died before placing it: imported as what it
        was (its name and file time, into the session it was sent in, where that session's page
        hears of it) from the origin kept with it; without one, under its temp name, dated by
        when it was received, in the repair's own session."""
        path = library_root() / finding.path
        origin = origin_of(path) or Origin(path.name, session_id=None)
        session = ImportSession.objects.filter(pk=origin.session_id).first() if origin.session_id else None
        received = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        staged = StagedFile(path, origin.original_name, path.stat().st_size, file_sha256(path),
                            origin.source_mtime or received)
        pipeline = ImportPipeline(session, reporter=SSEReporter(session)) if session else self.session_pipeline()
        result = pipeline.import_staged(staged)
        self.mark(finding, f"import: {result.status}" + (f" ({result.error})" if result.error else "")
                  + (f" into import session {session.pk}" if session else ""))

    def register(self, finding: Finding):
        """A library file (or object) without a row: import a copy through the pipeline, then let
        the original go only if the library now holds its bytes under a row."""
        with local_copy(finding.path) as source:
            result = self.session_pipeline().import_path(source)
        if result.status == OutcomeStatus.FAILED:
            finding.repair_note = f"could not register it: {result.error}"
            return
        if result.status == OutcomeStatus.SKIPPED:
            finding.repair_note = f"left alone: {result.error}"
            return
        photo = Photo.objects.get(pk=result.photo_id)
        if photo.path == finding.path:
            self.mark(finding, "registered")
        else:
            self.settle_copy(finding, photo)

    def settle_copy(self, finding: Finding, photo: Photo):
        """`finding.path` holds the bytes of `photo`: it fills in the photo's missing file, or goes
        once the photo's own file is verified to hold the same bytes."""
        if not is_taken(photo.path) and move_file(finding.path, photo.path):
            self.mark(finding, f"restored the missing file of photo {photo.pk} ({photo.path})")
            self.report.count_repaired(Kind.MISSING, photo.pk, "restored from an unregistered copy")
            return
        if holds_bytes(photo.path, photo.sha256):
            delete(finding.path)  # a running import may have released it already
            self.mark(finding, f"registered as photo {photo.pk} ({photo.path})")
        else:
            finding.repair_note = f"same bytes as photo {photo.pk}, whose own file is damaged; kept"

    def settle_move(self, finding: Finding):
        """The file is at the journal's source or target (or both names, mid-move): finish the
        move when it reached the target, forget it when the file never left."""
        move = FileMove.objects.filter(pk=finding.move_id).first()
        if move is None:
            self.mark(finding, "finished meanwhile")
            return
        if is_taken(move.source) and is_taken(move.target) and same_original(move.source, move.target):
            delete(move.source)  # the move's copy (or link) is whole; only its removal of the source was cut off
        if is_taken(move.source):
            move.delete()
            self.mark(finding, "undone: the file never left its place")
        elif is_taken(move.target):
            move_sidecar(move)
            finish_move(move)
            self.mark(finding, f"finished: the file is at {move.target}")
        else:
            finding.repair_note = "the file is at neither place; journal kept"

    def mark(self, finding: Finding, note: str):
        self.report.mark_repaired(finding, note)


def holds_bytes(name: str, sha256: str) -> bool:
    try:
        return sha256_of(name) == sha256
    except FileNotFoundError:
        return False


def is_repairable(finding: Finding) -> bool:
    """Whether `repair` acts on this finding, so the report keeps it whole until then."""
    return finding.kind in REPAIRED_KINDS or finding.repair is not None


def repair(report: CheckReport):
    """Repairs the findings `report` kept (built with `keep=is_repairable`)."""
    Repairer(report).run()
    logger.info("Library repair done: %d finding(s) left", report.unrepaired())
