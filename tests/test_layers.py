"""What the import contract (`lint-imports`, pyproject.toml) cannot see: import-linter tracks an
outside package only as a whole, so it cannot tell Django's database layer from Django's choice
enums. library.media is pure knowledge of files; it may name its choices with `TextChoices` (the
models store them), and nothing else of `django.db`."""
import ast
from pathlib import Path

import pytest

MEDIA = Path(__file__).resolve().parent.parent / "library" / "media"
ALLOWED_FROM_DJANGO_DB = {("django.db.models", "TextChoices")}


def database_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("django.db")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django.db"):
            found += [f"{node.module}.{alias.name}" for alias in node.names
                      if (node.module, alias.name) not in ALLOWED_FROM_DJANGO_DB]
    return found


@pytest.mark.parametrize("module", sorted(MEDIA.glob("*.py")), ids=lambda path: path.name)
def test_media_uses_nothing_of_the_database_layer(module):
    assert database_imports(module.read_text()) == []


@pytest.mark.parametrize(("source", "found"), [
    ("from django.db.models import TextChoices", []),
    ("from django.db.models import Q, TextChoices", ["django.db.models.Q"]),
    ("from django.db import connection", ["django.db.connection"]),
    ("import django.db.models", ["django.db.models"]),
    ("def f():\n    from django.db import transaction", ["django.db.transaction"]),
])
def test_the_check_sees_database_imports(source, found):
    assert database_imports(source) == found
