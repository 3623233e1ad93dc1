"""`manage.py pregenerate`: make missing thumbnails now, here (in parallel processes), then the
missing web renditions of the selected videos that need one (one at a time: the encoder uses
every core), or hand both to the background workers with `--queue`. `--kind video` makes the
videos' thumbnails and renditions only."""
import os
import signal
import time
from contextlib import contextmanager
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from library.database import ensure_database
from library.models import ImportSession, MediaKind
from library.paths import LOGS_DIR
from library.playback import videos_served_renditions
from photosite.terminal import plain_stream
from thumbnails import pregeneration
from thumbnails.formats import made_ahead_spec, made_ahead_specs
from thumbnails.specs import SIZES, InvalidSpecError
from thumbnails.tasks import queue_photos, queue_renditions

# The exit status of a command a Ctrl-C ended (128 + SIGINT), as shells report it.
INTERRUPTED = 130
STOPPING = "Stopping: the files being made are finished, no other is started (Ctrl-C again to stop at once)"


class Command(BaseCommand):
    help = "Make the missing thumbnails of the library (or of a session, a date range, a kind)."

    def add_arguments(self, parser):
        parser.add_argument("--session", type=int, help="only the photos of this import session")
        parser.add_argument("--since", help="only photos imported on or after this date (YYYY-MM-DD[THH:MM])")
        parser.add_argument("--kind", choices=MediaKind.values, help="only photos or only videos")
        parser.add_argument("--size", action="append", choices=list(SIZES),
                            help="thumbnail size to make (repeatable; default: PHOTOSITE_PREGENERATE_SIZES)")
        parser.add_argument("--force", action="store_true", help="remake thumbnails (and renditions) that already exist")
        parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                            help="processes to run here (default: all cores, %(default)s)")
        parser.add_argument("--queue", action="store_true", help="queue the work for the background workers instead")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (for scripts and logs)")

    def handle(self, *args, **options):
        if options["jobs"] < 1:
            raise CommandError("--jobs must be at least 1")
        ensure_database(self.stdout)
        specs = self.specs(options["size"])
        selection = self.selection(options)
        count = selection.count()
        if not count:
            self.stdout.write("No photos match; nothing to do.")
            return
        videos = videos_served_renditions(selection)
        if options["queue"]:
            tasks = queue_photos(selection, count, specs, options["force"])
            renditions = queue_renditions(videos, options["force"])
            self.stdout.write(self.style.SUCCESS(f"Queued {count} photos in {tasks} tasks "
                                                 f"and {renditions} video renditions for the workers."))
            return
        stop = pregeneration.new_stop_event()
        with stopped_by_interrupts(stop, lambda: self.stdout.write(STOPPING)):
            started = time.monotonic()
            tally = self.make_thumbnails(selection, count, specs, stop, options)
            if stop.is_set():
                self.interrupted(tally, "thumbnails")
            self.print_summary(tally, count, time.monotonic() - started, "thumbnails")
            if videos.exists():
                self.make_renditions(videos, stop, options)

    def make_thumbnails(self, selection, count, specs, stop, options):
        batches = pregeneration.id_batches(selection)
        with tqdm(total=count, unit="photo", file=plain_stream(self.stderr), disable=options["no_progress"]) as bar:
            if options["jobs"] > 1:
                return pregeneration.pregenerate_in_processes(
                    batches, count, specs, options["force"], options["jobs"], stop, bar.update)
            tally = pregeneration.Tally()
            for ids in batches:
                tally.add(pregeneration.pregenerate(ids, specs, options["force"], bar.update, stopping=stop.is_set))
                if stop.is_set():
                    break
            return tally

    def make_renditions(self, videos, stop, options):
        """One video at a time, asking `stop` between them: an encode takes minutes."""
        started = time.monotonic()
        count = videos.count()
        tally = pregeneration.Tally()
        with tqdm(total=count, unit="video", file=plain_stream(self.stderr), disable=options["no_progress"]) as bar:
            for ids in pregeneration.id_batches(videos):
                for video_id in ids:
                    if stop.is_set():
                        self.interrupted(tally, "web renditions")
                    tally.add(pregeneration.pregenerate_renditions([video_id], options["force"], bar.update))
        self.print_summary(tally, count, time.monotonic() - started, "web renditions", "videos")

    def interrupted(self, tally, made):
        self.stdout.write(self.style.WARNING(
            f"Interrupted: {tally.made} {made} made, {tally.skipped} already there, {tally.failed} failed; "
            "the files being made were finished and nothing else was started"))
        raise CommandError("interrupted (Ctrl-C)", returncode=INTERRUPTED)

    def selection(self, options):
        session_id = options["session"]
        if session_id is not None and not ImportSession.objects.filter(pk=session_id).exists():
            raise CommandError(f"there is no import session {session_id}")
        since = parse_since(options["since"]) if options["since"] else None
        return pregeneration.select_photos(session_id=session_id, since=since, kind=options["kind"])

    @staticmethod
    def specs(sizes):
        if not sizes:
            return made_ahead_specs()
        try:
            return [made_ahead_spec(size) for size in sizes]
        except InvalidSpecError as error:
            raise CommandError(str(error)) from error

    def print_summary(self, tally, photos, seconds, made="thumbnails", items="photos"):
        """Fails (exit 1) only for what failed in this run: earlier failures still in their back-off
        were not tried, and are counted apart."""
        summary = (f"{photos} {items}: {tally.made} {made} made, {tally.skipped} already there, "
                   f"{tally.failed} failed in {seconds:.1f} s")
        if tally.waiting:
            summary += (f"; {tally.waiting} that failed earlier wait for their retry "
                        "(the gallery tries them again when due; --force tries now)")
        if tally.failed:
            self.stdout.write(self.style.WARNING(summary))
            raise CommandError(f"{tally.failed} {made} failed; the causes are in {LOGS_DIR}/errors.log")
        self.stdout.write(self.style.SUCCESS(summary))


@contextmanager
def stopped_by_interrupts(stop, on_first):
    """A first Ctrl-C sets `stop` (and calls `on_first`): no new file is started, the ones being
    made are finished. A second one stops at once (KeyboardInterrupt; the pool's processes end)."""
    def on_interrupt(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        on_first()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    except KeyboardInterrupt:
        raise CommandError("stopped at once (a second Ctrl-C)", returncode=INTERRUPTED) from None
    finally:
        signal.signal(signal.SIGINT, previous)


def parse_since(text):
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--since: not a date: {text!r} (use YYYY-MM-DD)") from error
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
