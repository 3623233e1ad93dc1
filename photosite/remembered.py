"""Settings remembered beside manage.py, in `photosite.env` (git-ignored).

A library chosen with PHOTOSITE_LIBRARY_ROOT in one terminal must not be forgotten in the next:
without it, a second terminal quietly opened (and set up) an empty library in `photos/` beside
manage.py. So the command that sets a library up writes its location here, and every later
command reads it unless its environment says otherwise. The format is the usual `NAME=value`
per line of an env file; PHOTOSITE_REMEMBERED_FILE moves it (the tests keep theirs apart)."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
FILE_ENV = "PHOTOSITE_REMEMBERED_FILE"


def remembered_file() -> Path:
    return Path(os.environ.get(FILE_ENV) or BASE_DIR / "photosite.env")


def read() -> dict[str, str]:
    try:
        text = remembered_file().read_text(encoding="utf-8")
    except OSError:
        return {}
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line and not line.lstrip().startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def setting(name: str, default) -> tuple[str, str]:
    """(value, where it came from): the environment first, then this file, then `default`."""
    if name in os.environ:
        return os.environ[name], f"from {name}"
    remembered = read()
    if name in remembered:
        return remembered[name], f"remembered in {remembered_file()}"
    return str(default), "the default"


def remember(name: str, value: str) -> bool:
    """Adds `name=value` unless the file already names it; False when it did nothing."""
    if name in read():
        return False
    path = remembered_file()
    with open(path, "a", encoding="utf-8") as file:
        if path.stat().st_size == 0:
            file.write("# Written by Photosite: settings every command here uses unless the environment sets them.\n")
        file.write(f"{name}={value}\n")
    return True
