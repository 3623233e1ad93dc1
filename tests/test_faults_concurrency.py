"""Four imports of overlapping file sets at once (three `manage.py import` processes and a web
upload), on SQLite and on PostgreSQL: exactly one copy and one row per distinct file."""
import shutil
import threading

import pytest

from fault_helpers import assert_library_consistent, make_distinct_jpegs, sha256_of, start_manage
from live_site import running_site

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

SHARED, OWN = 20, 10


def overlapping_folders(tmp_path, count):
    """Each folder holds the same SHARED photos first, each starting at another one of them (so
    the imports run into each other on the same bytes), then OWN photos of its own."""
    shared = make_distinct_jpegs(tmp_path / "shared", SHARED)
    folders, originals = [], list(shared)
    for index in range(count):
        folder = tmp_path / f"set{index}"
        own = make_distinct_jpegs(tmp_path / f"own{index}", OWN, start=SHARED + index * OWN)
        folder.mkdir()
        for position, path in enumerate(shared[index * 5:] + shared[:index * 5]):
            shutil.copy(path, folder / f"a{position:02d}_{path.name}")
        for path in own:
            shutil.copy(path, folder / f"b_{path.name}")
        folders.append(folder)
        originals += own
    return folders, originals


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request, tmp_path):
    database_url = request.getfixturevalue("postgres_url") if request.param == "postgres" else "sqlite"
    with running_site(tmp_path / "library", database_url) as live:
        yield live


def test_four_concurrent_imports_keep_one_copy_per_file(site, tmp_path):
    # given
    folders, originals = overlapping_folders(tmp_path, 4)
    client = site.client()
    web_statuses = []

    def upload(folder):
        session = client.post("/api/imports/").json()
        paths = sorted(folder.iterdir())
        for start in range(0, len(paths), 5):
            files = [("file", (p.name, p.read_bytes(), "image/jpeg")) for p in paths[start:start + 5]]
            response = client.post(f"/api/imports/{session['id']}/files", files=files)
            web_statuses.extend(result["status"] for result in response.json()["results"])

    # when
    processes = [start_manage(site, "import", str(folder), "--no-progress", "--jobs", "4", log_name=f"import{i}")
                 for i, folder in enumerate(folders[:3])]
    web = threading.Thread(target=upload, args=(folders[3],))
    web.start()
    codes = [process.wait(timeout=60) for process in processes]
    web.join(timeout=60)
    client.close()
    # then
    assert codes == [0, 0, 0], [(site.log_dir / f"import{i}.log").read_text()[-2000:] for i in range(3)]
    assert len(web_statuses) == SHARED + OWN and "failed" not in web_statuses
    rows = assert_library_consistent(site)
    assert sorted(rows.values()) == sorted(sha256_of(path) for path in originals)
