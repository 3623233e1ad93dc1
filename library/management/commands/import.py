"""`manage.py import PATH [PATH …]`: bring files and folders into the library; with `--watch`,
keep running and import what appears in the folders."""
import contextlib
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from library.database import ensure_database
from library.importing.pipeline import ImportPipeline
from library.importing.progress_bar import ProgressBarReporter
from library.importing.sources import iter_source_files
from library.importing.sync_batches import import_sources
from library.models import ImportSource, OutcomeStatus
from library.paths import LOGS_DIR
from photosite.terminal import plain_stream

# Files passed by are listed up to this many: a Lightroom export has a sidecar for every photo.
SKIPPED_LISTED = 20


class Command(BaseCommand):
    help = "Import photos and videos (files or folders, recursively) into the library. Sources are copied, never changed."
    # The system checks load every URLconf, view and admin module before the first byte is copied
    # (bench/bench_import.py has what that costs). `serve` runs them; an import needs none of them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="files or folders to import")
        parser.add_argument("--move", action="store_true", help="delete each source file once it is safely in the library")
        parser.add_argument("--jobs", type=int, default=settings.PHOTOSITE_IMPORT_JOBS,
                            help="files handled at once (default: %(default)s)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (for scripts and logs)")
        parser.add_argument("--watch", action="store_true",
                            help="keep running: import each file that appears in the folders once it is complete")
        parser.add_argument("--poll", action="store_true", default=settings.PHOTOSITE_WATCH_POLL,
                            help="with --watch: look for changes every second instead of waiting for the system's "
                                 "events (network filesystems, where those never arrive)")
        parser.add_argument("--settle", type=float, default=settings.PHOTOSITE_WATCH_SETTLE_SECONDS,
                            help="with --watch: seconds a file's size and time must stay the same before it is "
                                 "taken (default: %(default)s)")

    def handle(self, *args, **options):
        if options["jobs"] < 1:
            raise CommandError("--jobs must be at least 1")
        ensure_database(self.stdout)
        if options["watch"]:
            return self.watch(options)
        sources = list(iter_source_files(options["paths"]))
        if not sources:
            self.stdout.write(self.style.WARNING("Nothing to import: no files found in the given paths."))
            return
        reporter = ProgressBarReporter(total=len(sources), stream=plain_stream(self.stderr), enabled=not options["no_progress"])
        pipeline = ImportPipeline.start(ImportSource.CLI, reporter=reporter)
        with interruptible() as stop:
            results = import_sources(pipeline, sources, options["jobs"], options["move"], stop)
        session = pipeline.finish()
        reporter.close()
        self.print_summary(session, sources, results)
        if stop.is_set():
            raise CommandError(f"interrupted: {len(sources) - len(results)} file(s) not imported; run it again for them")
        if session.failed_count:
            raise CommandError(f"{session.failed_count} file(s) failed; see the list above and {LOGS_DIR}/errors.log")

    def watch(self, options):
        from library.importing.watch import WatchFolder  # watchdog: not for the start-up of every import

        folders = [Path(path) for path in options["paths"]]
        if missing := [str(folder) for folder in folders if not folder.is_dir()]:
            raise CommandError(f"--watch needs folders; not a folder: {', '.join(missing)}")
        watcher = WatchFolder(folders, move=options["move"], poll=options["poll"], settle_seconds=options["settle"],
                              jobs=options["jobs"], on_results=self.print_batch)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: watcher.stop())
        self.stdout.write(f"Watching {', '.join(map(str, folders))} ({'polling' if options['poll'] else 'events'}); "
                          "Ctrl-C stops.")
        watcher.run()
        self.stdout.write("Stopped watching.")

    def print_batch(self, results):
        counts = {status: sum(result.status == status for result in results) for status in OutcomeStatus.values}
        self.print_outcomes([(result.name, result) for result in results])
        self.stdout.write(f"{counts['imported']} imported, {counts['duplicate']} duplicate, {counts['failed']} failed, "
                          f"{counts['skipped']} skipped")

    def print_outcomes(self, named_results):
        """Files passed by (sidecars, text), plainly and the first few only; then every failure."""
        skipped = [(name, result) for name, result in named_results if result.status == OutcomeStatus.SKIPPED]
        for name, result in skipped[:SKIPPED_LISTED]:
            self.stdout.write(f"skipped: {name}: {result.error}")
        if len(skipped) > SKIPPED_LISTED:
            self.stdout.write(f"…and {len(skipped) - SKIPPED_LISTED} more skipped (all are in the import log in {LOGS_DIR}/)")
        for name, result in named_results:
            if result.status == OutcomeStatus.FAILED:
                self.stdout.write(self.style.WARNING(f"failed: {name}: {result.error}"))

    def print_summary(self, session, sources, results):
        # An interrupted import has results for the first sources only (they are taken in order).
        self.print_outcomes([(source.shown, result) for source, result in zip(sources[:len(results)], results,
                                                                               strict=True)])
        summary = (
            f"Import session {session.pk}: {session.imported_count} imported, {session.duplicate_count} duplicate, "
            f"{session.failed_count} failed, {session.skipped_count} skipped (not photos or videos) "
            f"in {session.duration_seconds:.1f} s"
        )
        self.stdout.write(self.style.SUCCESS(summary) if not session.failed_count else self.style.WARNING(summary))
        self.stdout.write(f"Library: {Path(settings.PHOTOSITE_LIBRARY_ROOT)}")


@contextlib.contextmanager
def interruptible():
    """Ctrl-C finishes the files under way (so every file placed gets its row) and starts no more;
    a second Ctrl-C stops at once, as a crash would (`checklibrary --repair` tidies up)."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # only the main thread takes signals
        yield stop
        return
    previous = signal.getsignal(signal.SIGINT)

    def interrupted(*_):
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, interrupted)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
