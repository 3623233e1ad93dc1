from django.apps import AppConfig


class ThumbnailsConfig(AppConfig):
    name = "thumbnails"

    def ready(self):
        """Background pre-generation: a finished import queues its thumbnails, and each django-q2
        worker lowers its CPU priority as it starts. Importing `formats` registers its check."""
        from django_q.signals import post_spawn

        from library.signals import import_session_finished

        from . import formats  # noqa: F401 - registers the format check
        from .tasks import lower_worker_priority, queue_session

        import_session_finished.connect(queue_session, dispatch_uid="thumbnails.queue_session")
        post_spawn.connect(lower_worker_priority, dispatch_uid="thumbnails.lower_worker_priority")
