"""`manage.py serve` as a person runs it: one command on an empty library brings up the site and
its workers; Ctrl-C stops both; a child that dies takes the whole thing down, loudly."""
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import factories
from live_site import PROJECT_DIR, LiveSite
from polling import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.outside_database]


def start_serve(site, port=None):
    log = open(site.log_dir / "serve.log", "w+b")  # noqa: SIM115 - closed with the process by the test
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port or site.port), "--stop-timeout", "10"],
        cwd=PROJECT_DIR, env=site.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return process, site.log_dir / "serve.log"


def descendants(pid):
    """Every process under `pid` (from /proc), children first."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found += [int(child), *descendants(int(child))]
    return found


def nice_value(pid):
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def answers(url):
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def site(tmp_path):
    site = LiveSite(tmp_path / "library", extra_env={"PHOTOSITE_WORKERS": "1"})
    site.root.mkdir()
    return site


def test_serve_runs_site_and_workers_and_ctrl_c_stops_both(site, tmp_path):
    # given: an empty library, no database yet
    process, log = start_serve(site)
    try:
        # when
        wait_for(lambda: answers(site.base_url + "/accounts/login/"), 40, "the site")
        # then: migrated, with a first user whose password is shown once
        password = re.search(r"first user 'admin' with the password (\S+)", log.read_text())[1]
        assert site.client("admin", password).get("/admin/").status_code == 200
        # and a secret key generated and kept where it says
        assert f"secret key and kept it in {site.root / '.photosite' / 'secret_key'}" in log.read_text()
        assert answers(site.base_url + "/static/library/site.css"), "static files are served"
        # and the workers run the thumbnails an import queues
        source = factories.make_jpeg(tmp_path / "a.jpg", 320, 240)
        site.manage("import", str(source), "--no-progress")
        wait_for(lambda: list((site.root / ".thumbnails").rglob("*.webp")), 30, "a thumbnail made by a worker")
        children = descendants(process.pid)
        assert len(children) >= 3, "uvicorn, qcluster and its worker processes"
        niceness = {pid: nice_value(pid) for pid in children}
        web = next(pid for pid in children if b"uvicorn" in Path(f"/proc/{pid}/cmdline").read_bytes())
        assert max(niceness.values()) == min(19, niceness[web] + 19), "the workers yield the CPU to the web server"
        # no proxy trusted: X-Forwarded-For cannot choose the address login throttling counts by
        assert b"--no-proxy-headers" in Path(f"/proc/{web}/cmdline").read_bytes()
        # and the terminal holds the status lines only: no line per request or thumbnail (in .logs/),
        # nor a wrong password or a file whose thumbnail fails (a placeholder shows it in the gallery)
        for _ in range(5):
            site.client("admin", password).get("/")
        with pytest.raises(RuntimeError, match="login as admin failed"):
            site.client("admin", "not the password")
        broken = factories.make_jpeg(tmp_path / "broken.jpg", 300, 200)
        site.manage("import", str(broken), "--no-progress")
        photo_id, relative_path = stored_photo(site, "broken.jpg")
        (site.root / relative_path).write_bytes(b"\xff\xd8 no longer a photo")
        thumbnail = site.client("admin", password).get(f"/api/photo/{photo_id}/thumbnail?size=800")
        assert thumbnail.headers.get("x-thumbnail-placeholder") == "1"
        wait_for(lambda: "(broken.jpg)" in (site.root / ".logs" / "errors.log").read_text(), 10, "the failure logged")
        terminal = log.read_text()
        assert '"GET /' not in terminal and "Thumbnail made" not in terminal and " INFO " not in terminal, terminal
        assert "broken.jpg" not in terminal and "login" not in terminal.lower(), terminal
        assert len(terminal.splitlines()) <= 10, terminal
        assert f"logs in {site.root / '.logs'}" in terminal
        assert "Thumbnail made" in (site.root / ".logs" / "photosite.log").read_text()
        assert not (site.root / ".logs" / "access.log").exists()
        # when: Ctrl-C
        process.send_signal(signal.SIGINT)
        # then
        assert process.wait(timeout=30) == 0
        assert "Stopped." in log.read_text()
        assert [pid for pid in children if alive(pid)] == []
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_serve_stops_everything_and_fails_when_a_child_dies(site):
    # given: the port is taken, so the web server cannot start
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process, log = start_serve(site, port=taken.getsockname()[1])
        try:
            # when / then
            assert process.wait(timeout=40) == 1
            # with the web server's own last words, kept in .logs/
            assert "the web server exited" in log.read_text()
            assert "address already in use" in log.read_text().lower()
            assert "address already in use" in (site.root / ".logs" / "web-server.log").read_text().lower()
            assert not [pid for pid in all_qclusters_of(site) if alive(pid)]
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)


def stored_photo(site, original_name):
    """(id, path in the library) of the photo imported from `original_name`."""
    listing = site.manage("shell", "-c", "from library.models import Photo; "
                                         f"p = Photo.objects.get(original_name={original_name!r}); print(p.pk, p.path)")
    photo_id, path = listing.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(photo_id), path


def all_qclusters_of(site):
    """qcluster processes started for this site's library (found by their environment)."""
    marker = f"PHOTOSITE_LIBRARY_ROOT={site.root}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if b"qcluster" in (entry / "cmdline").read_bytes() and marker in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def test_the_access_log_goes_to_the_logs_folder_when_turned_on(tmp_path):
    # given
    site = LiveSite(tmp_path / "library", extra_env={"PHOTOSITE_WORKERS": "1", "PHOTOSITE_ACCESS_LOG": "1"})
    site.root.mkdir()
    process, log = start_serve(site)
    try:
        # when
        wait_for(lambda: answers(site.base_url + "/accounts/login/"), 40, "the site")
        # then
        access_log = site.root / ".logs" / "access.log"
        wait_for(lambda: access_log.exists() and '"GET /accounts/login/ HTTP/1.1" 200' in access_log.read_text(),
                 10, "the request in access.log")
        assert '"GET /' not in log.read_text()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
