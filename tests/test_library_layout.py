"""library/paths.py is the one place that spells the library folder's layout: no other module of
the site (or the bench) writes one of its folder or file names as a string of its own. Docstrings
and comments may name them; code asks library.paths."""
import ast
import re
from datetime import date
from pathlib import Path

import pytest

from library import paths

REPO_ROOT = Path(__file__).resolve().parent.parent
CHECKED_FOLDERS = ["library", "photosite", "thumbnails", "bench"]
OWNER = REPO_ROOT / "library" / "paths.py"
LAYOUT_NAMES = re.compile(
    r"(?<![\w.])\.(?:photosite|thumbnails|thumbnail_cache|video_renditions|import_temp|logs|trash)\b"
    r"|db\.sqlite3|migrate\.lock|(?:^|/)secret_key$|^watch-|(?:^|/)img_"
)


def code_strings(tree: ast.AST):
    """The string constants of a module that are code, not docstrings (any bare string statement)."""
    prose = {id(node.value) for node in ast.walk(tree)
             if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            yield node


def layout_names_outside_paths():
    for folder in CHECKED_FOLDERS:
        for source in sorted((REPO_ROOT / folder).rglob("*.py")):
            if source == OWNER or {".venv", "migrations"} & set(source.parts):
                continue
            for node in code_strings(ast.parse(source.read_text(), str(source))):
                if LAYOUT_NAMES.search(node.value):
                    yield f"{source.relative_to(REPO_ROOT)}:{node.lineno}: {node.value!r}"


def test_only_library_paths_spells_the_library_layout():
    # when
    found = list(layout_names_outside_paths())
    # then
    assert found == [], "spell these through library.paths:\n" + "\n".join(found)


@pytest.mark.parametrize("name", [
    paths.SECRET_KEY_FILE, paths.SQLITE_FILE, paths.MIGRATE_LOCK_FILE, paths.THUMBNAILS_DIR,
    paths.VIDEO_RENDITIONS_DIR, paths.THUMBNAIL_CACHE_DIR, paths.IMPORT_TEMP_DIR, paths.LOGS_DIR,
    paths.trash_name("a/b.jpg", 2),
    paths.photo_name(date(2024, 1, 31), "ab" * 32, "JPG"), "watch-0123.json",
])
def test_the_check_catches_every_name_paths_spells(name):
    # given: each name paths.py gives out, written as a literal
    tree = ast.parse(f"x = {name!r}")
    # then
    assert any(LAYOUT_NAMES.search(node.value) for node in code_strings(tree))


def test_site_folders_are_hidden_so_photo_walks_skip_them():
    # given
    site_folders = [paths.SITE_DIR, paths.THUMBNAILS_DIR, paths.VIDEO_RENDITIONS_DIR, paths.THUMBNAIL_CACHE_DIR,
                    paths.IMPORT_TEMP_DIR, paths.LOGS_DIR, paths.TRASH_DIR]
    # then
    assert all(paths.is_hidden(folder) for folder in site_folders)
    assert not paths.is_hidden(paths.photo_name(date(2024, 1, 31), "ab" * 32, "jpg"))


def test_photo_and_trash_names():
    # given
    digest = "0123456789abcdef" * 4
    # when
    name = paths.photo_name(date(2024, 1, 31), digest, "JPG")
    # then
    assert name == "2024-01-31/img_20240131_0123456789abcdef.jpg"
    assert paths.photo_name(date(2024, 1, 31), digest, "jpg", 2) == "2024-01-31/img_20240131_0123456789abcdef_2.jpg"
    assert paths.trash_name(name) == ".trash/" + name
    assert paths.trash_name(name, 1) == ".trash/2024-01-31/img_20240131_0123456789abcdef_1.jpg"
