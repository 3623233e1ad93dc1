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
from pathlib import Path

from django.contrib.auth import get_user_model

from photosite.log_handlers import TERMINAL_FD_ENV

logger = logging.getLogger("photosite.serve")

FIRST_USERNAME = "admin"
PASSWORD_ENV = "PHOTOSITE_ADMIN_PASSWORD"
POLL_SECONDS = 0.2
OUTPUT_LINES_SHOWN = 15


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
    output_path: Path

    def last_lines(self, count=OUTPUT_LINES_SHOWN) -> list[str]:
        """The end of what the child wrote itself (a traceback, uvicorn's reason for giving up)."""
        try:
            with open(self.output_path, "rb") as output:
                output.seek(max(0, output.seek(0, os.SEEK_END) - 64 * 1024))
                text = output.read().decode(errors="replace")
        except OSError:
            return []
        return text.splitlines()[-count:]


class Supervisor:
    """Runs child commands until SIGINT/SIGTERM arrives or one of them exits, then stops them all.

    What a child writes to its own stdout and stderr goes to `<output_dir>/<name>.log`; its log
    records at the console level still reach this terminal, through a descriptor handed down
    (photosite.log_handlers.TerminalHandler). So the terminal shows the start lines and real
    warnings, and a C library's chatter about one file stays in the logs."""

    def __init__(self, cwd, stop_timeout: float, output_dir: Path):
        self.cwd = cwd
        self.stop_timeout = stop_timeout
        self.output_dir = output_dir
        self.children: list[Child] = []
        self.stop_requested = threading.Event()
        self.terminal = os.dup(2)

    def start(self, name, argv):
        self.output_dir.mkdir(parents=True, exist_ok=True)
        output_path = self.output_dir / f"{name.replace(' ', '-')}.log"
        with open(output_path, "ab") as output:  # the child keeps its own descriptor
            process = subprocess.Popen(
                argv, cwd=self.cwd, start_new_session=True, stdout=output, stderr=output,
                pass_fds=(self.terminal,), env={**os.environ, TERMINAL_FD_ENV: str(self.terminal)},
            )
        self.children.append(Child(name, process, output_path))
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
