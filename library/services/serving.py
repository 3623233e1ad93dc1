"""What `manage.py serve` needs besides Django's own commands: a first user on an empty site, and
a small supervisor for the web server and the workers.

Each child runs in its own session (process group). A terminal's Ctrl-C then reaches only the
supervisor, which stops the children in order — rather than hitting every process at once,
ffmpeg under a worker included, which would turn a thumbnail in progress into a failure."""
import contextlib
import logging
import os
import secrets
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model

logger = logging.getLogger("photosite.serve")

FIRST_USERNAME = "admin"
PASSWORD_ENV = "PHOTOSITE_ADMIN_PASSWORD"
POLL_SECONDS = 0.2


def ensure_first_user() -> tuple[str, str | None] | None:
    """On a site without users, create `admin`; returns (username, password shown once) — the
    password is None when it came from PHOTOSITE_ADMIN_PASSWORD — or None if users exist."""
    users = get_user_model()
    if users.objects.exists():
        return None
    password = os.environ.get(PASSWORD_ENV)
    users.objects.create_superuser(FIRST_USERNAME, "", password or (generated := secrets.token_urlsafe(12)))
    logger.info("Created the first user %r", FIRST_USERNAME)
    return FIRST_USERNAME, None if password else generated


@dataclass
class Child:
    name: str
    process: subprocess.Popen


class Supervisor:
    """Runs child commands until SIGINT/SIGTERM arrives or one of them exits, then stops them all."""

    def __init__(self, cwd, stop_timeout: float):
        self.cwd = cwd
        self.stop_timeout = stop_timeout
        self.children: list[Child] = []
        self.stop_requested = threading.Event()

    def start(self, name, argv):
        process = subprocess.Popen(argv, cwd=self.cwd, start_new_session=True)
        self.children.append(Child(name, process))
        logger.info("Started %s (pid %s)", name, process.pid)

    def watch_signals(self):
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self.stop_requested.set())

    def wait(self) -> Child | None:
        """Blocks until a stop signal (returns None) or a child's exit (returns that child)."""
        while not self.stop_requested.wait(POLL_SECONDS):
            for child in self.children:
                if child.process.poll() is not None:
                    return child
        return None

    def stop_all(self):
        """SIGTERM to each child (its own process stops its helpers gracefully), then SIGKILL to the
        groups still running after the timeout. A worker killed this way loses nothing: its task
        is acknowledged only when done and is handed out again, and a thumbnail is never visible
        half-written."""
        for child in self.children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in self.children:
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop within %.0f s; killing it", child.name, self.stop_timeout)
                signal_group(child.process, signal.SIGKILL)
                child.process.wait()
            # The group may still hold grandchildren (a worker's ffmpeg) whose parent is gone.
            signal_group(child.process, signal.SIGKILL)


def signal_group(process, signum):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
