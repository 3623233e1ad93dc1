"""The disk filling up mid-import: a 3 MB tmpfs library (mounted by the test, as root) takes a
5 MB import. Files that do not fit fail one by one with a clear error, nothing is corrupt, the
site keeps serving, and once there is room again a re-run brings in the rest."""
import subprocess

import pytest

from factories import make_noisy_jpeg
from fault_helpers import SUMMARY, assert_library_consistent, sha256_of
from live_site import LiveSite

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90), pytest.mark.outside_database]

@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "library"
    mount_point.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)],
                       check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"cannot mount a small tmpfs here (needs root and mount permission): {error}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False, timeout=10)


def test_a_full_disk_fails_files_cleanly_and_loses_nothing(small_disk, tmp_path):
    # given a library on a small disk (its database elsewhere) and more photos than fit
    # (the free-space reserve off: this is about the disk itself running out, test_free_space.py about the reserve)
    site = LiveSite(small_disk, f"sqlite:///{tmp_path / 'db' / 'db.sqlite3'}",
                    extra_env={"PHOTOSITE_MIN_FREE_BYTES": "0"}).prepare()
    (tmp_path / "card").mkdir()
    sources = [make_noisy_jpeg(tmp_path / "card" / f"IMG_{i:03d}.jpg", 800, 600, seed=i) for i in range(16)]
    assert sum(path.stat().st_size for path in sources) > 4 * 1024 * 1024
    try:
        # when
        first = site.manage("import", str(tmp_path / "card"), "--no-progress", "--jobs", "2", check=False)
        # then: clear per-file failures, and what is in is whole
        imported, duplicate, failed = map(int, SUMMARY.search(first.stdout).groups())
        assert imported > 0 and failed > 0 and first.returncode != 0
        assert first.stdout.count("No space left on device") == failed, first.stdout
        assert "Traceback" not in first.stdout + first.stderr
        rows = assert_library_consistent(site)
        assert site.manage("checklibrary", "--verify-hashes", "--no-progress", check=False).returncode == 0
        # and the site keeps serving, the originals included
        site.start_web()
        client = site.client()
        assert client.get("/").status_code == 200
        # when there is room again
        subprocess.run(["mount", "-o", "remount,size=20m", str(small_disk)], check=True, timeout=10)
        again = site.manage("import", str(tmp_path / "card"), "--no-progress", check=False)
        # then the rest comes in
        assert again.returncode == 0, again.stdout
        assert SUMMARY.search(again.stdout).groups() == (str(len(sources) - len(rows)), str(len(rows)), "0")
        rows = assert_library_consistent(site)
        assert sorted(rows.values()) == sorted(sha256_of(path) for path in sources)
        client.close()
    finally:
        site.stop()
