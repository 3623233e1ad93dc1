"""`manage.py librarystatus`: photos, videos, other apps' lines (thumbnails) and the background
queue at a glance."""
from django.core.management.base import BaseCommand

from library.database import ensure_database
from library.services import status
from photosite.broker_errors import broker_errors


class Command(BaseCommand):
    help = "Show the library's photos, videos, thumbnail cache and background queue."
    # The system checks load every URLconf, view and template tag library (bench/bench_startup.py
    # has what that costs); `serve` and `check` run them, a status needs none of them.
    requires_system_checks = []

    def handle(self, *args, **options):
        ensure_database(self.stdout)
        media = status.media_counts()
        self.line("Photos", media["photos"])
        self.line("Videos", media["videos"])
        self.line("In the trash", media["trashed"])
        for label, value in status.other_apps_lines():
            self.line(label, value)
        self.show_queue()

    def show_queue(self):
        try:
            queue = status.queue_counts()
        except broker_errors() as error:
            self.line("Background queue", self.style.ERROR(f"unreachable: {error}"))
            return
        self.line("Background queue", f"{queue.waiting} waiting, {queue.in_progress} in progress ({queue.broker})")
        if queue.clusters:
            self.line("Workers", f"{queue.clusters} cluster(s) running")
        else:
            idle = "; the waiting tasks run when workers start" if queue.waiting else ""
            self.line("Workers", self.style.WARNING(
                f"none running (`manage.py serve` starts them, or `manage.py qcluster`){idle}"))
        failed = f"{queue.failed} (see the admin's Failed tasks)" if queue.failed else "0"
        self.line("Failed tasks", self.style.WARNING(failed) if queue.failed else failed)

    def line(self, label, value):
        self.stdout.write(f"{label + ':':<26} {value}")
