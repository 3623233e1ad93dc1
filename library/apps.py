from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "Photo library"

    def ready(self):
        """Pillow is configured once per process: HEIC/HEIF and JPEG XL support (their libraries
        loaded when a file of theirs first comes), and our own pixel limit in place of Pillow's
        default, so that a decompression bomb is refused everywhere alike."""
        from PIL import Image

        from library.media import pillow_plugins

        pillow_plugins.register()
        Image.MAX_IMAGE_PIXELS = settings.PHOTOSITE_MAX_IMAGE_PIXELS
        from library import (  # noqa: F401 - importing them registers the system checks
            checks,
            photo_tally,
            playback,
            tallies,
        )

        post_migrate.connect(tallies.recounted_after_flush(photo_tally.TALLY), sender=self, weak=False)
        from library.services import library_version

        library_version.connect()
