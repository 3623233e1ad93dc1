"""ASGI entry point: the site runs under uvicorn so Server-Sent-Event streams need no thread each.

Static files are served by Django's ASGIStaticFilesHandler straight from the apps' static
folders: the site has a handful of them, so no `collectstatic` step and no extra dependency."""
import os

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photosite.settings")
application = ASGIStaticFilesHandler(get_asgi_application())
