"""`manage.py import PATH [PATH …]`: bring files and folders into the library."""
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from library.importing.pipeline import ImportPipeline
from library.importing.progress_bar import ProgressBarReporter
from library.importing.sources import iter_source_files
from library.models import ImportSource, OutcomeStatus
from library.services.database import ensure_database


class Command(BaseCommand):
    help = "Import photos and videos (files or folders, recursively) into the library. Sources are copied, never changed."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="files or folders to import")
        parser.add_argument("--move", action="store_true", help="delete each source file once it is safely in the library")
        parser.add_argument("--jobs", type=int, default=settings.PHOTOSITE_IMPORT_JOBS,
                            help="files handled at once (default: %(default)s)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (for scripts and logs)")

    def handle(self, *args, **options):
        if options["jobs"] < 1:
            raise CommandError("--jobs must be at least 1")
        ensure_database(self.stdout)
        sources = list(iter_source_files(options["paths"]))
        if not sources:
            self.stdout.write(self.style.WARNING("Nothing to import: no files found in the given paths."))
            return
        reporter = ProgressBarReporter(total=len(sources), stream=self.stderr, enabled=not options["no_progress"])
        pipeline = ImportPipeline.start(ImportSource.CLI, reporter=reporter)
        with ThreadPoolExecutor(max_workers=options["jobs"]) as pool:
            results = list(pool.map(lambda source: self.import_one(pipeline, source, options["move"]), sources))
        session = pipeline.finish()
        reporter.close()
        self.print_summary(session, sources, results)
        if session.failed_count:
            raise CommandError(f"{session.failed_count} file(s) failed; see the list above and .logs/errors.log")

    @staticmethod
    def import_one(pipeline, source, move):
        try:
            if source.problem:
                return pipeline.record_failure(str(source.path), None, source.problem)
            result = pipeline.import_path(source.path)
            if move and result.status != OutcomeStatus.FAILED:
                os.unlink(source.path)
            return result
        finally:
            close_old_connections()

    def print_summary(self, session, sources, results):
        for source, result in zip(sources, results, strict=True):
            if result.status == OutcomeStatus.FAILED:
                self.stdout.write(self.style.WARNING(f"failed: {source.shown}: {result.error}"))
        summary = (
            f"Import session {session.pk}: {session.imported_count} imported, {session.duplicate_count} duplicate, "
            f"{session.failed_count} failed in {session.duration_seconds:.1f} s"
        )
        self.stdout.write(self.style.SUCCESS(summary) if not session.failed_count else self.style.WARNING(summary))
        self.stdout.write(f"Library: {Path(settings.PHOTOSITE_LIBRARY_ROOT)}")
