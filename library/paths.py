"""The one place that spells the library folder's layout: every folder and file name the site
keeps under the library root, and the names photos are filed under. Everything else asks here,
so moving a folder (or reading an old library) is a change to this file alone.

No Django import at module level: settings.py builds its defaults (the secret key, the SQLite
file, the thumbnail store) from these names before Django is configured. Everything else reads
the root from settings on each call, so a test (or a deployment) can point the library elsewhere
without restarting anything."""
from datetime import date
from pathlib import Path

# The site's own state. Every name the site keeps in the library starts with a dot, so a walk
# that skips hidden names (`is_hidden`) never takes the site's files for photos.
SITE_DIR = ".photosite"
# Generated on the first start when SECRET_KEY is not set, so every process sharing the library
# signs with the same key.
SECRET_KEY_FILE = f"{SITE_DIR}/secret_key"
# The embedded default database, beside the photos it describes (a backup of the folder is whole).
SQLITE_FILE = f"{SITE_DIR}/db.sqlite3"
STATIC_DIR = f"{SITE_DIR}/static"  # collectstatic's target
# django-q2's cluster heartbeats under the ORM broker, where another process (`librarystatus`) sees them.
QUEUE_STATS_DIR = f"{SITE_DIR}/queue_stats"
# Held (flock) while migrating, so processes starting together migrate one after the other.
MIGRATE_LOCK_FILE = f"{SITE_DIR}/migrate.lock"
THUMBNAILS_DIR = ".thumbnails"  # the default thumbnail storage's location
# Renditions growing on this machine while ffmpeg writes them (fragmented MP4, served as they grow).
VIDEO_RENDITIONS_DIR = ".video_renditions"
# Copies of thumbnails kept in an object store, near this machine's web processes (bounded, LRU).
THUMBNAIL_CACHE_DIR = ".thumbnail_cache"
# Staged files: on the library's own disk, so placing one is a rename, never a copy.
IMPORT_TEMP_DIR = ".import_temp"
LOGS_DIR = ".logs"  # photosite/log_handlers.py writes here
# Deleting moves a file here under its own relative path; restoring moves it back.
TRASH_DIR = ".trash"
# An XMP sidecar kept beside its original: `2024-01-31/img_20240131_<hash>.jpg.xmp`, moved with it.
SIDECAR_SUFFIX = ".xmp"
# Characters of the SHA-256 in a photo's name: enough that two files of one day never share one in
# practice; a clash still gets a numbered variant.
NAME_HASH_CHARS = 16


def library_root() -> Path:
    from django.conf import settings  # read on each call (see the module's docstring)

    return Path(settings.PHOTOSITE_LIBRARY_ROOT)


def import_temp_dir() -> Path:
    path = library_root() / IMPORT_TEMP_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def logs_dir() -> Path:
    return library_root() / LOGS_DIR


def video_renditions_dir() -> Path:
    return library_root() / VIDEO_RENDITIONS_DIR


def thumbnail_cache_dir() -> Path:
    return library_root() / THUMBNAIL_CACHE_DIR


def migrate_lock_path() -> Path:
    return library_root() / MIGRATE_LOCK_FILE


def watch_state_path(key: str) -> Path:
    """Which files a watched folder has already handed over, kept across restarts; `key` names the
    folder (a hash of its path), so watching several folders keeps one record each."""
    return library_root() / SITE_DIR / f"watch-{key}.json"


def absolute_path(relative_path: str) -> Path:
    """The file of a Photo. `relative_path` always comes from our own database row, never from a user."""
    return library_root() / relative_path


def sidecar_path(relative_path: str) -> str:
    """Where the XMP sidecar of the original at `relative_path` is kept (it may not exist)."""
    return relative_path + SIDECAR_SUFFIX


def photo_name(taken_on: date, sha256: str, extension: str, attempt: int = 0) -> str:
    """`YYYY-MM-DD/img_YYYYMMDD_<hash>.<ext>`: a folder per day, so the library reads well without
    the site; the hash makes the name unique without asking the disk. `attempt` > 0 numbers a
    variant (`_1`, `_2`, …) for when the plain name is taken."""
    suffix = f"_{attempt}" if attempt else ""
    return f"{taken_on:%Y-%m-%d}/img_{taken_on:%Y%m%d}_{sha256[:NAME_HASH_CHARS]}{suffix}.{extension.lower()}"


def trash_name(relative_path: str, attempt: int = 0) -> str:
    """Where the file at `relative_path` goes in the trash: the same path under TRASH_DIR, so
    restoring needs nothing but the row; `attempt` > 0 numbers a variant when that name is taken."""
    if not attempt:
        return f"{TRASH_DIR}/{relative_path}"
    stem, dot, extension = relative_path.rpartition(".")
    return f"{TRASH_DIR}/{stem}_{attempt}{dot}{extension}"


def is_hidden(name: str) -> bool:
    """A dot-name: a user's hidden file, or one of the site's own folders (all start with a dot)."""
    return name.startswith(".")
