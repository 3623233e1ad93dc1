"""The import page in Chromium, counting what it really sends (tests/counting_proxy.py sits between
the browser and the real uvicorn server): a folder imported twice is sent once, and a big upload
cut off by a server killed mid-way goes on from what the server holds once it is back."""
import hashlib
import os

import pytest

import factories
from browser import screenshot, watched_context
from counting_proxy import CountingProxy
from live_site import ADMIN_PASSWORD, ADMIN_USER, running_site
from polling import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT_MS = 60_000
CHUNK_BYTES = 16 * 1024 * 1024


def make_big_jpeg(path, megabytes, seed):
    """A real (small) JPEG followed by `megabytes` of random bytes: a valid photo as big as a video."""
    factories.make_jpeg(path, 320, 240, taken=factories.a_date(day=seed + 1))
    with open(path, "ab") as file:
        file.write(os.urandom(megabytes * 1024 * 1024))
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running_site(tmp_path_factory.mktemp("resumable") / "library",
                      extra_env={"PHOTOSITE_UPLOAD_CHUNK_BYTES": str(CHUNK_BYTES), "PHOTOSITE_MIN_FREE_BYTES": "0"}) as live:
        yield live


def open_import_page(browser, base_url):
    context = watched_context(browser)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(base_url + "/import/")
    page.fill("input[name=username]", ADMIN_USER)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/import/")
    return page


def summary_text(page):
    page.locator("#summary").wait_for(state="visible")
    return page.locator("#summary-text").text_content()


def test_a_folder_imported_twice_is_sent_once(site, browser, tmp_path):
    # given: a folder of eight photos and one file big enough to go resumably, through a counting proxy
    folder = tmp_path / "card"
    folder.mkdir()
    for index in range(8):
        factories.make_noisy_jpeg(folder / f"IMG_{index:04d}.JPG", 1600, 1200, seed=index,
                                  taken=factories.a_date(day=index + 1))
    make_big_jpeg(folder / "BIG_0001.JPG", 40, seed=20)
    folder_bytes = sum(path.stat().st_size for path in folder.iterdir())
    proxy = CountingProxy(site.port)
    page = open_import_page(browser, proxy.base_url)
    try:
        # when: the folder is imported, then imported again
        first_started = proxy.sent
        page.set_input_files("#folder-picker", folder)
        assert "9 imported, 0 already in the library, 0 failed" in summary_text(page)
        first_sent = proxy.sent - first_started
        page.evaluate("() => { document.getElementById('summary').hidden = true; }")
        second_started = proxy.sent
        page.set_input_files("#folder-picker", folder)
        # then: the second time every file is a duplicate linked to its photo, and almost nothing was sent
        assert "0 imported, 9 already in the library, 0 failed" in summary_text(page)
        second_sent = proxy.sent - second_started
        page.locator("#duplicates").evaluate("details => { details.open = true; }")
        assert page.locator("#duplicates li a[href^='/photo/']").count() == 9
        screenshot(page, "web-import-second-time-not-sent")
    finally:
        page.context.close()
        proxy.close()
    page.context.csp.assert_none()
    assert first_sent >= folder_bytes
    assert second_sent < 0.05 * folder_bytes, f"sent {second_sent:,} of {folder_bytes:,} bytes the second time"


def test_a_folder_imported_before_is_known_from_the_pages_memory_without_reading_it(site, browser, tmp_path):
    # given: a folder imported through the page (none of its files hashed in the browser: their
    # sizes were new to the library, so the hashes the page keeps are the server's)
    folder = tmp_path / "phone"
    folder.mkdir()
    for index in range(4):
        factories.make_noisy_jpeg(folder / f"PXL_{index:04d}.jpg", 800 + 16 * index, 600, seed=40 + index,
                                  taken=factories.a_date(day=index + 1))
    proxy = CountingProxy(site.port)
    page = open_import_page(browser, proxy.base_url)
    try:
        page.set_input_files("#folder-picker", folder)
        assert "4 imported, 0 already in the library, 0 failed" in summary_text(page)
        # and one file changed since (edited in place: a new size and time)
        edited = folder / "PXL_0002.jpg"
        factories.make_noisy_jpeg(edited, 640, 480, seed=99, taken=factories.a_date(day=9))
        # when: the page is opened again (nothing of the first import in its memory but what it
        # kept in IndexedDB) and given the same folder
        page.reload()
        page.wait_for_load_state()
        sent_before = proxy.sent
        page.set_input_files("#folder-picker", folder)
        # then: the three known files are duplicates; the edited one is sent and imported
        assert "1 imported, 3 already in the library, 0 failed" in summary_text(page)
        sent = proxy.sent - sent_before
        # and no file was read to be hashed: the page started no hashing worker at all
        assert page.workers == []
        screenshot(page, "web-import-known-from-memory")
    finally:
        page.context.close()
        proxy.close()
    page.context.csp.assert_none()
    assert edited.stat().st_size <= sent < edited.stat().st_size + 100_000


def test_an_upload_cut_by_a_server_restart_goes_on_from_what_the_server_holds(site, browser, tmp_path):
    # given: a 96 MB file being sent (slowed to 24 MB/s) in 16 MB pieces
    big = make_big_jpeg(tmp_path / "VIDEO_SIZED.JPG", 96, seed=3)
    size = big.stat().st_size
    proxy = CountingProxy(site.port, rate=24 * 1024 * 1024)
    page = open_import_page(browser, proxy.base_url)
    try:
        started = proxy.sent
        page.set_input_files("#file-picker", big)
        # when: the web server is killed (SIGKILL) once 75% of the file went out (the server holds less:
        # up to 14 MB are in the sockets' buffers and the server's), and started again
        wait_for(lambda: proxy.sent - started > 0.75 * size, 60, "75% of the upload sent")
        assert "Sending VIDEO_SIZED.JPG" in page.locator("#import-status").text_content()
        site.kill_web()
        sent_before_restart = proxy.sent - started
        screenshot(page, "web-import-resumable-in-progress")
        site.start_web()
        # then: the upload finishes, having sent again less than half of the file
        assert "1 imported, 0 already in the library, 0 failed" in summary_text(page)
        sent_after_restart = proxy.sent - started - sent_before_restart
        screenshot(page, "web-import-resumed-after-restart")
    finally:
        page.context.close()
        proxy.close()
    page.context.csp.assert_none()
    assert sent_after_restart < 0.5 * size, f"{sent_after_restart:,} of {size:,} bytes sent after the restart"
    stored = site.manage("shell", "-v0", "-c", "from library.models import Photo; from library.paths import absolute_path;"
                         "import hashlib; p = Photo.objects.get(original_name='VIDEO_SIZED.JPG');"
                         "print(p.sha256, hashlib.sha256(absolute_path(p.path).read_bytes()).hexdigest())").stdout.split()
    source_hash = hashlib.sha256(big.read_bytes()).hexdigest()
    assert stored == [source_hash, source_hash]
    assert list((site.root / ".import_temp").iterdir()) == []


def test_a_reloaded_page_given_the_same_file_goes_on_from_what_the_server_holds(site, browser, tmp_path):
    # given: a 64 MB file being sent (slowed to 24 MB/s)
    big = make_big_jpeg(tmp_path / "RELOADED.JPG", 64, seed=5)
    size = big.stat().st_size
    proxy = CountingProxy(site.port, rate=24 * 1024 * 1024)
    page = open_import_page(browser, proxy.base_url)
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" while files are on their way
    try:
        started = proxy.sent
        page.set_input_files("#file-picker", big)
        wait_for(lambda: proxy.sent - started > 0.7 * size, 60, "70% of the upload sent")
        # when: the page is reloaded, and the same file chosen again
        page.reload()
        sent_before_reload = proxy.sent - started
        page.locator("#import-actions").wait_for(state="visible")  # the interrupted session, re-attached
        page.set_input_files("#file-picker", big)
        # then: it finishes without sending the file's first part again
        assert "1 imported, 0 already in the library, 0 failed" in summary_text(page)
        sent_after_reload = proxy.sent - started - sent_before_reload
        page.wait_for_function("() => document.querySelector('[data-count=remaining]').textContent === '0'")
        screenshot(page, "web-import-resumed-after-reload")
    finally:
        page.context.close()
        proxy.close()
    page.context.csp.assert_none()
    assert sent_after_reload < 0.5 * size, f"{sent_after_reload:,} of {size:,} bytes sent after the reload"
    assert list((site.root / ".import_temp").iterdir()) == []
