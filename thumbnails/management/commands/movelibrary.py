"""`manage.py movelibrary s3://bucket/prefix`: copy the library kept in its folder (originals,
their sidecars, the renditions) to an S3-compatible object store, checking each original's
SHA-256 against its row; then say which setting switches the site over. Safe to stop and run
again: what is in the store already is passed by. The library folder is left as it was."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from library.database import ensure_database
from library.library_move import MoveCount, move_originals
from library.models import Photo
from photosite.storage_url import StorageUrlError, object_storage_entry
from photosite.terminal import plain_stream
from thumbnails.rendition_move import move_renditions, rendition_files


class Command(BaseCommand):
    help = "Copy the library's originals and renditions to an S3-compatible object store (s3://bucket/prefix)."

    def add_arguments(self, parser):
        parser.add_argument("url", help="where to: s3://bucket/prefix")
        parser.add_argument("--endpoint-url", default=settings.PHOTOSITE_S3_ENDPOINT_URL,
                            help="the store's address, for a store other than AWS (default: PHOTOSITE_S3_ENDPOINT_URL)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, url, endpoint_url, no_progress, **options):
        if settings.PHOTOSITE_STORAGE_URL:
            raise CommandError(f"the library is already in an object store ({settings.PHOTOSITE_STORAGE_URL})")
        try:
            object_storage_entry(url, endpoint_url, "")
        except StorageUrlError as error:
            raise CommandError(str(error)) from error
        ensure_database(self.stdout)
        count = MoveCount()
        total = Photo.objects.count() + sum(1 for _ in rendition_files())
        with tqdm(total=total, unit="file", file=plain_stream(self.stderr), desc="copying",
                  disable=no_progress) as bar:
            move_originals(url, endpoint_url, count, lambda: bar.update(1))
            move_renditions(url, endpoint_url, count, lambda: bar.update(1))
        self.stdout.write(f"{count.copied} file(s) copied, {count.already_there} already in the store")
        for problem in count.problems:
            self.stdout.write(self.style.WARNING(problem))
        if count.problems:
            raise CommandError(f"{len(count.problems)} file(s) not copied; mend them and run movelibrary again")
        endpoint = f" PHOTOSITE_S3_ENDPOINT_URL={endpoint_url}" if endpoint_url else ""
        self.stdout.write(self.style.SUCCESS(
            f"The library is in the store. To use it, restart the site with PHOTOSITE_STORAGE_URL={url}{endpoint} "
            "(and the same AWS_* credentials); the library folder's copies can go once it serves."))
