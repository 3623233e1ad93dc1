from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ThumbnailsConfig(AppConfig):
    name = "thumbnails"

    def ready(self):
        """The library's signals reach this app's handlers (the library never imports it), and each
        django-q2 worker lowers its CPU priority as it starts. Importing `formats` registers its check."""
        from library import tallies

        from . import (
            formats,  # noqa: F401 - registers the format check
            rendition_tally,
        )
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()
        post_migrate.connect(tallies.recounted_after_flush(rendition_tally.TALLY), sender=self, weak=False)
