"""Copies, on this machine, of thumbnails kept in an object store: what the view (and after it
the fast path) serves when the store is not for browsers to reach (`PHOTOSITE_S3_REDIRECT` off).

A gallery page asks for a hundred thumbnails; fetching each from the store again on every view
would make the store's round trip part of every tile, and the fast path could answer none of
them, since it serves files. So each thumbnail served is kept in `<library>/.thumbnail_cache/`,
and the next request reads it there like a thumbnail on a local disk.

The folder is bounded by bytes (`PHOTOSITE_THUMBNAIL_CACHE_MB`): when a copy takes it past the
budget, the least recently served copies are removed until it is a tenth under, so that the
folder is walked once per tenth of the budget written, not on every write. Recency is what this
process served (each thumbnail passes through the view at least once per fast path TTL);
copies written by other processes on this machine count as older than those, by their time.
A copy's name is the rendition's (its content's), so a copy is never out of date, and it is
written beside its name and linked into place: a reader never sees half of one, and two
processes filling the same copy keep the first."""
import os
import tempfile
import threading
import time
from collections import OrderedDict
from contextlib import suppress
from pathlib import Path

from django.conf import settings

from library.paths import thumbnail_cache_dir

TEMP_PREFIX = ".tmp-"
# A temp file older than this was left by a process that died while writing it.
ABANDONED_TEMP_SECONDS = 600
LOW_WATER = 0.9


class LocalCache:
    """A folder of immutable copies, named by content, bounded in bytes (least recently used go first)."""

    def __init__(self, folder: Path, budget_bytes: int):
        self.folder = folder
        self.budget_bytes = budget_bytes
        self._sizes: OrderedDict[str, int] | None = None  # file name → bytes, least recent first
        self._total = 0
        self._lock = threading.Lock()

    def path_of(self, name: str) -> Path:
        """Where the copy of the rendition `name` is (or would be): its last part is its content's name."""
        return self.folder / name.rsplit("/", 1)[-1]

    def lookup(self, name: str) -> Path | None:
        """The copy's path if this machine has it (counted as used now), else None."""
        path = self.path_of(name)
        if not path.exists():
            return None
        with self._lock:
            sizes = self._index()
            if path.name in sizes:
                sizes.move_to_end(path.name)
        return path

    def put(self, name: str, data: bytes) -> Path:
        """Keeps `data` as the copy of `name` and returns its path (the copy already there, if any)."""
        path = self.path_of(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.folder, prefix=TEMP_PREFIX, delete=False) as temp:
            try:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            except BaseException:
                os.unlink(temp.name)
                raise
        try:
            os.link(temp.name, path)
        except FileExistsError:
            return path  # another process wrote the same content first
        finally:
            os.unlink(temp.name)
        self._added(path.name, len(data))
        return path

    def _added(self, file_name: str, size: int):
        with self._lock:
            sizes = self._index()
            self._total += size - sizes.get(file_name, 0)
            sizes[file_name] = size
            sizes.move_to_end(file_name)
            if self._total > self.budget_bytes:
                self._shrink()

    def _index(self) -> OrderedDict[str, int]:
        if self._sizes is None:
            self._sizes = OrderedDict()
            self._total = 0
            self._merge_folder()
        return self._sizes

    def _shrink(self):
        """Removes the least recently used copies until the folder is under its low-water mark,
        after a walk of the folder (other processes' copies count too)."""
        self._merge_folder()
        target = self.budget_bytes * LOW_WATER
        while self._total > target and self._sizes:
            file_name, size = self._sizes.popitem(last=False)
            self._total -= size
            with suppress(FileNotFoundError):  # another process removed it first
                os.unlink(self.folder / file_name)

    def _merge_folder(self):
        """Brings the index in line with the folder: copies gone are dropped; copies this process
        did not write go first (oldest first), ahead of what it served itself."""
        on_disk = {}
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            entries = []
        for entry in entries:
            try:
                status = entry.stat()
            except FileNotFoundError:
                continue
            if entry.name.startswith(TEMP_PREFIX):
                remove_if_abandoned(entry.path, status.st_mtime)
            else:
                on_disk[entry.name] = (status.st_size, status.st_mtime)
        known = [(name, size) for name, size in self._sizes.items() if name in on_disk]
        others = sorted((name for name in on_disk if name not in self._sizes), key=lambda name: on_disk[name][1])
        self._sizes = OrderedDict([*((name, on_disk[name][0]) for name in others), *known])
        self._total = sum(self._sizes.values())


def remove_if_abandoned(path: str, modified: float):
    if modified < time.time() - ABANDONED_TEMP_SECONDS:
        with suppress(FileNotFoundError):
            os.unlink(path)


_caches: dict[Path, LocalCache] = {}
_caches_lock = threading.Lock()


def thumbnail_cache() -> LocalCache:
    """This process's view of the thumbnail copies of the library it serves now."""
    folder = thumbnail_cache_dir()
    with _caches_lock:
        cache = _caches.get(folder)
        if cache is None:
            cache = _caches[folder] = LocalCache(folder, int(settings.PHOTOSITE_THUMBNAIL_CACHE_MB * 1024 * 1024))
        return cache
