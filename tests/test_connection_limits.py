"""Connection limits over the live server (issue 22, item 11): request heads over 64 KB are refused
without the server growing, a body that stalls past PHOTOSITE_BODY_IDLE_SECONDS is cut off and its
file fails cleanly, uploads in flight are capped per process (429 with Retry-After), and bodies
Django reads whole are refused past DATA_UPLOAD_MAX_MEMORY_SIZE."""
import socket
from contextlib import ExitStack, closing
from pathlib import Path

import pytest
from test_resumable_uploads import TUS, create
from test_web_import import new_session, processed, raw_request, read_events, temp_leftovers, upload

import factories
from live_site import running_site
from polling import wait_for

pytestmark = pytest.mark.outside_database

IDLE_SECONDS = 2
IN_FLIGHT = 3
# A file's part begun: the server has opened its staging file once these bytes are in.
PART_HEAD = (b'--stall\r\nContent-Disposition: form-data; name="file"; filename="stalled.jpg"\r\n'
             b"Content-Type: image/jpeg\r\n\r\n" + b"\xff\xd8\xff" + b"\0" * 5000)
STALLED_TYPE = "multipart/form-data; boundary=stall"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    limits = {"PHOTOSITE_BODY_IDLE_SECONDS": str(IDLE_SECONDS), "PHOTOSITE_UPLOADS_IN_FLIGHT": str(IN_FLIGHT)}
    with running_site(tmp_path_factory.mktemp("limits") / "library", extra_env=limits) as live:
        yield live


@pytest.fixture(scope="module")
def admin(site):
    with closing(site.client()) as client:
        yield client


def process_status(site, field):
    """A field of the web process's /proc status, as a number (VmRSS in kB, Threads)."""
    line = next(line for line in Path(f"/proc/{site.web.pid}/status").read_text().splitlines()
                if line.startswith(field + ":"))
    return int(line.split()[1])


def answer_to(site, request, timeout=30):
    """What the server answers to `request` (its first bytes), b"" when it only closed the
    connection (a refusal sent while the request was still coming may be lost in a reset)."""
    with socket.create_connection(("127.0.0.1", site.port), timeout=timeout) as connection:
        try:
            connection.sendall(request)
            return connection.recv(65536)
        except (BrokenPipeError, ConnectionResetError):
            return b""


def get_with_header(site, header_bytes):
    return (f"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1:{site.port}\r\n"
            f"X-Padding: {'a' * header_bytes}\r\n\r\n").encode()


# -- request heads -------------------------------------------------------------------------------
@pytest.mark.parametrize("header_bytes", [8 * 1024 * 1024, 65 * 1024])
def test_a_request_head_over_64_kb_is_refused_and_costs_the_server_nothing(site, header_bytes):
    # given
    rss_before = process_status(site, "VmRSS")
    # when
    answer = answer_to(site, get_with_header(site, header_bytes))
    # then: refused (431, or the connection closed), and the server did not keep the header
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431"), answer[:100]
    assert process_status(site, "VmRSS") - rss_before < 10 * 1024, "kB the server grew by"
    assert answer_to(site, get_with_header(site, 100)).startswith(b"HTTP/1.1 200")


def test_a_60_kb_request_head_is_served(site):
    assert answer_to(site, get_with_header(site, 60 * 1024)).startswith(b"HTTP/1.1 200")


# -- stalled bodies ------------------------------------------------------------------------------
def test_a_body_that_stalls_is_cut_off_and_its_file_fails_cleanly(site, admin):
    # given: a request announcing 5 MB, of which the start of a file is sent; then nothing
    session = new_session(admin)
    request = raw_request(site, admin, session, STALLED_TYPE, 5_000_000)
    with socket.create_connection(("127.0.0.1", site.port), timeout=IDLE_SECONDS + 20) as connection:
        connection.sendall(request + PART_HEAD)
        # when: the client sends nothing more, and the connection stays open
        answer = connection.makefile("rb").read1(65536)
    # then: answered within the idle limit, the file failed with a reason, its bytes gone
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert processed(admin, session) == 1
    assert admin.get(f"/api/imports/{session['id']}").json()["counts"] == {"imported": 0, "duplicate": 0, "failed": 1, "skipped": 0}
    event = read_events(admin, session["events_url"], until="file")[0]["data"]
    assert (event["name"], event["error"]) == ("stalled.jpg", "the upload was cut off before the end of the file")
    assert temp_leftovers(site) == []


def test_a_resumable_piece_that_stalls_is_cut_off_and_keeps_what_came(site, admin, tmp_path):
    # given: an upload of 1 MB, whose first piece sends 300 kB and then nothing
    data = factories.make_jpeg(tmp_path / "resumed.jpg", 64, 48).read_bytes().ljust(1_000_000, b"\0")
    location = create(admin, new_session(admin)["id"], data, name="resumed.jpg")
    cookies = "; ".join(f"{name}={value}" for name, value in admin.cookies.items())
    head = (f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1:{site.port}\r\nCookie: {cookies}\r\n"
            f"X-CSRFToken: {admin.cookies['csrftoken']}\r\nReferer: {site.base_url}/\r\n"
            "Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    # when
    answer = answer_to(site, head + data[:300_000], timeout=IDLE_SECONDS + 20)
    # then: answered within the idle limit with what the server holds, from where the upload goes on
    assert answer.startswith(b"HTTP/1.1 204"), answer[:200]
    assert b"upload-offset: 300000\r\n" in answer.lower()
    assert admin.head(location, headers=TUS).headers["Upload-Offset"] == "300000"
    assert admin.delete(location, headers=TUS).status_code == 204


def test_a_body_django_reads_whole_that_stalls_is_cut_off(site):
    # given: a login form announcing more than it sends
    request = (f"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1:{site.port}\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nusername=").encode()
    # when / then: the server gives up on it rather than wait for ever
    assert answer_to(site, request, timeout=IDLE_SECONDS + 20).startswith(b"HTTP/1.1 408")


def test_a_body_django_reads_whole_is_refused_past_its_size_limit(site):
    # given: an anonymous login form announcing 50 MB (Django would spool it all to a temporary file)
    request = (f"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1:{site.port}\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 50000000\r\n\r\n").encode()
    # when: more than DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) of it is sent
    answer = answer_to(site, request + b"a" * 3_000_000)
    # then: refused before the rest is read (413, or the connection closed)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 413"), answer[:100]


def test_a_head_that_never_ends_is_closed(site):
    with socket.create_connection(("127.0.0.1", site.port), timeout=IDLE_SECONDS + 20) as connection:
        connection.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert connection.recv(65536) == b""


# -- uploads in flight ---------------------------------------------------------------------------
def test_uploads_past_the_cap_are_refused_and_hold_no_threads(site, admin, tmp_path):
    # given: the server's threads at rest, and IN_FLIGHT uploads under way, whose bodies trickle
    session = new_session(admin)
    request = raw_request(site, admin, session, STALLED_TYPE, 5_000_000)
    threads_at_rest = process_status(site, "Threads")
    with ExitStack() as open_connections:
        connections = [open_connections.enter_context(socket.create_connection(("127.0.0.1", site.port)))
                       for _ in range(IN_FLIGHT)]
        for connection in connections:
            connection.sendall(request + PART_HEAD)
        wait_for(lambda: len(temp_leftovers(site)) == IN_FLIGHT, 20, "every upload under way")
        # when: more uploads come (while those go on trickling)
        answers = []
        for _ in range(12):
            for connection in connections:
                connection.sendall(b"\0")
            answers.append(answer_to(site, request + PART_HEAD))
        # then: each is refused at once, with when to come back; the threads stay bounded
        assert all(answer.startswith(b"HTTP/1.1 429") for answer in answers), answers[0][:200]
        assert b"retry-after: 2\r\n" in answers[0].lower()
        assert process_status(site, "Threads") <= threads_at_rest + 2 * IN_FLIGHT + 2
    # when: those uploads are over (their clients gone), the slots are free again
    picture = factories.make_jpeg(tmp_path / "after.jpg", 64, 48)
    wait_for(lambda: processed(admin, session) == IN_FLIGHT, 20, "the cut uploads recorded")
    assert upload(admin, session, picture).json()["results"][0]["status"] == "imported"
