"""`manage.py edgehashes`: record the edge hash of the photos imported before it was kept, so
that the web import reads only the edges of a file whose size the library holds (not the whole
file). Safe to stop and run again; a photo with an edge hash is passed by."""
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from library.database import ensure_database
from library.services.edge_hashes import BATCH_SIZE, fill_edge_hashes, photos_without_edge_hash
from photosite.terminal import plain_stream


class Command(BaseCommand):
    help = "Read the first and last 64 KB of each photo imported before edge hashes were kept, and record their hash."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                            help="photos read and written per transaction (default: %(default)s)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        ensure_database(self.stdout)
        with tqdm(total=photos_without_edge_hash().count(), unit="file", file=plain_stream(self.stderr),
                  desc="reading edges", disable=options["no_progress"]) as bar:
            count = fill_edge_hashes(options["batch_size"], bar.update)
        self.stdout.write(self.style.SUCCESS(f"{count.filled} photo(s) given their edge hash"))
        if count.unreadable:
            self.stdout.write(self.style.WARNING(
                f"{count.unreadable} photo(s) whose file could not be read (see the log; `checklibrary` "
                "tells more): the web import hashes files of their sizes whole"))
