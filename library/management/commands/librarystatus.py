"""`manage.py librarystatus`: photos, videos, thumbnails and the background queue at a glance."""
from django.conf import settings
from django.core.management.base import BaseCommand
from django.template.defaultfilters import filesizeformat
from redis import RedisError

from library.services import status
from thumbnails.formats import made_ahead_specs
from thumbnails.status import thumbnail_counts


class Command(BaseCommand):
    help = "Show the library's photos, videos, thumbnail cache and background queue."

    def handle(self, *args, **options):
        media = status.media_counts()
        self.line("Library", str(settings.PHOTOSITE_LIBRARY_ROOT))
        self.line("Photos", media["photos"])
        self.line("Videos", media["videos"])
        self.line("In the trash", media["trashed"])
        for spec in made_ahead_specs():
            counts = thumbnail_counts(spec)
            self.line(f"Thumbnails {spec}", f"{counts['cached']} cached, {counts['missing']} missing, "
                                            f"{counts['failed']} failed")
        files, size = status.cache_size()
        self.line("Thumbnail cache", f"{files} files, {filesizeformat(size)} ({size} bytes)")
        self.show_queue()

    def show_queue(self):
        try:
            queue = status.queue_counts()
        except RedisError as error:
            self.line("Background queue", self.style.ERROR(f"unreachable: {error}"))
            return
        self.line("Background queue", f"{queue.waiting} waiting, {queue.in_progress} in progress ({queue.broker})")
        failed = f"{queue.failed} (see the admin's Failed tasks)" if queue.failed else "0"
        self.line("Failed tasks", self.style.WARNING(failed) if queue.failed else failed)

    def line(self, label, value):
        self.stdout.write(f"{label + ':':<26} {value}")
