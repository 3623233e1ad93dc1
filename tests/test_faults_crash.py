"""Power-cut faults with real processes: `kill -9` of `manage.py import` and of the web server
in the middle of an import. After `checklibrary --repair` every file that was fully received is
in the library exactly once with its row (a browser's, unanswered, too: it is not sent again),
and re-running the import brings in the rest."""
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from fault_helpers import (
    SUMMARY,
    assert_library_consistent,
    check_and_repair,
    count_originals,
    kill_9,
    kill_web_while_posting,
    make_distinct_jpegs,
    names_and_sessions,
    sha256_of,
    start_manage,
)
from live_site import LiveSite
from polling import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60), pytest.mark.outside_database]

@pytest.fixture
def site(tmp_path):
    root = tmp_path / "library"
    root.mkdir()
    live = LiveSite(root).prepare()
    yield live
    live.stop()


def test_kill_9_of_a_folder_import(site, tmp_path):
    # given an import of 150 photos, killed once some are in
    sources = make_distinct_jpegs(tmp_path / "card", 150)
    process = start_manage(site, "import", str(tmp_path / "card"), "--no-progress", "--jobs", "4", log_name="import")
    wait_for(lambda: count_originals(site.root) >= 20, what="the first photos to land")
    kill_9(process)
    landed = count_originals(site.root)
    assert landed < len(sources), "the import finished before the kill: nothing was tested"
    # when
    check_and_repair(site)
    # then
    rows = assert_library_consistent(site)
    assert len(rows) >= landed - 4, "a photo that had landed was lost"  # at most one per worker thread un-landed
    # and re-running the import brings the rest, the first ones as duplicates
    rerun = site.manage("import", str(tmp_path / "card"), "--no-progress", check=False)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    imported, duplicate, failed = map(int, SUMMARY.search(rerun.stdout).groups())
    assert (imported, duplicate, failed) == (len(sources) - len(rows), len(rows), 0)
    rows = assert_library_consistent(site)
    assert sorted(rows.values()) == sorted(sha256_of(path) for path in sources)


def test_kill_9_of_the_web_server_mid_import(site, tmp_path):
    # given a web import of 200 photos in parallel requests, the server killed after 40 answers
    site.start_web()
    sources = make_distinct_jpegs(tmp_path / "upload", 200)
    client = site.client()
    session = client.post("/api/imports/").json()
    answered, killed = [], threading.Event()

    def send(path):
        if killed.is_set():
            return
        try:
            response = client.post(f"/api/imports/{session['id']}/files",
                                   files=[("file", (path.name, path.read_bytes(), "image/jpeg"))])
        except httpx.TransportError:
            return
        if response.status_code == 200:
            answered.append((path, response.json()["results"][0]["status"]))
        if len(answered) >= 40 and not killed.is_set():
            killed.set()
            site.kill_web()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(send, sources))
    assert killed.is_set() and len(answered) < len(sources)
    # when the server comes back and the library is checked
    site.start_web()
    check_and_repair(site)
    # then every file the server answered for is in, once
    rows = assert_library_consistent(site)
    assert {sha256_of(path) for path, status in answered if status == "imported"} <= set(rows.values())
    # and sending everything again brings in the rest
    again = client.post("/api/imports/").json()
    statuses = []
    for start in range(0, len(sources), 25):
        batch = sources[start:start + 25]
        response = client.post(f"/api/imports/{again['id']}/files",
                               files=[("file", (p.name, p.read_bytes(), "image/jpeg")) for p in batch])
        statuses += [result["status"] for result in response.json()["results"]]
    assert statuses.count("duplicate") == len(rows) and statuses.count("imported") == len(sources) - len(rows)
    rows = assert_library_consistent(site)
    assert sorted(rows.values()) == sorted(sha256_of(path) for path in sources)
    client.close()


def test_kill_9_of_the_web_server_while_it_places_a_request_s_files(site, tmp_path):
    # given one request of 100 photos, the server killed once they are received whole (given their
    # staged name) and before it has answered: while it reads and places them
    site.start_web()
    sources = make_distinct_jpegs(tmp_path / "upload", 100)
    temp = site.root / ".import_temp"
    session = kill_web_while_posting(site, sources, lambda: every_file_staged(temp),
                                     "the request's files to be received whole")
    # when
    check_and_repair(site)
    # then every photo the server received is in, once, none sent again, each under its own name
    # in the session it was sent in (as if the server had not died)
    rows = assert_library_consistent(site)
    assert sorted(rows.values()) == sorted(sha256_of(path) for path in sources)
    assert names_and_sessions(site) == (sorted(path.name for path in sources), {session})


def every_file_staged(temp) -> bool:
    """Whether the server has given every received file its `.staged` name: it renames them one
    after another, and a file killed under its `.part` name was not yet kept (its sender, never
    answered, sends it again), so the kill waits until none is left and placing has begun."""
    suffixes = {path.suffix for path in temp.iterdir()} if temp.exists() else set()
    return ".staged" in suffixes and ".part" not in suffixes
