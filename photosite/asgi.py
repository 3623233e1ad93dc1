"""ASGI entry point: the site runs under uvicorn so Server-Sent-Event streams need no thread each.

Static files are served by Django's ASGIStaticFilesHandler straight from the apps' static
folders: the site has a handful of them, so no `collectstatic` step and no extra dependency.

Thumbnail cache hits are answered in front of both by `thumbnails.fast_path` (unless
PHOTOSITE_THUMBNAIL_FAST_PATH=0); it is imported once Django is set up, as it uses the site's
settings and models."""
import os

from django.conf import settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photosite.settings")
application = ASGIStaticFilesHandler(get_asgi_application())

if settings.PHOTOSITE_THUMBNAIL_FAST_PATH:
    from thumbnails.fast_path import ThumbnailFastPath

    application = ThumbnailFastPath(application)
