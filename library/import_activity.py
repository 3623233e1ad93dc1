"""Whether an import is running right now, as seen from any process or machine that shares the
library folder: every file an import stages is created, renamed and removed in `.import_temp/`,
and each of those changes the folder's modification time. One `stat()`, no database.

Background workers ask this between thumbnails and step aside while an import runs, so an
import keeps its speed (a lower CPU priority alone does not keep workers off the disk)."""
import time

from library.paths import import_temp_dir

# An import touches .import_temp several times a second; this long without a touch means none runs.
QUIET_SECONDS = 2.0
POLL_SECONDS = 0.25


def import_is_active(quiet_seconds: float = QUIET_SECONDS) -> bool:
    return time.time() - import_temp_dir().stat().st_mtime < quiet_seconds


def wait_while_importing(limit_seconds: float) -> float:
    """Sleeps while an import is active, for at most `limit_seconds`; returns the seconds waited."""
    started = time.monotonic()
    while import_is_active() and time.monotonic() - started < limit_seconds:
        time.sleep(POLL_SECONDS)
    return time.monotonic() - started
