"""ASGI entry point: the site runs under uvicorn so Server-Sent-Event streams need no thread each."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photosite.settings")
application = get_asgi_application()
