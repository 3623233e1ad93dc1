"""The free-space reserve (PHOTOSITE_MIN_FREE_BYTES): no import, web or command line, takes the
library's filesystem below it. The library is a 64 MB tmpfs mounted by the test (as root), with
its database elsewhere, so the free space is the test's alone; the reserve leaves 24 MB for files.
A file that does not fit fails alone, with the reason, and leaves nothing in `.import_temp`; the
import goes on with the next file, which fits."""
import base64
import os
import subprocess
from contextlib import closing

import pytest

from factories import make_jpeg
from fault_helpers import SUMMARY
from live_site import LiveSite

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120), pytest.mark.outside_database]

DISK_BYTES = 64 * 1024 * 1024
RESERVE_BYTES = 40 * 1024 * 1024
MB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}
REFUSAL = "not enough free space: the library keeps PHOTOSITE_MIN_FREE_BYTES (40 MB) free for its database and logs"


@pytest.fixture
def site(tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(library)],
                       check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"cannot mount a small tmpfs here (needs root and mount permission): {error}")
    live = LiveSite(library, f"sqlite:///{tmp_path / 'db' / 'db.sqlite3'}",
                    extra_env={"PHOTOSITE_MIN_FREE_BYTES": str(RESERVE_BYTES)})
    try:
        yield live.prepare()
    finally:
        live.stop()
        subprocess.run(["umount", "-l", str(library)], check=False, timeout=10)


@pytest.fixture
def files(tmp_path):
    """A 30 MB file (more than the 24 MB above the reserve) and a small photo, in that order."""
    folder = tmp_path / "card"
    folder.mkdir()
    big = folder / "a_big.jpg"
    big.write_bytes(os.urandom(30 * 1024 * 1024))
    return big, make_jpeg(folder / "b_small.jpg", 64, 48, model=str(tmp_path))


def free_bytes(path):
    disk = os.statvfs(path)
    return disk.f_bavail * disk.f_frsize


def leftovers(site):
    temp = site.root / ".import_temp"
    return sorted(temp.iterdir()) if temp.exists() else []


def test_the_command_line_import_keeps_the_reserve_free(site, files):
    # when
    result = site.manage("import", str(files[0].parent), "--no-progress", "--jobs", "1", check=False)
    # then: the big file failed with the reason, the small one is in
    assert SUMMARY.search(result.stdout).groups() == ("1", "0", "1"), result.stdout
    assert REFUSAL in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert leftovers(site) == []
    assert free_bytes(site.root) >= RESERVE_BYTES


def test_a_web_upload_keeps_the_reserve_free(site, files):
    # given
    site.start_web()
    with closing(site.client()) as client:
        session = client.post("/api/imports/").json()
        # when: the big file's size is not announced, so it is cut short while it is written
        response = client.post(f"/api/imports/{session['id']}/files",
                               files=[("file", (path.name, path.read_bytes(), "image/jpeg")) for path in files])
    # then
    assert response.status_code == 200
    results = [(r["name"], r["status"], r["error"]) for r in response.json()["results"]]
    assert results == [("a_big.jpg", "failed", REFUSAL), ("b_small.jpg", "imported", "")]
    assert leftovers(site) == []
    assert free_bytes(site.root) >= RESERVE_BYTES


def begin_upload(client, session_id, name, length):
    metadata = ",".join(f"{key} {base64.b64encode(value.encode()).decode()}"
                        for key, value in (("filename", name), ("sha256", "a" * 64)))
    return client.post(f"/api/imports/{session_id}/uploads",
                       headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata})


def test_a_resumable_upload_leaves_room_for_what_unfinished_ones_declared(site):
    # given: an unfinished upload that declared 20 MB of the 24 MB above the reserve, and sent 1 MB
    site.start_web()
    with closing(site.client()) as client:
        session_id = client.post("/api/imports/").json()["id"]
        first = begin_upload(client, session_id, "FIRST.MOV", 20 * MB).headers["Location"]
        piece = client.patch(first, content=os.urandom(MB), headers={
            **TUS, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"})
        assert piece.status_code == 204
        # when: another declares 10 MB, which fits now but not once the first has sent the rest
        refused = begin_upload(client, session_id, "SECOND.MOV", 10 * MB)
        # then: refused at once, with the reason; and let in once the first is given up
        assert refused.status_code == 413, refused.text
        assert refused.json()["error"] == f"{REFUSAL}; 19 MB of the space is held for unfinished uploads"
        assert client.delete(first, headers=TUS).status_code == 204
        second = begin_upload(client, session_id, "SECOND.MOV", 10 * MB)
        assert second.status_code == 201, second.text
        client.delete(second.headers["Location"], headers=TUS)
    assert leftovers(site) == []
