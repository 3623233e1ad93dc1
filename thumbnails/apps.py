from django.apps import AppConfig


class ThumbnailsConfig(AppConfig):
    name = "thumbnails"

    def ready(self):
        """The library's signals reach this app's handlers (the library never imports it), and each
        django-q2 worker lowers its CPU priority as it starts. Importing `formats` registers its check."""
        from . import formats  # noqa: F401 - registers the format check
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()
