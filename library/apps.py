from django.apps import AppConfig
from django.conf import settings


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "Photo library"

    def ready(self):
        """Pillow is configured once per process: HEIC/HEIF and JPEG XL support, and our own pixel
        limit in place of Pillow's default, so that a decompression bomb is refused everywhere alike."""
        import pillow_heif
        import pillow_jxl  # noqa: F401 - importing it registers its JPEG XL plugin with Pillow
        from PIL import Image

        pillow_heif.register_heif_opener()
        Image.MAX_IMAGE_PIXELS = settings.PHOTOSITE_MAX_IMAGE_PIXELS
        from library import checks, playback  # noqa: F401 - importing them registers the system checks
