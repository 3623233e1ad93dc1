"""Which files a command-line import takes from the folders it is given.

Folders are walked recursively in a stable order; hidden files and folders are skipped, and
so is the library itself (importing the library into itself would only make duplicates).
Symbolic links are not followed out of the folder being imported: a link that points outside
it is reported, not read."""
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from library.paths import library_root


@dataclass(frozen=True)
class SourceFile:
    path: Path
    problem: str = ""


def iter_source_files(paths) -> Iterator[SourceFile]:
    root = library_root().resolve()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            yield from walk_folder(given, root)
        elif given.exists():
            yield SourceFile(given)
        else:
            yield SourceFile(given, "no such file or folder")


def walk_folder(folder: Path, library: Path) -> Iterator[SourceFile]:
    top = folder.resolve()
    if is_within(top, library):
        return
    for current, dirs, files in os.walk(folder, onerror=None, followlinks=False):
        current_path = Path(current)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not is_within((current_path / d).resolve(), library))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = current_path / name
            if path.is_symlink() and not is_within(path.resolve(), top):
                yield SourceFile(path, "symbolic link pointing outside the imported folder (not followed)")
            else:
                yield SourceFile(path)


def is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
