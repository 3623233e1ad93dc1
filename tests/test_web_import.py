"""The web import end to end over the real ASGI server: the JSON API, the Server-Sent-Event stream
(read with a real HTTP client: ids, history, Last-Event-ID replay), idle streams, and bad input."""
import json
import re
import socket
from contextlib import closing, contextmanager
from datetime import timedelta
from itertools import islice

import httpx
import pytest

import factories
from live_site import ADMIN_PASSWORD, ADMIN_USER, running_site
from polling import wait_for

pytestmark = [pytest.mark.slow]

STREAM_TIMEOUT_SECONDS = 20
DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# -- a live site per module (starting one takes seconds; each test makes its own sessions) -------
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running_site(tmp_path_factory.mktemp("web-import") / "library") as live:
        live.create_user("bob", "bob-password-123")
        yield live


@pytest.fixture(scope="module")
def admin(site):
    with closing(site.client()) as client:
        yield client


@pytest.fixture(scope="module")
def bob(site):
    with closing(site.client("bob", "bob-password-123")) as client:
        yield client


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """Ten distinct small JPEGs (different EXIF dates make different bytes)."""
    folder = tmp_path_factory.mktemp("images")
    return [factories.make_jpeg(folder / f"IMG_{i:04d}.JPG", 160, 120, taken=factories.a_date() + timedelta(days=i))
            for i in range(10)]


# -- helpers -----------------------------------------------------------------------------------
def new_session(client):
    response = client.post("/api/imports/")
    assert response.status_code == 201, response.text
    return response.json()


def upload(client, session, *paths, names=None):
    names = names or [path.name for path in paths]
    files = [("file", (name, path.read_bytes(), "image/jpeg")) for name, path in zip(names, paths, strict=True)]
    return client.post(f"/api/imports/{session['id']}/files", files=files)


def parse_sse(lines):
    """Yields each event as a dict (event, id, data) from an iterator of SSE lines."""
    event = {}
    for line in lines:
        if not line:
            if "event" in event:
                data = event.get("data", "")
                event["data"] = json.loads(data) if data.startswith("{") else data
                yield event
            event = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            event[field] = event["data"] + "\n" + value if field == "data" and "data" in event else value


@contextmanager
def listening(base_url, cookies, events_url):
    """A browser's event stream, open (its `stream-open` event seen) before the test acts: yields
    an iterator over the events that follow."""
    with httpx.Client(base_url=base_url, cookies=cookies) as listener, \
            listener.stream("GET", events_url, timeout=httpx.Timeout(STREAM_TIMEOUT_SECONDS)) as stream:
        events = parse_sse(stream.iter_lines())
        assert next(events)["event"] == "stream-open"
        yield events


def read_events(client, url, until="complete", headers=None, count=None):
    """The events of the stream at `url` up to the first `until` event (or `count` events)."""
    seen = []
    timeout = httpx.Timeout(STREAM_TIMEOUT_SECONDS)
    with client.stream("GET", url, headers=headers or {}, timeout=timeout) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for event in parse_sse(response.iter_lines()):
            if event["event"] in {"stream-open", "keep-alive"}:
                continue
            seen.append(event)
            if event["event"] == until or len(seen) == count or event["event"] == "stream-error":
                return seen
    raise AssertionError(f"stream ended before '{until}': {seen}")


def temp_leftovers(site):
    temp = site.root / ".import_temp"
    return sorted(temp.iterdir()) if temp.exists() else []


def stray_library_files(site):
    """Files in the library that are neither hidden bookkeeping nor originals in a day folder."""
    stray = []
    for path in site.root.rglob("*"):
        parts = path.relative_to(site.root).parts
        if path.is_file() and not parts[0].startswith(".") and not (len(parts) == 2 and DAY_FOLDER.match(parts[0])):
            stray.append(path)
    return stray


# -- the API and the stream --------------------------------------------------------------------
def test_upload_answers_each_file_and_the_stream_replays_the_session(admin, images, tmp_path):
    # given
    session = new_session(admin)
    junk = factories.make_text_file(tmp_path / "notes.jpg")
    # when
    response = upload(admin, session, images[0], junk, images[0], names=["a.jpg", "notes.jpg", "copy of a.jpg"])
    finished = admin.post(f"/api/imports/{session['id']}/finish")
    events = read_events(admin, session["events_url"])
    # then
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["name"], r["status"]) for r in results] == [
        ("a.jpg", "imported"), ("notes.jpg", "failed"), ("copy of a.jpg", "duplicate")]
    assert "not a supported photo or video" in results[1]["error"]
    assert results[2]["photo_id"] == results[0]["photo_id"]
    assert finished.json()["counts"] == {"imported": 1, "duplicate": 1, "failed": 1, "skipped": 0}
    channel = session["channel"]
    # a request's files are committed as one group and told in one event ("files"); a failure
    # found before the group (not a photo) is told first, on its own ("file")
    assert [e["id"] for e in events] == [f"{channel}:{n}" for n in range(1, 4)]
    assert [e["event"] for e in events] == ["file", "files", "complete"]
    told = [events[0]["data"], *events[1]["data"]["files"]]
    assert [(outcome["name"], outcome["status"]) for outcome in told] == [
        ("notes.jpg", "failed"), ("a.jpg", "imported"), ("copy of a.jpg", "duplicate")]
    assert told[2]["photo_id"] == results[0]["photo_id"]
    assert events[1]["data"]["counts"] == {"imported": 1, "duplicate": 1, "failed": 1, "skipped": 0}
    assert events[2]["data"]["counts"] == {"imported": 1, "duplicate": 1, "failed": 1, "skipped": 0}
    assert events[2]["data"]["duration"] > 0


def test_last_event_id_replays_only_what_was_missed(admin, images):
    # given
    session = new_session(admin)
    for image in images[1:4]:  # a request each: an event each
        upload(admin, session, image)
    admin.post(f"/api/imports/{session['id']}/finish")
    channel = session["channel"]
    # when
    replayed = read_events(admin, session["events_url"], headers={"Last-Event-ID": f"{channel}:2"})
    # then
    assert [e["id"] for e in replayed] == [f"{channel}:3", f"{channel}:4"]
    assert replayed[0]["data"]["name"] == images[3].name
    assert replayed[1]["event"] == "complete"


def test_events_arrive_live_while_files_are_uploaded(site, admin, images):
    # given: a browser already listening
    session = new_session(admin)
    with listening(site.base_url, admin.cookies, session["events_url"]) as events:
        # when
        upload(admin, session, images[4])
        event = next(e for e in events if e["event"] != "keep-alive")
    # then
    assert event["event"] == "file"
    assert event["id"] == f"{session['channel']}:1"
    assert event["data"]["name"] == images[4].name
    assert event["data"]["status"] == "imported"


def test_the_browser_file_time_dates_a_photo_without_exif(site, admin, tmp_path):
    # given: no EXIF date, a file time of 2019-05-04 in the browser
    picture = factories.make_png(tmp_path / "scan.png")
    session = new_session(admin)
    # when
    response = admin.post(f"/api/imports/{session['id']}/files",
                          files=[("file", ("scan.png", picture.read_bytes(), "image/png"))],
                          data={"lastModified": "1556971200000"})
    # then
    assert response.json()["results"][0]["status"] == "imported"
    assert [p.parent.name for p in site.root.glob("2019-05-*/*")] == ["2019-05-04"]


# -- who may do what ---------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), [
    ("post", "/api/imports/"),
    ("get", "/api/imports/{id}"),
    ("post", "/api/imports/{id}/files"),
    ("post", "/api/imports/{id}/finish"),
    ("get", "/api/imports/{id}/events"),
])
def test_anonymous_requests_are_refused(site, admin, method, path):
    # given
    session = new_session(admin)
    with httpx.Client(base_url=site.base_url) as anonymous:
        anonymous.get("/accounts/login/")  # a CSRF cookie, so the refusal is about the login
        # when
        response = getattr(anonymous, method)(path.format(id=session["id"]),
                                              headers={"X-CSRFToken": anonymous.cookies["csrftoken"]})
    # then
    assert response.status_code == 401
    assert response.json() == {"error": "login required"}


def test_the_page_sends_anonymous_visitors_to_the_login_form(site):
    response = httpx.get(site.base_url + "/import/")
    assert response.status_code == 302
    assert response.headers["location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/api/imports/", "/api/imports/{id}/files", "/api/imports/{id}/finish"])
def test_posts_without_the_csrf_token_are_refused(site, admin, images, path):
    # given: the session cookie of a logged-in user, but no X-CSRFToken (a cross-site form)
    session = new_session(admin)
    with httpx.Client(base_url=site.base_url, cookies=admin.cookies) as cross_site:
        # when
        response = cross_site.post(path.format(id=session["id"]),
                                   files=[("file", ("a.jpg", images[6].read_bytes()))])
    # then
    assert response.status_code == 403
    assert admin.get(f"/api/imports/{session['id']}").json()["counts"]["imported"] == 0
    assert temp_leftovers(site) == []


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/imports/{id}"),
    ("post", "/api/imports/{id}/files"),
    ("post", "/api/imports/{id}/finish"),
    ("get", "/api/imports/{id}/events"),
])
def test_someone_elses_session_and_an_unknown_one_are_not_found(admin, bob, images, method, path):
    # given
    session = new_session(admin)
    # when
    others = getattr(bob, method)(path.format(id=session["id"]))
    unknown = getattr(admin, method)(path.format(id=999_999))
    # then
    assert others.status_code == 404 and "not found" in others.json()["error"]
    assert unknown.status_code == 404


def test_staff_may_follow_another_users_session(admin, bob, images):
    # given
    session = new_session(bob)
    upload(bob, session, images[7])
    bob.post(f"/api/imports/{session['id']}/finish")
    # when
    events = read_events(admin, session["events_url"])
    # then
    assert [e["event"] for e in events] == ["file", "complete"]


def trash(site, photo_id):
    site.manage("shell", "-c", "from library.models import Photo; from library.curation.trash import move_to_trash;"
                f"move_to_trash(Photo.objects.get(pk={photo_id}))")


def is_trashed(site, photo_id):
    return site.manage("shell", "-c", "from library.models import Photo;"
                       f"print(Photo.objects.get(pk={photo_id}).trashed_at is not None)").stdout.split()[-1] == "True"


def test_an_ordinary_user_reuploading_a_trashed_photo_does_not_bring_it_back(site, admin, bob, tmp_path):
    # given: a photo in the trash
    picture = factories.make_jpeg(tmp_path / "trashed.jpg", 64, 48, model=f"{tmp_path}-trash")
    photo_id = upload(admin, new_session(admin), picture).json()["results"][0]["photo_id"]
    trash(site, photo_id)
    session = new_session(bob)
    # when: an ordinary user uploads its bytes again
    result = upload(bob, session, picture).json()["results"][0]
    # then: a duplicate, which neither restores the photo nor points at it
    assert (result["status"], result["error"], result["photo_id"]) == ("duplicate", "in the trash", None)
    assert is_trashed(site, photo_id)
    assert bob.get(f"/api/photo/{photo_id}/thumbnail").status_code == 404
    assert read_events(bob, session["events_url"], until="file")[0]["data"]["photo_id"] is None
    assert temp_leftovers(site) == []
    # when: staff upload them
    again = upload(admin, new_session(admin), picture).json()["results"][0]
    # then: the photo is back, for everyone
    assert (again["status"], again["error"], again["photo_id"]) == ("imported", "restored from trash", photo_id)
    assert not is_trashed(site, photo_id)
    assert bob.get(f"/api/photo/{photo_id}/thumbnail").status_code == 200
    assert temp_leftovers(site) == []


@pytest.mark.parametrize("path", ["/api/imports/{id}/files", "/api/imports/{id}/finish"])
def test_a_finished_session_takes_nothing_more(site, admin, images, path):
    # given
    session = new_session(admin)
    admin.post(f"/api/imports/{session['id']}/finish")
    # when
    response = admin.post(path.format(id=session["id"]), files=[("file", ("a.jpg", images[8].read_bytes()))])
    # then
    assert response.status_code == 409
    assert "finished" in response.json()["error"]
    assert temp_leftovers(site) == []


@pytest.mark.parametrize("body", [
    b"--xyz--\r\n",
    b'--xyz\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--xyz--\r\n',
    b'--xyz\r\nContent-Disposition: form-data; name="file"; filename=""\r\n\r\nbytes\r\n--xyz--\r\n',
], ids=["no-parts", "no-file-field", "nameless-file"])
def test_a_multipart_without_files_is_a_bad_request(site, admin, body):
    # given
    session = new_session(admin)
    # when
    response = admin.post(f"/api/imports/{session['id']}/files", content=body,
                          headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    # then
    assert response.status_code == 400
    assert "no files" in response.json()["error"]


def test_a_body_without_a_length_is_refused_with_a_reason(site, admin, tmp_path):
    # given: a script streaming its multipart body in chunks (no Content-Length)
    session = new_session(admin)
    picture = factories.make_jpeg(tmp_path / "chunked.jpg", 64, 48, model=str(tmp_path))
    body, content_type = raw_multipart([(b"chunked.jpg", picture.read_bytes())])
    # when
    response = admin.post(f"/api/imports/{session['id']}/files", content=iter([body]),
                          headers={"Content-Type": content_type})
    # then
    assert response.status_code == 411
    assert "Content-Length required" in response.json()["error"]
    assert temp_leftovers(site) == []
    assert upload(admin, session, picture).json()["results"][0]["status"] == "imported"


# -- hostile requests --------------------------------------------------------------------------
def test_a_request_cut_off_mid_file_fails_that_file_and_leaves_nothing_behind(site, admin, images):
    # given: headers announcing a 2 MB body, then half of it, then the connection drops
    session = new_session(admin)
    head = (b'--cutoff\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n")
    request = raw_request(site, admin, session, "multipart/form-data; boundary=cutoff", 2_000_000)
    # when
    with socket.create_connection(("127.0.0.1", site.port)) as connection:
        connection.sendall(request + head + images[9].read_bytes() + b"\0" * 900_000)
    wait_for(lambda: processed(admin, session) == 1, STREAM_TIMEOUT_SECONDS)
    # then
    assert temp_leftovers(site) == []
    assert admin.get(f"/api/imports/{session['id']}").json()["counts"] == {"imported": 0, "duplicate": 0, "failed": 1, "skipped": 0}
    events = read_events(admin, session["events_url"], until="file")
    assert (events[0]["data"]["name"], events[0]["data"]["error"]) == (
        "big.jpg", "the upload was cut off before the end of the file")
    assert upload(admin, session, images[9]).json()["results"][0]["status"] == "imported"


def test_a_request_cut_off_after_a_whole_file_keeps_that_file(site, admin, tmp_path):
    # given: one whole file, then half of a second one, then the connection drops
    session = new_session(admin)
    whole, half = (factories.make_noisy_jpeg(tmp_path / f"cut{i}.jpg", 800, 600, seed=10 + i, taken=factories.a_date())
                   for i in range(2))
    body, content_type = raw_multipart([(b"whole.jpg", whole.read_bytes()), (b"half.jpg", half.read_bytes())])
    cut_at = body.index(b'filename="half.jpg"') + 1000
    # when
    with socket.create_connection(("127.0.0.1", site.port)) as connection:
        connection.sendall(raw_request(site, admin, session, content_type, len(body)) + body[:cut_at])
    wait_for(lambda: processed(admin, session) == 2, STREAM_TIMEOUT_SECONDS)
    # then
    outcomes = {event["data"]["name"]: event["data"]["status"]
                for event in read_events(admin, session["events_url"], until=None, count=2)}
    assert outcomes == {"whole.jpg": "imported", "half.jpg": "failed"}
    assert temp_leftovers(site) == []


def test_files_are_staged_while_their_request_is_still_arriving(site, admin, tmp_path):
    # given: a request whose first file has been sent whole, and whose second is still to come
    session = new_session(admin)
    first, second = (factories.make_noisy_jpeg(tmp_path / f"slow{i}.jpg", 1600, 1200, seed=20 + i,
                                               taken=factories.a_date()) for i in range(2))
    body, content_type = raw_multipart([(b"first.jpg", first.read_bytes()), (b"second.jpg", second.read_bytes())])
    pause_at = body.index(b'filename="second.jpg"') + 1000
    with socket.create_connection(("127.0.0.1", site.port)) as connection:
        connection.sendall(raw_request(site, admin, session, content_type, len(body)) + body[:pause_at])
        # then: the first file is already in .import_temp, whole, before the body ends (the
        # second is under way beside it)
        wait_for(lambda: first.stat().st_size in [path.stat().st_size for path in temp_leftovers(site)],
                 STREAM_TIMEOUT_SECONDS)
        # when: the rest arrives
        connection.sendall(body[pause_at:])
        response = connection.makefile("rb").read1(65536)
    # then
    assert response.startswith(b"HTTP/1.1 200")
    assert admin.get(f"/api/imports/{session['id']}").json()["counts"]["imported"] == 2
    assert temp_leftovers(site) == []


@pytest.mark.parametrize(("refusal", "status"), [
    ("no-csrf-token", b"403"), ("anonymous", b"401"), ("finished-session", b"409"), ("someone-elses-session", b"404"),
])
def test_a_refused_upload_is_answered_before_its_body_is_read(site, bob, admin, images, refusal, status):
    # given: a request announcing 50 MB, of which the start of a file (more than the server buffers) is sent
    session = new_session(admin)
    if refusal == "finished-session":
        admin.post(f"/api/imports/{session['id']}/finish")
    sender = bob if refusal == "someone-elses-session" else admin
    request = raw_request(site, sender, session, "multipart/form-data; boundary=big", 50_000_000)
    if refusal == "no-csrf-token":  # a cross-site form: the session cookie comes, the header does not
        request = re.sub(rb"X-CSRFToken: [^\r]*\r\n", b"", request)
    if refusal == "anonymous":
        request = re.sub(rb"sessionid=[^;\r]*(; )?", b"", request)
    head = b'--big\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n\r\n'
    # when
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as connection:
        connection.sendall(request + head + images[0].read_bytes() + b"\0" * 6_000_000)
        response = connection.makefile("rb").read1(65536)
        # then: the answer came while the body was still being sent, and not a byte of it was staged
        assert response.startswith(b"HTTP/1.1 " + status), response[:200]
        assert temp_leftovers(site) == []
    assert admin.get(f"/api/imports/{session['id']}").json()["counts"]["failed"] == 0
    assert admin.get("/api/imports/").status_code == 405  # the site goes on answering


def test_closing_the_tab_mid_request_loses_no_file_already_sent(site, admin, tmp_path):
    # given: a request of three whole files, whose sender goes away once the first one is in
    session = new_session(admin)
    pictures = [factories.make_noisy_jpeg(tmp_path / f"kept{i}.jpg", 800, 600, seed=i, taken=factories.a_date())
                for i in range(3)]
    body, content_type = raw_multipart([(path.name.encode(), path.read_bytes()) for path in pictures])
    with socket.create_connection(("127.0.0.1", site.port)) as connection:
        connection.sendall(raw_request(site, admin, session, content_type, len(body)) + body)
        wait_for(lambda: processed(admin, session) >= 1, STREAM_TIMEOUT_SECONDS)
    # when: the connection has closed
    # then
    wait_for(lambda: processed(admin, session) == 3, STREAM_TIMEOUT_SECONDS)
    assert admin.get(f"/api/imports/{session['id']}").json()["counts"]["imported"] == 3
    assert temp_leftovers(site) == []


def processed(client, session):
    return sum(client.get(f"/api/imports/{session['id']}").json()["counts"].values())


def test_a_body_ending_inside_a_file_fails_that_file(site, admin, tmp_path):
    # given: a complete first file, then a second one whose closing boundary never comes
    session = new_session(admin)
    whole, half = (factories.make_jpeg(tmp_path / f"{i}.jpg", 64, 48, model=f"{tmp_path}-{i}").read_bytes()
                   for i in range(2))
    body, content_type = raw_multipart([(b"whole.jpg", whole)])
    body = body.removesuffix(b"--hostile--\r\n") + (
        b'--hostile\r\nContent-Disposition: form-data; name="file"; filename="half.jpg"\r\n\r\n' + half[:500])
    # when
    response = admin.post(f"/api/imports/{session['id']}/files", content=body, headers={"Content-Type": content_type})
    # then
    assert response.status_code == 200
    assert [(r["name"], r["status"], r["error"]) for r in response.json()["results"]] == [
        ("whole.jpg", "imported", ""), ("half.jpg", "failed", "the upload was cut off before the end of the file")]
    assert temp_leftovers(site) == []


def raw_request(site, client, session, content_type, length):
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return (f"POST /api/imports/{session['id']}/files HTTP/1.1\r\nHost: 127.0.0.1:{site.port}\r\n"
            f"Cookie: {cookies}\r\nX-CSRFToken: {client.cookies['csrftoken']}\r\nReferer: {site.base_url}/\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n").encode()


def raw_multipart(parts, boundary="hostile"):
    body = b""
    for file_name, content in parts:
        body += (f"--{boundary}\r\n".encode() + b'Content-Disposition: form-data; name="file"; filename="' +
                 file_name + b'"\r\nContent-Type: image/jpeg\r\n\r\n' + content + b"\r\n")
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(("file_name", "shown_as"), [
    (b"../../etc/passwd.jpg", "passwd.jpg"),
    (b"..\\..\\windows\\evil.jpg", "evil.jpg"),
    (b"line\nbreak\r.jpg", "line?break?.jpg"),  # control characters shown, not kept
    (b"<script>alert(1)</script>.jpg", "script>.jpg"),
    (b"x" * 200 + b".jpg", "x" * 200 + ".jpg"),
    (b"x" * 1000 + b".jpg", 400),  # beyond Django's multipart header limit: the request is refused
    (b"caf\xe9-\xff\xfe.jpg", 400),  # headers not UTF-8 (no browser sends them): refused with the reason
], ids=["parent-dirs", "backslashes", "newlines", "markup", "long", "very-long", "not-utf8"])
def test_hostile_file_names_stay_names(site, admin, tmp_path, file_name, shown_as):
    # given: a good picture first, then one under the hostile name
    session = new_session(admin)
    good, hostile = (factories.make_jpeg(tmp_path / f"{i}.jpg", 64, 48, taken=factories.a_date(day=i + 1),
                                         model=str(tmp_path)).read_bytes() for i in range(2))
    body, content_type = raw_multipart([(b"good.jpg", good), (file_name, hostile)])
    # when
    response = admin.post(f"/api/imports/{session['id']}/files", content=body, headers={"Content-Type": content_type})
    # then: a per-file outcome under a harmless name, or a clear 400 for the whole request
    if shown_as == 400:
        assert response.status_code == 400
        assert "malformed upload" in response.json()["error"]
    else:
        assert response.status_code == 200
        expected = [("good.jpg", "imported")] + ([(shown_as, "imported")] if shown_as else [])
        assert [(r["name"], r["status"]) for r in response.json()["results"]] == expected
    assert stray_library_files(site) == []
    assert not (site.root.parent / "etc").exists()
    assert temp_leftovers(site) == []


@pytest.fixture(scope="module")
def small_limit_site(tmp_path_factory):
    with running_site(tmp_path_factory.mktemp("web-import-limit") / "library",
                      extra_env={"PHOTOSITE_MAX_UPLOAD_BYTES": "50000"}) as live:
        yield live


def test_a_file_over_the_size_limit_fails_alone(small_limit_site, tmp_path):
    # given: a 6 kB photo and a ~200 kB one, with a 50 kB limit
    small = factories.make_jpeg(tmp_path / "small.jpg", 160, 120, taken=factories.a_date())
    large = factories.make_noisy_jpeg(tmp_path / "large.jpg", 400, 300, taken=factories.a_date())
    assert large.stat().st_size > 50_000
    client = small_limit_site.client(ADMIN_USER, ADMIN_PASSWORD)
    session = new_session(client)
    # when
    response = upload(client, session, large, small)
    events = read_events(client, session["events_url"], until=None, count=2)
    # then
    results = response.json()["results"]
    assert [(r["name"], r["status"]) for r in results] == [("large.jpg", "failed"), ("small.jpg", "imported")]
    assert "larger than the limit of 50,000 bytes" in results[0]["error"]
    assert events[0]["data"]["status"] == "failed"
    assert temp_leftovers(small_limit_site) == []


@pytest.mark.redis
def test_events_cross_web_processes_through_redis(tmp_path, redis_url, images):
    # given: two uvicorn worker processes sharing Redis, so the upload and the stream may land in different ones
    with running_site(tmp_path / "library", web_workers=2,
                      extra_env={"REDIS_URL": redis_url, "PHOTOSITE_QUEUE_NAME": f"web-import-test-{tmp_path.name}"}) as live:
        client = live.client()
        session = new_session(client)
        with listening(live.base_url, client.cookies, session["events_url"]) as stream_events:
            # when
            for image in images[:4]:
                uploader = live.client()  # a new connection each time: either process may answer
                upload(uploader, {"id": session["id"]}, image)
                uploader.close()
            events = list(islice((e for e in stream_events if e["event"] == "file"), 4))
        # then
        assert sorted(e["data"]["name"] for e in events) == sorted(image.name for image in images[:4])
        assert [e["id"] for e in events] == [f"{session['channel']}:{n}" for n in range(1, 5)]
