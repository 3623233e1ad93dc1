"""A log handler that writes into `<library>/.logs/`, resolved when each record is written.

Resolving late (not when settings load) lets the file name carry today's date
(`import_YYYYMMDD.log` rolls over at midnight) and lets tests point the library
elsewhere with the `settings` fixture."""
import logging
from datetime import datetime
from pathlib import Path

from django.conf import settings


class LibraryLogHandler(logging.Handler):
    def __init__(self, filename_pattern, level=logging.NOTSET):
        super().__init__(level)
        self.filename_pattern = filename_pattern

    def current_path(self):
        name = datetime.now().strftime(self.filename_pattern)
        return Path(settings.PHOTOSITE_LIBRARY_ROOT) / ".logs" / name

    def emit(self, record):
        try:
            path = self.current_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            line = self.format(record)
            with open(path, "a", encoding="utf-8", errors="backslashreplace") as log_file:
                log_file.write(line + "\n")
        except Exception:  # noqa: BLE001 - logging.Handler's contract: never raise from emit
            self.handleError(record)
