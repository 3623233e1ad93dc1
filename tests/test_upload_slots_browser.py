"""The import page when the server already receives as many uploads as it takes at once
(PHOTOSITE_UPLOADS_IN_FLIGHT): its requests and resumable pieces are answered 429, and the page
sends them again once the server has room, losing no file."""
import socket
from contextlib import closing

import pytest
from test_web_import import new_session, raw_request, temp_leftovers
from test_web_import_resumable_browser import make_big_jpeg, open_import_page, summary_text

import factories
from browser import screenshot
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running_site(tmp_path_factory.mktemp("slots") / "library",
                      extra_env={"PHOTOSITE_UPLOADS_IN_FLIGHT": "1", "PHOTOSITE_UPLOAD_CHUNK_BYTES": str(8 * 1024**2),
                                 "PHOTOSITE_MIN_FREE_BYTES": "0"}) as live:
        yield live


def test_uploads_refused_for_want_of_room_are_sent_again(site, browser, tmp_path):
    # given: the server's one upload slot taken by another upload, trickling in
    photos = [factories.make_jpeg(tmp_path / f"IMG_{i:04d}.JPG", 160, 120, taken=factories.a_date(day=i + 1))
              for i in range(3)]
    big = make_big_jpeg(tmp_path / "BIG.JPG", 33, seed=7)  # sent resumably (tus)
    with closing(site.client()) as other:
        request = raw_request(site, other, new_session(other), "multipart/form-data; boundary=slow", 5_000_000)
        holder = socket.create_connection(("127.0.0.1", site.port))
        holder.sendall(request + b'--slow\r\nContent-Disposition: form-data; name="file"; filename="slow.jpg"\r\n\r\n')
    page = open_import_page(browser, site.base_url)
    try:
        # when: the page sends its files while the slot is taken (its requests and pieces are
        # refused, again and again), then the slot frees
        page.set_input_files("#file-picker", [*photos, big])
        page.wait_for_event("response", lambda response: response.status == 429 and response.request.method == "PATCH")
        page.wait_for_event("response", lambda response: response.status == 429 and response.request.method == "POST")
        screenshot(page, "web-import-waiting-for-room")
        holder.close()
        # then: every file is imported, none failed
        assert "4 imported, 0 already in the library, 0 failed" in summary_text(page)
        screenshot(page, "web-import-after-waiting-for-room")
    finally:
        holder.close()
        page.context.close()
    page.context.csp.assert_none()
    assert temp_leftovers(site) == []
