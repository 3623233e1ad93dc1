"""`manage.py import` in groups (library/importing/groups.py), with a real process: a Ctrl-C in
the middle leaves every committed photo whole, no file without its row, and nothing in .import_temp."""
import signal

import pytest

from fault_helpers import assert_library_consistent, count_originals, make_distinct_jpegs, start_manage
from live_site import LiveSite
from polling import wait_for

pytestmark = pytest.mark.outside_database


@pytest.fixture
def site(tmp_path):
    site = LiveSite(tmp_path / "library")
    site.root.mkdir()
    site.manage("migrate", "--noinput", "-v0")
    return site


def test_ctrl_c_mid_import_leaves_the_library_consistent(site, tmp_path):
    # given: an import of 300 photos, interrupted once the first groups are in
    make_distinct_jpegs(tmp_path / "card", 300)
    process = start_manage(site, "import", str(tmp_path / "card"), "--no-progress", log_name="import")
    wait_for(lambda: count_originals(site.root) >= 40, what="the first groups to land")
    # when
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    # then: no repair needed (a group placed but not yet committed is taken back out), and the
    # files staged ahead of it are gone
    rows = assert_library_consistent(site)
    assert 0 < len(rows) < 300, "the import finished before the interrupt: nothing was tested"
