"""Which files a command-line import takes from the folders it is given.

Folders are walked recursively in a stable order; hidden files and folders are skipped, and
so is the library itself (importing the library into itself would only make duplicates).
Symbolic links are not followed out of the folder being imported: a link that points outside
it is reported, not read; so are links to folders, broken links and special files (pipes,
devices). Others may be able to make links in a folder (a watch folder fed by Syncthing, a share):
a file is looked at again just before it is read, and `--move` removes it only through the folder's
own subfolders, so a folder swapped for a link meanwhile never leads the import outside."""
import errno
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
    # The folder it was found in (walked, or watched): it is read, and removed by `--move`, only
    # while no link on its way leads out of there. None for a file named on the command line.
    folder: Path | None = None


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
        links = [d for d in dirs if (current_path / d).is_symlink()]  # reported below, never walked
        dirs[:] = [d for d in dirs if d not in links]
        for name in sorted(files + links):
            if name.startswith("."):
                continue
            path = current_path / name
            yield replace(classify(path, top), shown=str(Path(top.name) / path.relative_to(folder)), folder=folder)


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
    if stat.S_ISDIR(mode):
        return SourceFile(path, "symbolic link to a folder (not followed)")
    if not stat.S_ISREG(mode):
        return SourceFile(path, "not a regular file (pipes and devices are not read)")
    return SourceFile(path)


def still_inside(source: SourceFile) -> bool:
    """Whether the file still is where it was found: a folder on its way may have been replaced
    by a link out since (checked again just before it is read)."""
    if source.folder is None:
        return True
    try:
        return is_within(source.path.resolve(strict=True), source.folder.resolve())
    except (OSError, RuntimeError):  # gone, or a link loop
        return False


def unlink_inside(source: SourceFile):
    """Removes the file's own name (a link's, never its target's), reaching it from its folder
    one real subfolder at a time: a folder replaced by a link after the file was read fails here
    with ELOOP or ENOTDIR (O_NOFOLLOW) instead of deleting what the link points at."""
    if source.folder is None:
        os.unlink(source.path)
        return
    *folders, name = source.path.relative_to(source.folder).parts
    if ".." in folders:
        raise OSError(errno.EXDEV, "the path leads out of its folder", str(source.path))
    descriptor = os.open(source.folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in folders:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        os.unlink(name, dir_fd=descriptor)
    finally:
        os.close(descriptor)


def is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
