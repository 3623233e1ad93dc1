"""Shared pieces of the fault tests: many distinct small photos, real `manage.py` processes, and
the invariant every fault must leave intact: one file per row, one row per file, each file
holding the bytes its row's SHA-256 names, nothing left in .import_temp."""
import contextlib
import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import httpx
from PIL import Image

from live_site import PROJECT_DIR, LiveSite
from polling import wait_for

# The last line `manage.py import` prints.
SUMMARY = re.compile(r"(\d+) imported, (\d+) duplicate, (\d+) failed")


def make_distinct_jpegs(folder: Path, count: int, start=0, size=(64, 48)) -> list[Path]:
    """`count` small JPEGs, each with different pixels (so different bytes and hashes)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(start, start + count):
        image = Image.new("RGB", size, (index % 256, index // 256 % 256, 77))
        image.putpixel((index % size[0], 0), (255, 255, 255))
        path = folder / f"IMG_{index:05d}.jpg"
        image.save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start_manage(site: LiveSite, *args, log_name="manage") -> subprocess.Popen:
    log = open(site.log_dir / f"{log_name}.log", "ab")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=site.env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def kill_9(process: subprocess.Popen):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=15)


def library_files(root: Path) -> dict[str, str]:
    """relative path → SHA-256 of every original (hidden folders are the site's own)."""
    files = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            files[relative.as_posix()] = sha256_of(path)
    return files


def photo_rows(site: LiveSite) -> dict[str, str]:
    """relative path → SHA-256 of every Photo row, read straight from the site's database."""
    return dict(site_rows(site, "SELECT path, sha256 FROM library_photo"))


def site_rows(site: LiveSite, query: str) -> list[tuple]:
    """What `query` finds in the site's own database (SQLite or PostgreSQL), read straight from it."""
    url = site.env.get("DATABASE_URL", f"sqlite:///{site.root / '.photosite' / 'db.sqlite3'}")
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url) as connection:
            return connection.execute(query).fetchall()
    with sqlite3.connect(url.removeprefix("sqlite://"), timeout=30) as connection:
        return connection.execute(query).fetchall()


def count_originals(root: Path) -> int:
    return sum(1 for folder in root.glob("[0-9]*") for _ in folder.iterdir())


def assert_library_consistent(site: LiveSite) -> dict[str, str]:
    """The invariant; returns the rows (path → SHA-256)."""
    rows = photo_rows(site)
    files = library_files(site.root)
    assert files == rows, {"files without a row": files.keys() - rows.keys(), "rows without a file": rows.keys() - files.keys(),
                           "files whose bytes differ from their row": {path for path in files if files[path] != rows.get(path)}}
    assert len(set(rows.values())) == len(rows), "the same bytes stored twice"
    temp = site.root / ".import_temp"
    assert not temp.exists() or list(temp.iterdir()) == []
    return rows


def check_and_repair(site: LiveSite) -> str:
    completed = site.manage("checklibrary", "--repair", "--stale-after", "0", "--no-progress", check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def kill_web_while_posting(site: LiveSite, files: list[Path], killed_once, what: str, timeout=20) -> int:
    """Post `files` (as JPEGs) to a new import session in one request, and kill the web server
    once `killed_once()` holds, before it has answered: a browser's request cut by a power cut.
    Fails if the server answered first, since then the kill tested nothing. The session's id."""
    client = site.client()
    session = client.post("/api/imports/").json()
    answers = []

    def send():
        try:
            answers.append(client.post(f"/api/imports/{session['id']}/files",
                                       files=[("file", (path.name, path.read_bytes(), "image/jpeg")) for path in files]))
        except httpx.TransportError as error:
            answers.append(error)

    sending = threading.Thread(target=send)
    sending.start()
    wait_for(lambda: answers or killed_once(), timeout, what)
    site.kill_web()
    sending.join(timeout=30)
    client.close()
    assert isinstance(answers[0], httpx.TransportError), "the request was answered before the kill"
    return session["id"]


def names_and_sessions(site: LiveSite) -> tuple[list[str], set[int]]:
    """The photos' original names, sorted, and the import sessions they came in."""
    rows = site_rows(site, "SELECT original_name, import_session_id FROM library_photo")
    return sorted(name for name, _ in rows), {session for _, session in rows}
