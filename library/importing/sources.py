"""Which files a command-line import takes from the folders it is given.

Folders are walked recursively in a stable order; hidden files and folders are skipped, and
so is the library itself (importing the library into itself would only make duplicates).
Symbolic links are not followed out of the folder being imported: a link that points outside
it is reported, not read; so are broken links and special files (pipes, devices)."""
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from library.paths import library_root

from .archives import ArchiveMemberError, archive_members, is_archive


@dataclass(frozen=True)
class SourceFile:
    path: Path
    problem: str = ""
    # For people: the path as given, or inside a folder given, that folder's name and the path
    # below it ("DCIM/100CANON/IMG_0001.JPG"), so two files of one name can be told apart.
    shown: str = ""
    # A file inside the zip archive at `path` (library.importing.archives), by its name there.
    member: str = ""


def iter_source_files(paths) -> Iterator[SourceFile]:
    root = library_root().resolve()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            yield from walk_folder(given, root)
        elif is_archive(given):
            yield from archive_sources(given)
        elif given.exists():
            yield replace(classify(given), shown=str(given))
        else:
            yield SourceFile(given, "no such file or folder", str(given))


def archive_sources(archive: Path) -> Iterator[SourceFile]:
    """An archive given by name is imported member by member; one that cannot be read is one failure."""
    try:
        members = archive_members(archive)
    except ArchiveMemberError as error:
        yield SourceFile(archive, str(error), str(archive))
        return
    for member in members:
        yield SourceFile(archive, shown=f"{archive}/{member.filename}", member=member.filename)


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
            yield replace(classify(path, top), shown=str(Path(top.name) / path.relative_to(folder)))


def classify(path: Path, top: Path | None = None) -> SourceFile:
    """Links out of `top`, broken or looping links and special files (a named pipe or a device
    would block or never end when read) are reported, not read."""
    try:
        if top is not None and path.is_symlink() and not is_within(path.resolve(), top):
            return SourceFile(path, "symbolic link pointing outside the imported folder (not followed)")
        mode = path.stat().st_mode
    except (OSError, RuntimeError) as error:  # RuntimeError: Path.resolve() on a symlink loop
        if path.is_symlink():
            return SourceFile(path, "broken symbolic link (its target is missing, or it points to itself)")
        return SourceFile(path, f"could not read the file: {getattr(error, 'strerror', None) or error}")
    if not stat.S_ISREG(mode):
        return SourceFile(path, "not a regular file (pipes and devices are not read)")
    return SourceFile(path)


def is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
