"""Where things live inside the library folder. Read from settings on each call, so a test
(or a deployment) can point the library elsewhere without restarting anything."""
from pathlib import Path

from django.conf import settings

IMPORT_TEMP_DIR = ".import_temp"
LOGS_DIR = ".logs"  # photosite/log_handlers.py writes here
TRASH_DIR = ".trash"


def library_root() -> Path:
    return Path(settings.PHOTOSITE_LIBRARY_ROOT)


def import_temp_dir() -> Path:
    path = library_root() / IMPORT_TEMP_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def absolute_path(relative_path: str) -> Path:
    """The file of a Photo. `relative_path` always comes from our own database row, never from a user."""
    return library_root() / relative_path
