from django.apps import AppConfig


class ThumbnailsConfig(AppConfig):
    name = "thumbnails"

    def ready(self):
        """The library's signals reach this app's handlers (the library never imports it), and each
        django-q2 worker lowers its CPU priority as it starts. Importing `formats` registers its check."""
        from django_q.signals import post_spawn

        from . import formats  # noqa: F401 - registers the format check
        from .signal_handlers import register_signal_handlers
        from .tasks import lower_worker_priority

        register_signal_handlers()
        post_spawn.connect(lower_worker_priority, dispatch_uid="thumbnails.lower_worker_priority")
