"""The thumbnails' storage on local disk: Django's FileSystemStorage whose writes are atomic and
never overwrite, named in `STORAGES["thumbnails"]`.

Readers (the view, the fast path, a browser on another machine sharing the folder) must never see
half a thumbnail, and a crash must never leave one under its final name. So a write goes to a
temp file (`.tmp-…`) in the target folder, is fsynced, and is hard-linked to its name — which
fails if the name is taken, so two writers never overwrite each other (the second gets another
available name, as Django's storages promise, and `save()` returns it). A crashed write leaves
only a `.tmp-` file, which `checklibrary` finds (`is_unfinished_write`).

Code using the thumbnails storage never asks which class it is: it uses the Storage API, and
where a local path helps (the fast path, measuring the cache like `du`) it asks the storage for
one with `local_path()` and falls back when it has none. That is Wagtail's `is_stored_locally`
idea; Wagtail tries `.path()`, but Django's InMemoryStorage answers `.path()` with a path where
no file is, so here a storage that keeps its files on this machine says so by having
`local_path`. Any other backend works through the Storage API alone."""
import os
import tempfile

from django.core.files.storage import FileSystemStorage

TEMP_PREFIX = ".tmp-"
DEFAULT_FILE_MODE = 0o644


def is_unfinished_write(name: str) -> bool:
    """Whether a name in the storage is the temp file of a write that never finished (a crash)."""
    return name.rsplit("/", 1)[-1].startswith(TEMP_PREFIX)


class AtomicFileSystemStorage(FileSystemStorage):
    """FileSystemStorage with atomic, no-overwrite saves (see the module docstring)."""

    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, mode=self.directory_permissions_mode or 0o777, exist_ok=True)
        temp_path = self._write_temp(directory, content)
        try:
            while True:
                try:
                    os.link(temp_path, full_path)
                    break
                except FileExistsError:  # taken since Storage.save() chose it: take the next free name
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            os.unlink(temp_path)
        return str(name).replace("\\", "/")

    def _write_temp(self, directory: str, content) -> str:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=TEMP_PREFIX, delete=False) as temp:
            try:
                for chunk in content.chunks():
                    temp.write(chunk)
                temp.flush()
                os.fsync(temp.fileno())
                os.chmod(temp.name, self.file_permissions_mode or DEFAULT_FILE_MODE)
            except BaseException:
                os.unlink(temp.name)
                raise
        return temp.name

    def local_path(self, name: str) -> str:
        """Where the file is (or would be) on this machine: readers may open it directly."""
        return self.path(name)


def local_path(storage, name: str) -> str | None:
    """The file's path on this machine, or None when the storage does not keep its files here."""
    ask = getattr(storage, "local_path", None)
    return ask(name) if ask is not None else None
