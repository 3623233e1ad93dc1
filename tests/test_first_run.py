"""A brand-new library (PHOTOSITE_LIBRARY_ROOT at an empty folder): whichever command comes first
sets the database up, in one line, instead of failing with "no such table". Real `manage.py`
processes, as a new user runs them."""
import os
import subprocess
import sys

import pytest

from factories import make_jpeg
from live_site import PROJECT_DIR

pytestmark = pytest.mark.slow
# The commands run on the new library's own SQLite, as on a newcomer's machine, whatever the run's database: CI
# runs those tests once, in its SQLite pass.
own_sqlite = pytest.mark.outside_database


def manage(root, *args, remembered_file=None):
    """`manage.py ARGS` on the library at `root` (None: whichever the command finds by itself)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "photosite.settings"}
    if root is not None:
        env["PHOTOSITE_LIBRARY_ROOT"] = str(root)
    if remembered_file is not None:
        env["PHOTOSITE_REMEMBERED_FILE"] = str(remembered_file)
    env.pop("DATABASE_URL", None)  # the library's own SQLite, as on a new user's machine
    return subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True,
                          text=True, timeout=120)


@own_sqlite
@pytest.mark.parametrize("command", [
    ["import", "{photos}", "--no-progress"],
    ["librarystatus"],
    ["checklibrary"],
    ["pregenerate", "--no-progress"],
])
def test_first_command_in_a_new_library_sets_up_the_database(tmp_path, command):
    # given an empty library folder and a folder with one photo
    root, photos = tmp_path / "library", tmp_path / "photos"
    root.mkdir()
    photos.mkdir()
    make_jpeg(photos / "first.jpg")
    # when the command runs first, before any `serve` or `migrate`
    result = manage(root, *[part.format(photos=photos) for part in command])
    # then it works, saying in one line that it set the database up
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "no such table" not in result.stderr
    setup_lines = [line for line in result.stdout.splitlines() if line.startswith("Setting up the database")]
    assert len(setup_lines) == 1, result.stdout
    assert (root / ".photosite" / "db.sqlite3").exists()
    # and the next command finds it set up and says nothing about it
    again = manage(root, "librarystatus")
    assert again.returncode == 0 and "Setting up the database" not in again.stdout, again.stdout + again.stderr


@own_sqlite
def test_import_into_a_new_library_imports(tmp_path):
    root, photos = tmp_path / "library", tmp_path / "photos"
    root.mkdir()
    photos.mkdir()
    make_jpeg(photos / "first.jpg")
    result = manage(root, "import", str(photos), "--no-progress")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 imported" in result.stdout
    status = manage(root, "librarystatus")
    assert [line.split() for line in status.stdout.splitlines() if line.startswith("Photos:")] == [["Photos:", "1"]]


@pytest.mark.django_db
def test_a_migrated_database_is_known_at_a_glance():
    """The quick check commands ask at every start agrees with Django's plan on a migrated database."""
    from library.database import every_migration_file_recorded, pending_migrations

    assert pending_migrations() == []
    assert every_migration_file_recorded()


@own_sqlite
def test_a_second_terminal_without_the_variable_finds_the_same_library(tmp_path):
    # given a library set up by a command run with PHOTOSITE_LIBRARY_ROOT, and one photo in it
    root, photos, remembered = tmp_path / "library", tmp_path / "photos", tmp_path / "photosite.env"
    photos.mkdir()
    make_jpeg(photos / "first.jpg")
    first = manage(root, "import", str(photos), "--no-progress", remembered_file=remembered)
    assert first.stdout.splitlines()[0] == f"Library: {root} (from PHOTOSITE_LIBRARY_ROOT)", first.stdout
    assert f"Remembered this library in {remembered}" in first.stdout
    # when another terminal, without the variable, asks for the library's status
    second = manage(None, "librarystatus", remembered_file=remembered)
    # then it names and uses that library, not an empty one beside manage.py
    assert second.stdout.splitlines()[0] == f"Library: {root} (remembered in {remembered})", second.stdout
    assert [line.split() for line in second.stdout.splitlines() if line.startswith("Photos:")] == [["Photos:", "1"]]
    # and the environment still wins where it is set
    other = manage(tmp_path / "other", "librarystatus", remembered_file=remembered)
    assert other.stdout.splitlines()[0] == f"Library: {tmp_path / 'other'} (from PHOTOSITE_LIBRARY_ROOT)"
    assert remembered.read_text().count("PHOTOSITE_LIBRARY_ROOT=") == 1
