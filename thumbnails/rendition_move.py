"""The renditions' half of `manage.py movelibrary`: every finished rendition file of the local
renditions' storage, copied under the same name to the store's `.thumbnails/` folder (never
overwriting; one already there of the same size is passed by), so that their rows hold as they
are once the site is switched to the store."""
import os
from collections.abc import Callable
from pathlib import Path

from library.library_move import MoveCount, copy_file, target_storage
from library.paths import THUMBNAILS_DIR

from . import store
from .storage import is_unfinished_write, local_path


def move_renditions(url: str, endpoint_url: str, count: MoveCount, on_file: Callable[[], None]):
    renditions = target_storage(url, endpoint_url, THUMBNAILS_DIR)
    for name, path in rendition_files():
        copy_file(path, name, renditions, count)
        on_file()


def rendition_files():
    """(name, path) of each finished rendition kept on this machine."""
    root = local_path(store.storage(), "")
    if root is None or not os.path.isdir(root):
        return
    for folder, _, names in os.walk(root):
        for name in sorted(names):
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if not is_unfinished_write(relative):
                yield relative, path
