"""Where things live inside the library folder. Read from settings on each call, so a test
(or a deployment) can point the library elsewhere without restarting anything."""
from pathlib import Path

from django.conf import settings

IMPORT_TEMP_DIR = ".import_temp"
LOGS_DIR = ".logs"  # photosite/log_handlers.py writes here
TRASH_DIR = ".trash"
# An XMP sidecar kept beside its original: `2024-01-31/img_20240131_<hash>.jpg.xmp`, moved with it.
SIDECAR_SUFFIX = ".xmp"


def library_root() -> Path:
    return Path(settings.PHOTOSITE_LIBRARY_ROOT)


def import_temp_dir() -> Path:
    path = library_root() / IMPORT_TEMP_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def absolute_path(relative_path: str) -> Path:
    """The file of a Photo. `relative_path` always comes from our own database row, never from a user."""
    return library_root() / relative_path


def sidecar_path(relative_path: str) -> str:
    """Where the XMP sidecar of the original at `relative_path` is kept (it may not exist)."""
    return relative_path + SIDECAR_SUFFIX
