"""A log handler that writes into `<library>/.logs/`, resolved when each record is written.

Resolving late (not when settings load) lets the file name carry today's date
(`import_YYYYMMDD.log` rolls over at midnight) and lets tests point the library
elsewhere with the `settings` fixture."""
import logging
import sys
from datetime import datetime
from pathlib import Path

from library.paths import LOGS_DIR, library_root


class LibraryLogHandler(logging.Handler):
    def __init__(self, filename_pattern, level=logging.NOTSET):
        super().__init__(level)
        self.filename_pattern = filename_pattern
        self.unwritable_reported = False

    def current_path(self):
        name = datetime.now().astimezone().strftime(self.filename_pattern)
        return logs_dir() / name

    def emit(self, record):
        try:
            path = self.current_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            line = self.format(record)
            with open(path, "a", encoding="utf-8", errors="backslashreplace") as log_file:
                log_file.write(line + "\n")
        except OSError as error:
            self.report_unwritable(error)
        except Exception:  # noqa: BLE001 - logging.Handler's contract: never raise from emit
            self.handleError(record)

    def report_unwritable(self, error):
        """A full or read-only disk: say so once on stderr, not with a traceback per record (which
        would bury the import's own per-file messages, the ones that name the problem)."""
        if not self.unwritable_reported:
            self.unwritable_reported = True
            sys.stderr.write(f"photosite: cannot write the log in {logs_dir()}: "
                             f"{error.strerror or error}\n")


def logs_dir() -> Path:
    return library_root() / LOGS_DIR
