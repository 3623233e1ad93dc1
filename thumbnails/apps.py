from django.apps import AppConfig


class ThumbnailsConfig(AppConfig):
    name = "thumbnails"
