"""Zip archives as import sources: a Google Takeout export (`takeout-001.zip`, …) is imported as
it is, member by member, without unpacking it first.

Each member is read from the archive straight into the import's own staging (hashed on the
way, like any file), so the archive costs no extra copy on disk and nothing is ever written
under a member's own name: a member called `../../x` or `/etc/x` is only a name to show. A member
that is cut off, fails its CRC, or holds more or fewer bytes than the archive says fails alone;
the rest of the archive goes on.

Archives are opened once per import and shared by the import's threads: reading a member
seeks and reads under the archive's own lock (zipfile's shared file), and parsing the central
directory of a 50 GB export again for each of its 100,000 members would cost minutes."""
import threading
import zipfile
import zlib
from datetime import datetime
from pathlib import Path, PurePosixPath

from library.media.errors import ImportFileError

from .staging import COPY_CHUNK_BYTES, StagedFile, StagingWriter

ARCHIVE_SUFFIXES = {".zip"}
ZIP_SIGNATURE = b"PK\x03\x04"


class ArchiveMemberError(ImportFileError):
    """A member that cannot be read whole and as the archive describes it."""


def is_archive(path: Path) -> bool:
    """A zip archive by its name and its first bytes (a photo named `.zip` is not one)."""
    if path.suffix.lower() not in ARCHIVE_SUFFIXES:
        return False
    try:
        with open(path, "rb") as file:
            return file.read(4) == ZIP_SIGNATURE
    except OSError:
        return False


def archive_members(path: Path) -> list[zipfile.ZipInfo]:
    """The archive's files (not folders), in the archive's order; raises ArchiveMemberError when
    the archive itself cannot be read."""
    try:
        with zipfile.ZipFile(path) as archive:
            return [member for member in archive.infolist() if not member.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ArchiveMemberError(f"not a readable zip archive: {error}") from error


def member_folder(archive_path: Path, member_name: str) -> str:
    """Where a member 'comes from', for pairing a Live Photo's still and motion as in a folder:
    the archive, then the member's folder inside it."""
    parent = PurePosixPath(member_name.replace("\\", "/")).parent
    return str(Path(archive_path).resolve() / str(parent).lstrip("/")) if str(parent) != "." else str(archive_path)


def member_mtime(member: zipfile.ZipInfo) -> datetime | None:
    """The member's time as the zip keeps it (local wall-clock, no zone: read as this machine's)."""
    try:
        return datetime(*member.date_time).astimezone()
    except ValueError:
        return None


class OpenArchives:
    """The archives of one import, each opened once, closed together."""

    def __init__(self):
        self.archives: dict[Path, zipfile.ZipFile] = {}
        self.lock = threading.Lock()

    def archive(self, path: Path) -> zipfile.ZipFile:
        with self.lock:
            if path not in self.archives:
                self.archives[path] = zipfile.ZipFile(path)
            return self.archives[path]

    def stage_member(self, path: Path, member_name: str, shown_name: str) -> StagedFile:
        """One member copied into .import_temp and hashed; raises ArchiveMemberError (or OSError
        for the library's disk) when it cannot be read whole."""
        try:
            archive = self.archive(path)
            member = archive.getinfo(member_name)
            with archive.open(member) as source:
                return copy_member(source, member, shown_name)
        except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, NotImplementedError, RuntimeError) as error:
            raise ArchiveMemberError(f"cannot be read from {path.name}: {error}") from error

    def close(self):
        with self.lock:
            for archive in self.archives.values():
                archive.close()
            self.archives.clear()


def copy_member(source, member: zipfile.ZipInfo, shown_name: str) -> StagedFile:
    """zipfile stops at the size the archive declares and checks the CRC there (a member that holds
    more fails its CRC); one that ends early is caught here."""
    writer = StagingWriter(shown_name, expected_size=member.file_size)
    try:
        while chunk := source.read(COPY_CHUNK_BYTES):
            writer.write(chunk)
        if writer.size != member.file_size:
            raise ArchiveMemberError(f"holds {writer.size:,} of the {member.file_size:,} bytes its archive declares")
    except BaseException:
        writer.abort()
        raise
    return writer.finish(source_mtime=member_mtime(member), durable=False)
