"""`manage.py pregenerate`: make missing thumbnails now, here (in parallel processes), then the
missing web renditions of the selected videos that need one (one at a time: the encoder uses
every core), or hand both to the background workers with `--queue`. `--kind video` makes the
videos' thumbnails and renditions only."""
import os
import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from library.models import ImportSession, MediaKind
from library.services.database import ensure_database
from library.video_playback import videos_served_renditions
from photosite.terminal import plain_stream
from thumbnails import pregeneration
from thumbnails.formats import made_ahead_spec, made_ahead_specs
from thumbnails.specs import SIZES, InvalidSpecError
from thumbnails.tasks import queue_photos, queue_renditions


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
        photo_ids = list(selection.values_list("id", flat=True))
        videos = list(videos_served_renditions(selection).only("id", "duration"))
        if not photo_ids:
            self.stdout.write("No photos match; nothing to do.")
            return
        if options["queue"]:
            tasks = queue_photos(photo_ids, specs, options["force"])
            renditions = queue_renditions(videos, options["force"])
            self.stdout.write(self.style.SUCCESS(f"Queued {len(photo_ids)} photos in {tasks} tasks "
                                                 f"and {renditions} video renditions for the workers."))
            return
        started = time.monotonic()
        with tqdm(total=len(photo_ids), unit="photo", file=plain_stream(self.stderr), disable=options["no_progress"]) as bar:
            if options["jobs"] == 1:
                tally = pregeneration.pregenerate(photo_ids, specs, options["force"], bar.update)
            else:
                tally = pregeneration.pregenerate_in_processes(
                    photo_ids, specs, options["force"], options["jobs"], bar.update)
        self.print_summary(tally, len(photo_ids), time.monotonic() - started, "thumbnails")
        if videos:
            self.make_renditions(videos, options)

    def make_renditions(self, videos, options):
        started = time.monotonic()
        with tqdm(total=len(videos), unit="video", file=plain_stream(self.stderr), disable=options["no_progress"]) as bar:
            tally = pregeneration.pregenerate_renditions([video.pk for video in videos], options["force"], bar.update)
        self.print_summary(tally, len(videos), time.monotonic() - started, "web renditions", "videos")

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
            raise CommandError(f"{tally.failed} {made} failed; the causes are in .logs/errors.log")
        self.stdout.write(self.style.SUCCESS(summary))


def parse_since(text):
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--since: not a date: {text!r} (use YYYY-MM-DD)") from error
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
