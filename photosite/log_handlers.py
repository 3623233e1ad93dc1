"""A log handler that writes into `<library>/.logs/`, resolved when each record is written.

Resolving late (not when settings load) lets the file name carry today's date
(`import_YYYYMMDD.log` rolls over at midnight) and lets tests point the library
elsewhere with the `settings` fixture."""
import logging
import os
import sys
from datetime import datetime

from library.paths import logs_dir


class LibraryLogHandler(logging.Handler):
    """Keeps the current file open between records (opening, creating the folder and closing for
    each one cost the import of 240 photos half a second on its critical path), and opens it
    again when the name changes or the file was moved or deleted (log rotation)."""

    def __init__(self, filename_pattern, level=logging.NOTSET):
        super().__init__(level)
        self.filename_pattern = filename_pattern
        self.unwritable_reported = False
        self.log_file = None
        self.log_path = None

    def current_path(self):
        name = datetime.now().astimezone().strftime(self.filename_pattern)
        return logs_dir() / name

    def emit(self, record):
        try:
            line = self.format(record)
            log_file = self.open_file(self.current_path())
            log_file.write(line + "\n")
            log_file.flush()
        except OSError as error:
            self.report_unwritable(error)
        except Exception:  # noqa: BLE001 - logging.Handler's contract: never raise from emit
            self.handleError(record)

    def open_file(self, path):
        if self.log_file is not None and path == self.log_path and self.still_there():
            return self.log_file
        self.close_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.log_file = open(path, "a", encoding="utf-8", errors="backslashreplace")  # noqa: SIM115 - kept open
        self.log_path = path
        return self.log_file

    def still_there(self):
        try:
            on_disk = os.stat(self.log_path)
        except OSError:
            return False
        mine = os.fstat(self.log_file.fileno())
        return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)

    def close_file(self):
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None

    def close(self):
        self.acquire()
        try:
            self.close_file()
        finally:
            self.release()
        super().close()

    def report_unwritable(self, error):
        """A full or read-only disk: say so once on stderr, not with a traceback per record (which
        would bury the import's own per-file messages, the ones that name the problem)."""
        if not self.unwritable_reported:
            self.unwritable_reported = True
            sys.stderr.write(f"photosite: cannot write the log in {logs_dir()}: "
                             f"{error.strerror or error}\n")


TERMINAL_FD_ENV = "PHOTOSITE_TERMINAL_FD"


class TerminalHandler(logging.StreamHandler):
    """The console handler: the terminal `serve` runs in, even from its children.

    `serve` sends each child's own stdout and stderr to a file in `.logs/` — C libraries (LibRaw's
    "data corrupted" lines) and anything else that writes there would otherwise fill the
    terminal — and hands the children its terminal as an extra descriptor, named by
    PHOTOSITE_TERMINAL_FD, for the warnings worth a person's attention. Elsewhere: stderr."""

    def __init__(self, level=logging.NOTSET):
        descriptor = os.environ.get(TERMINAL_FD_ENV)
        stream = None
        if descriptor:
            try:
                stream = open(int(descriptor), "w", buffering=1, closefd=False)  # noqa: SIM115 - lives with the process
            except (OSError, ValueError):
                stream = None
        super().__init__(stream)
        self.setLevel(level)


class SkipLoggers(logging.Filter):
    """Drops the records of the named loggers (and their children), for one handler only: the
    records still reach the others, and tests' log capture."""

    def __init__(self, names=()):
        super().__init__()
        self.prefixes = tuple(names)

    def filter(self, record):
        return not any(record.name == name or record.name.startswith(name + ".") for name in self.prefixes)
