"""`manage.py placephotos`: give the photos imported before places were kept the place their
files say (GPS), dated in the zone there as a new import would be. Safe to run again: a photo
with a place is passed by."""
from django.core.management.base import BaseCommand
from tqdm import tqdm

from library.curation.places import place_from_file
from library.database import ensure_database
from library.models import Photo
from photosite.terminal import plain_stream

BATCH = 500


class Command(BaseCommand):
    help = "Read the GPS position of photos imported before places were kept, and name their places."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        ensure_database(self.stdout)
        unplaced = Photo.objects.filter(latitude__isnull=True).order_by("id")
        placed = 0
        with tqdm(total=unplaced.count(), unit="file", file=plain_stream(self.stderr), desc="reading",
                  disable=options["no_progress"]) as bar:
            for photo in unplaced.iterator(chunk_size=BATCH):
                placed += place_from_file(photo)
                bar.update()
        self.stdout.write(self.style.SUCCESS(f"{placed} photo(s) placed from their GPS position"))
