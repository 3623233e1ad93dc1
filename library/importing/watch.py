"""A watch folder: files that appear in it (a phone syncing through Syncthing or Nextcloud, a
scanner's output) are imported once their copy is complete.

watchdog reports what changed (inotify, or `poll=True` for network filesystems whose events
never arrive); a file is taken once its size and modification time have stayed the same for
`settle_seconds`, so a file still being written — in pieces, by a slow sync — is never imported
half-written. Sync tools' temporary names (`.syncthing.*.tmp`, `~…`, `….part`) are left alone:
their final name appears by a rename when they are complete.

Restarts lose nothing: on start the whole folder is looked at again (files that arrived while
the watcher was down are taken), and `.photosite/watch-<folder hash>.json` remembers the size and
modification time of every file already handled, so a folder kept after import (no `--move`) is
not read again at each start. A file handled before and changed since is imported again; bytes
already in the library are a duplicate, never a second copy.

The watcher never leaves its folder, whoever can make links in it: a linked folder is never
walked (nor a path through one taken), a link is reported when it leads out of the folder or to a
folder, and `--move` removes only names inside the folder (`sources.unlink_inside`)."""
import hashlib
import json
import logging
import os
import stat
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from django.db import DatabaseError, close_old_connections
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from library.models import ImportSource, OutcomeStatus
from library.paths import library_root, watch_state_path

from .pipeline import ImportPipeline
from .sources import SourceFile, classify, is_within, iter_source_files
from .sync_batches import import_sources

logger = logging.getLogger("photosite.import.watch")

TEMPORARY_PREFIXES = ("~", ".")
TEMPORARY_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".!sync")
CHECK_SECONDS = 0.25
POLL_OBSERVER_SECONDS = 1.0


def is_temporary_name(name: str) -> bool:
    """A sync tool's or browser's file still being written (or a hidden one)."""
    return name.startswith(TEMPORARY_PREFIXES) or name.lower().endswith(TEMPORARY_SUFFIXES)


@dataclass
class Candidate:
    """A file seen in the folder, with what it looked like and since when."""

    signature: tuple
    since: float


class HandledFiles:
    """The signature (size, mtime) of each file already imported from one folder, kept on disk."""

    def __init__(self, folder: Path):
        key = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
        self.path = watch_state_path(key)
        try:
            kept = json.loads(self.path.read_text())
        except (OSError, ValueError):
            kept = {}
        # Files gone from the folder since are forgotten, so the record never outgrows the folder.
        self.signatures = {name: tuple(value) for name, value in kept.items() if os.path.lexists(name)}

    def already(self, path: Path, signature) -> bool:
        return self.signatures.get(str(path)) == signature

    def remember(self, handled: dict, gone):
        for path in gone:
            self.signatures.pop(str(path), None)
        self.signatures.update({str(path): signature for path, signature in handled.items()})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.signatures))
        os.replace(temporary, self.path)


class WatchFolder(FileSystemEventHandler):
    """Watches folders and imports what settles in them, until `stop()`."""

    def __init__(self, folders, *, move=False, poll=False, settle_seconds=2.0, jobs=4, on_results=None):
        self.folders = [Path(folder).resolve() for folder in folders]
        self.move, self.settle_seconds, self.jobs = move, settle_seconds, jobs
        self.on_results = on_results or (lambda results: None)
        self.observer = PollingObserver(timeout=POLL_OBSERVER_SECONDS) if poll else Observer()
        self.handled = {folder: HandledFiles(folder) for folder in self.folders}
        self.candidates: dict[Path, Candidate] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def run(self):
        for folder in self.folders:
            self.observer.schedule(self, str(folder), recursive=True)
        self.observer.start()
        try:
            for folder in self.folders:  # after the observer starts, so nothing arriving now is missed
                self.look_at(folder)
            while not self.stopping.wait(CHECK_SECONDS):
                self.import_settled()
        finally:
            self.observer.stop()
            self.observer.join()

    def stop(self):
        self.stopping.set()

    # watchdog's thread: note what changed; the work happens in run()'s thread.
    def on_any_event(self, event):
        if event.event_type in ("deleted", "opened", "closed_no_write"):
            return
        self.look_at(Path(os.fsdecode(getattr(event, "dest_path", "") or event.src_path)))

    def look_at(self, path: Path):
        """A file or a link, or a real folder (moved in whole, or the watched folder at start):
        its files and links."""
        is_folder = path.is_dir() and not path.is_symlink()
        for source in iter_source_files([path]) if is_folder else [SourceFile(path)]:
            if self.wanted(source.path):
                with self.lock:
                    self.candidates.setdefault(source.path, Candidate((), time.monotonic()))

    def wanted(self, path: Path) -> bool:
        """Not a temporary name, not in a hidden folder (Syncthing keeps old versions in
        `.stversions/`), not in the library, not reached through a link (polling follows them)."""
        folder = self.folder_of(path)
        if folder is None or os.path.realpath(path.parent) != str(path.parent):
            return False
        if is_within(path.resolve(), library_root().resolve()):
            return False
        *folders, name = path.relative_to(folder).parts
        return not is_temporary_name(name) and not any(part.startswith(".") for part in folders)

    def folder_of(self, path: Path) -> Path | None:
        return next((folder for folder in self.folders if folder in path.parents), None)

    def source(self, path: Path) -> SourceFile:
        """Classified against the watched folder: a link out of it, or to a folder, is reported."""
        folder = self.folder_of(path)
        return replace(classify(path, folder), folder=folder)

    def import_settled(self):
        ready = self.settled()
        if not ready:
            return
        close_old_connections()  # a database connection idle for hours may be gone
        sources = [self.source(path) for path in ready]
        try:
            pipeline = ImportPipeline.start(ImportSource.CLI)
            results = import_sources(pipeline, sources, self.jobs, self.move)
            pipeline.finish()
        except DatabaseError:
            # The database away for a moment (locked, restarting) must not end the watcher: the
            # files are looked at again, and what was recorded meanwhile is a duplicate.
            logger.exception("Watch folder: the library database failed; %d file(s) will be tried again", len(ready))
            with self.lock:
                for path in ready:
                    self.candidates.setdefault(path, Candidate((), time.monotonic()))
            return
        finally:
            close_old_connections()
        # A link reported is remembered like a file handled, with --move too: a change in its folder
        # walks the folder again, and the link would be reported after every batch.
        reported = {source.path: ready[source.path] for source in sources if source.problem}
        for folder in self.folders:
            mine = {path: signature for path, signature in ready.items() if folder in path.parents}
            done = {path: mine[path] for path, result in zip(ready, results, strict=True)
                    if path in mine and result.status != OutcomeStatus.FAILED}
            links = {path: signature for path, signature in reported.items() if path in mine}
            # With --move a file passed by (a sidecar) stays, and is remembered so as not to be read again.
            stays = {path: signature for path, signature in done.items() if path.exists()}
            self.handled[folder].remember({**(stays if self.move else done), **links},
                                          gone=done.keys() - stays.keys() if self.move else ())
        self.on_results(results)

    def settled(self) -> dict[Path, tuple]:
        """The candidates unchanged for settle_seconds, with their signatures; forgets the gone."""
        now, ready = time.monotonic(), {}
        with self.lock:
            for path, candidate in list(self.candidates.items()):
                signature = file_signature(path)
                if signature is None or self._already_handled(path, signature):
                    del self.candidates[path]
                elif signature != candidate.signature or signature[0] == 0:  # empty: not written yet
                    self.candidates[path] = Candidate(signature, now)
                elif now - candidate.since >= self.settle_seconds:
                    ready[path] = signature
                    del self.candidates[path]
        return ready

    def _already_handled(self, path, signature) -> bool:
        return any(handled.already(path, signature) for handled in self.handled.values())


def file_signature(path: Path) -> tuple | None:
    """(size, mtime) of a regular file, or of a link itself (never followed: the import reports
    one that leads out); None when it is gone or is something else."""
    try:
        status = path.lstat()
    except OSError:
        return None
    if not (stat.S_ISREG(status.st_mode) or stat.S_ISLNK(status.st_mode)):
        return None
    return status.st_size, status.st_mtime_ns
