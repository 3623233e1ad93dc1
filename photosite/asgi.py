"""ASGI entry point: the site runs under uvicorn so Server-Sent-Event streams need no thread each
(library.events.route serves them once Django's view allowed them).

Request bodies of the upload route stream into its view as they arrive (photosite.streaming_body)
instead of being read whole first, as Django's own ASGIHandler does.

Static files are answered from memory by photosite.static_files, straight from the apps' static
folders: the site has a handful of them, so no `collectstatic` step and no extra dependency.
What it does not serve goes to Django's ASGIStaticFilesHandler. There a path that climbs out of
the folders (`/static/../x`) is a 404: Django's finders refuse it with SuspiciousFileOperation,
which the stock handler lets through as a 500 and a traceback.

Thumbnail cache hits are answered in front of both by `thumbnails.fast_path` (unless
PHOTOSITE_THUMBNAIL_FAST_PATH=0); it is imported once Django is set up, as it uses the site's
settings and models."""
import os

import django
from django.conf import settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photosite.settings")
django.setup(set_prefix=False)  # what django.core.asgi.get_asgi_application() does before its handler

from library.events.route import EventStreamRoute  # noqa: E402 - needs the set-up apps
from photosite.static_files import StaticFiles  # noqa: E402 - needs the set-up apps
from photosite.streaming_body import StreamingBodyASGIHandler  # noqa: E402 - needs the set-up apps


class StaticFilesHandler(ASGIStaticFilesHandler):
    def serve(self, request):
        try:
            response = super().serve(request)
        except SuspiciousFileOperation as error:
            raise Http404("no such static file") from error
        # Static files pass no middleware; a worker script runs under the policy of its own
        # response (the import page's hashing worker), so they carry one.
        response["Content-Security-Policy"] = settings.PHOTOSITE_STATIC_CONTENT_SECURITY_POLICY
        return response


application = StaticFiles(EventStreamRoute(StaticFilesHandler(StreamingBodyASGIHandler())))

if settings.PHOTOSITE_THUMBNAIL_FAST_PATH:
    from thumbnails.fast_path import ThumbnailFastPath

    application = ThumbnailFastPath(application)
