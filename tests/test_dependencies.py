"""Dependencies run one way: the thumbnails app depends on the library and listens to its
signals; the library knows thumbnails only through what a tile shows of them: their links
(`thumbnails.links`) and their placeholders (`thumbnails.placeholders`), both read-only."""
import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.outside_database  # no database here: the SQLite pass of .ci/run runs it

LIBRARY = Path(__file__).resolve().parent.parent / "library"
ALLOWED = {"thumbnails.links", "thumbnails.placeholders"}


def thumbnail_imports(path: Path) -> list[str]:
    """The thumbnails modules `path` imports, as dotted names (`from thumbnails import x` counts as
    `thumbnails.x`)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "thumbnails":
                names += [f"thumbnails.{alias.name}" for alias in node.names]
            else:
                names.append(node.module)
    return [name for name in names if name == "thumbnails" or name.startswith("thumbnails.")]


@pytest.mark.parametrize("path", sorted(LIBRARY.rglob("*.py")), ids=lambda path: str(path.relative_to(LIBRARY)))
def test_the_library_imports_only_thumbnail_links(path):
    # given a module of the library
    # when its imports are read
    forbidden = [name for name in thumbnail_imports(path) if name not in ALLOWED]
    # then none reaches into the thumbnails app beyond its link helpers
    assert forbidden == [], f"{path.relative_to(LIBRARY)} imports {forbidden}; send a library signal instead"


def test_the_rule_catches_every_form_of_import(tmp_path):
    # given the forms an import of thumbnail internals can take
    module = tmp_path / "module.py"
    module.write_text("import thumbnails.cache\nfrom thumbnails import tasks, links\n"
                      "from thumbnails.status import STATES\nfrom thumbnails.links import thumbnail_url\n")
    # when / then
    assert thumbnail_imports(module) == ["thumbnails.cache", "thumbnails.tasks", "thumbnails.links",
                                         "thumbnails.status", "thumbnails.links"]
