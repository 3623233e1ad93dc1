"""The 'an import is running' signal the background workers step aside for."""
import os
import time

import pytest

from library.import_activity import import_is_active, wait_while_importing
from library.importing.staging import StagingWriter
from library.paths import import_temp_dir

pytestmark = pytest.mark.outside_database  # no database here: the SQLite pass of .ci/run runs it


def make_quiet(folder, seconds_ago=60):
    past = time.time() - seconds_ago
    os.utime(folder, (past, past))


def test_staging_a_file_marks_an_import_as_running(library_root):
    # given a library whose .import_temp has been quiet for a minute
    make_quiet(import_temp_dir())
    assert not import_is_active()
    # when an import stages a file
    writer = StagingWriter("a.jpg")
    # then
    assert import_is_active()
    writer.abort()


def test_workers_wait_while_an_import_runs_but_never_past_their_limit(library_root):
    make_quiet(import_temp_dir())
    assert wait_while_importing(limit_seconds=5) < 0.1
    os.utime(import_temp_dir())  # an import just touched it
    waited = wait_while_importing(limit_seconds=0.5)
    assert 0.5 <= waited < 1.0
