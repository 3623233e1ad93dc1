"""Ctrl-C during `manage.py pregenerate --jobs 2`, on a real library in a real process group (as a
terminal sends it): the first stops handing out work and lets each running file finish, the
second ends everything at once."""
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from PIL import Image
from test_first_run import manage

from live_site import PROJECT_DIR
from polling import wait_for

pytestmark = pytest.mark.slow

PHOTOS = 10
# The issue's limit from the first Ctrl-C to the exit, the running files' finish included.
EXIT_LIMIT_SECONDS = 5


@pytest.fixture
def slow_library(tmp_path):
    """A library of photos that take about a second each to thumbnail (noise does not compress and
    PNG has no reduced decode), so Ctrl-C finds files being made and files not yet started."""
    root, media = tmp_path / "library", tmp_path / "media"
    root.mkdir()
    media.mkdir()
    noise = Image.effect_noise((2400, 1600), 80).convert("RGB")
    for number in range(PHOTOS):
        noise.putpixel((0, 0), (number, 0, 0))  # other bytes, so each is its own photo
        noise.save(media / f"noise{number}.png", compress_level=1)
    assert manage(root, "import", str(media), "--no-progress").returncode == 0
    return root


class Pregenerate:
    """`manage.py pregenerate --jobs 2` in its own process group, its output read as it comes."""

    def __init__(self, root):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "photosite.settings", "PHOTOSITE_LIBRARY_ROOT": str(root),
               "PYTHONUNBUFFERED": "1"}
        env.pop("DATABASE_URL", None)
        self.database = root / ".photosite" / "db.sqlite3"
        self.process = subprocess.Popen([sys.executable, "manage.py", "pregenerate", "--jobs", "2", "--no-progress"],
                                        cwd=PROJECT_DIR, env=env, start_new_session=True, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self.reader.start()

    def rows(self, where):
        with sqlite3.connect(self.database, timeout=30) as connection:
            return connection.execute(f"SELECT count(*) FROM thumbnails_rendition WHERE {where}").fetchone()[0]

    def interrupt(self):
        os.killpg(self.process.pid, signal.SIGINT)

    def interrupt_and_wait(self) -> tuple[float, str]:
        """Ctrl-C, then (seconds until the command exited, everything it printed)."""
        self.interrupt()
        interrupted = time.monotonic()
        self.process.wait(timeout=EXIT_LIMIT_SECONDS)
        seconds = time.monotonic() - interrupted
        self.reader.join(timeout=15)
        return seconds, self.output()

    def output(self):
        return "".join(self.lines)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)
        self.reader.join(timeout=15)


@pytest.fixture
def pregenerate(slow_library):
    command = Pregenerate(slow_library)
    yield command
    command.stop()


def test_ctrl_c_finishes_the_running_files_and_starts_no_other(pregenerate):
    # given a thumbnail being made
    wait_for(lambda: pregenerate.rows("claimed_until IS NOT NULL"), 120, "a worker to claim a thumbnail")
    started = pregenerate.rows("claimed_until IS NOT NULL OR state = 'ready'")
    # when Ctrl-C reaches the command and its workers
    seconds, output = pregenerate.interrupt_and_wait()
    # then it exited in time, with every file it started made and recorded, and no other begun
    assert seconds < EXIT_LIMIT_SECONDS, output
    assert pregenerate.process.returncode == 130, output
    assert "Stopping: the files being made are finished" in output and "Interrupted:" in output
    assert "Traceback" not in output, output
    assert pregenerate.rows("claimed_until IS NOT NULL OR state != 'ready'") == 0
    made = pregenerate.rows("state = 'ready'")
    # A worker that finished between our look and the signal may have taken one more each.
    assert started <= made <= started + 2 < PHOTOS


def test_a_second_ctrl_c_stops_at_once(pregenerate):
    # given a thumbnail being made and a first Ctrl-C taken in
    wait_for(lambda: pregenerate.rows("claimed_until IS NOT NULL"), 120, "a worker to claim a thumbnail")
    pregenerate.interrupt()
    wait_for(lambda: "Stopping:" in pregenerate.output(), 10, "the first Ctrl-C to be taken in")
    # when a second one comes
    seconds, output = pregenerate.interrupt_and_wait()
    # then it ends at once, without waiting for the running files
    assert seconds < EXIT_LIMIT_SECONDS, output
    assert pregenerate.process.returncode == 130, output
    assert "stopped at once" in output and "Traceback" not in output, output
