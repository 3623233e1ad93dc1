"""Resumable uploads (tus 1.0 core + creation + termination) and the known-hash question, over a
real uvicorn server: the protocol's answers, ownership, a cut-off piece keeping what arrived,
bytes that change between pieces, a client lying about a hash, and hostile headers (4xx, never
a 5xx), with nothing left in .import_temp. Then the limits that keep one user from holding the
disk or the server's time: unfinished uploads per user, pieces with no bytes, the clean-up, and
hash states that are never pushed out (the web process's own read counter shows the re-reads)."""
import base64
import hashlib
import os
import socket
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import factories
from live_site import running_site
from polling import wait_for

pytestmark = [pytest.mark.slow]

CHUNK_BYTES = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}
PIECE = {**TUS, "Content-Type": "application/offset+octet-stream"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running_site(tmp_path_factory.mktemp("resumable-api") / "library",
                      extra_env={"PHOTOSITE_UPLOAD_CHUNK_BYTES": str(CHUNK_BYTES), "PHOTOSITE_MIN_FREE_BYTES": "0"}) as live:
        for name in ("mallory", "carol", "dave"):
            live.create_user(name, f"{name}-password-123")
        yield live


@pytest.fixture(scope="module")
def client(site):
    with closing(site.client()) as logged_in:
        yield logged_in


@pytest.fixture
def photo_bytes(tmp_path):
    """A real JPEG with 2.5 MB of random bytes after it: three pieces of 1 MB."""
    path = factories.make_jpeg(tmp_path / "IMG_BIG.JPG", 320, 240, taken=factories.a_date())
    return path.read_bytes() + os.urandom(2_500_000)


def metadata(**values):
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())


def create(client, session_id, data, sha256=None, name="IMG_BIG.JPG"):
    response = ask_to_create(client, session_id, data, sha256, name)
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def ask_to_create(client, session_id, data, sha256=None, name="IMG_BIG.JPG"):
    return client.post(f"/api/imports/{session_id}/uploads", headers={
        **TUS, "Upload-Length": str(len(data)),
        "Upload-Metadata": metadata(filename=name, sha256=sha256 or hashlib.sha256(data).hexdigest()),
    })


def patch(client, location, offset, piece, **headers):
    return client.patch(location, content=piece, headers={**PIECE, "Upload-Offset": str(offset), **headers})


def send_all(client, location, data, start=0):
    for offset in range(start, len(data), CHUNK_BYTES):
        response = patch(client, location, offset, data[offset:offset + CHUNK_BYTES])
        assert response.status_code == 204, response.text
    return response


def new_session(client):
    return client.post("/api/imports/").json()["id"]


def outcomes(site, session_id):
    return site.manage("shell", "-v0", "-c", "from library.models import ImportOutcome;"
                       f"print([(o.status, o.error) for o in ImportOutcome.objects.filter(session_id={session_id})])"
                       ).stdout.strip()


def import_temp(site):
    return sorted(path.name for path in (site.root / ".import_temp").iterdir())


def test_an_upload_in_pieces_is_imported_with_the_servers_hash(site, client, photo_bytes):
    # given
    session_id = new_session(client)
    location = create(client, session_id, photo_bytes)
    assert client.head(location, headers=TUS).headers["Upload-Offset"] == "0"
    # when
    response = send_all(client, location, photo_bytes)
    # then
    assert response.headers["Upload-Offset"] == str(len(photo_bytes))
    assert response.headers["Photosite-Outcome"] == "imported"
    assert client.head(location, headers=TUS).status_code == 404  # done: the upload is gone
    photo = site.manage("shell", "-v0", "-c", "from library.models import Photo;"
                        "print(Photo.objects.get(original_name='IMG_BIG.JPG').sha256)").stdout.strip()
    assert photo == hashlib.sha256(photo_bytes).hexdigest()
    assert import_temp(site) == []


def test_a_piece_cut_off_keeps_what_arrived_and_the_upload_goes_on_from_there(site, client, photo_bytes):
    # given: an upload whose first piece is cut off after 600 kB
    session_id = new_session(client)
    location = create(client, session_id, photo_bytes, name="CUT.JPG")
    send_cut_off_piece(site, client, location, photo_bytes[:CHUNK_BYTES], keep=600_000)
    # when: the client asks what the server holds and sends the rest from there
    wait_for(lambda: client.head(location, headers=TUS).headers["Upload-Offset"] == "600000", 10,
             "the 600 kB that arrived to be kept")
    held = 600_000
    assert patch(client, location, 0, photo_bytes[:10]).status_code == 409  # not where the server is
    send_all(client, location, photo_bytes, start=held)
    # then
    assert "('duplicate', '')" in outcomes(site, session_id) or "('imported', '')" in outcomes(site, session_id)
    assert import_temp(site) == []


def send_cut_off_piece(site, client, location, piece, keep):
    """A PATCH announcing the whole piece whose connection closes after `keep` bytes of it."""
    address = urlsplit(site.base_url)
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    head = (f"PATCH {location} HTTP/1.1\r\nHost: {address.netloc}\r\nCookie: {cookies}\r\n"
            f"X-CSRFToken: {client.headers['X-CSRFToken']}\r\nReferer: {client.headers['Referer']}\r\n"
            f"Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
            f"Content-Length: {len(piece)}\r\n\r\n").encode()
    with socket.create_connection((address.hostname, address.port)) as connection:
        connection.sendall(head + piece[:keep])


def test_bytes_that_differ_from_the_first_part_fail_the_file_cleanly(site, client, photo_bytes):
    # given: a first piece of one file, then the rest of another (the file changed between them)
    session_id = new_session(client)
    location = create(client, session_id, photo_bytes, name="CHANGED.JPG")
    assert patch(client, location, 0, photo_bytes[:CHUNK_BYTES]).status_code == 204
    other = photo_bytes[:CHUNK_BYTES] + os.urandom(len(photo_bytes) - CHUNK_BYTES)
    # when
    send_all(client, location, other, start=CHUNK_BYTES)
    # then: a failed file with its reason, nothing kept
    assert "failed" in outcomes(site, session_id) and "SHA-256 does not match" in outcomes(site, session_id)
    assert import_temp(site) == []


def test_a_client_lying_about_a_hash_gains_nothing(site, client, photo_bytes, tmp_path):
    # given: a photo in the library
    session_id = new_session(client)
    known = factories.make_jpeg(tmp_path / "KNOWN.JPG", 200, 100, taken=factories.a_date(day=3))
    client.post(f"/api/imports/{session_id}/files", files={"file": ("KNOWN.JPG", known.read_bytes())})
    known_hash = hashlib.sha256(known.read_bytes()).hexdigest()
    # when: another file is said to have that photo's hash, through the known-files question and in its upload
    answer = client.post(f"/api/imports/{session_id}/known",
                         json={"files": [{"name": "LIAR.JPG", "sha256": known_hash}]}).json()
    location = create(client, session_id, photo_bytes, sha256=known_hash, name="LIAR2.JPG")
    send_all(client, location, photo_bytes)
    multipart = client.post(f"/api/imports/{session_id}/files", data={"sha256": [known_hash]},
                            files={"file": ("LIAR3.JPG", photo_bytes)}).json()
    # then: the first is only a duplicate of that photo (its own bytes never arrive); the others fail
    assert answer["results"][0]["status"] == "duplicate"
    assert multipart["results"][0]["status"] == "failed"
    assert "SHA-256 does not match" in multipart["results"][0]["error"]
    assert outcomes(site, session_id).count("failed") == 2
    assert import_temp(site) == []


def test_the_known_question_answers_only_for_photos_outside_the_trash(site, client, tmp_path):
    session_id = new_session(client)
    photo = factories.make_jpeg(tmp_path / "TRASHED.JPG", 200, 100, taken=factories.a_date(day=9))
    client.post(f"/api/imports/{session_id}/files", files={"file": ("TRASHED.JPG", photo.read_bytes())})
    site.manage("shell", "-v0", "-c", "from library.models import Photo; from library.curation.trash import move_to_trash;"
                "move_to_trash(Photo.objects.get(original_name='TRASHED.JPG'))")
    sha256 = hashlib.sha256(photo.read_bytes()).hexdigest()
    answer = client.post(f"/api/imports/{session_id}/known", json={"files": [
        {"name": "TRASHED.JPG", "sha256": sha256}, {"name": "NEW.JPG", "sha256": "0" * 64}]}).json()
    assert answer["results"] == [None, None]  # to be sent: the upload's trash rules decide


def test_the_sizes_question_names_only_sizes_of_photos_outside_the_trash(site, client, tmp_path):
    # given: a photo in the library and one in the trash
    session_id = new_session(client)
    kept, trashed = (factories.make_noisy_jpeg(tmp_path / f"{name}.JPG", 300, 200, seed=seed, taken=factories.a_date(day=12))
                     for seed, name in ((41, "SIZE_KEPT"), (42, "SIZE_TRASHED")))
    for photo in (kept, trashed):
        client.post(f"/api/imports/{session_id}/files", files={"file": (photo.name, photo.read_bytes())})
    site.manage("shell", "-v0", "-c", "from library.models import Photo; from library.curation.trash import move_to_trash;"
                "move_to_trash(Photo.objects.get(original_name='SIZE_TRASHED.JPG'))")
    # when
    answer = client.post(f"/api/imports/{session_id}/sizes",
                         json={"sizes": [kept.stat().st_size, trashed.stat().st_size, 7]})
    # then
    assert kept.stat().st_size != trashed.stat().st_size
    assert answer.json() == {"held": [kept.stat().st_size]}
    for hostile in ({"sizes": ["1"]}, {"sizes": [-1]}, {"sizes": [True]}, {"sizes": [2**70]}, {"sizes": 5},
                    {"sizes": list(range(1001))}, {}):
        assert client.post(f"/api/imports/{session_id}/sizes", json=hostile).status_code == 400


def test_an_upload_is_its_creators_alone(site, client, photo_bytes):
    location = create(client, new_session(client), photo_bytes, name="MINE.JPG")
    with closing(site.client("mallory", "mallory-password-123")) as mallory:
        assert mallory.head(location, headers=TUS).status_code == 404
        assert patch(mallory, location, 0, photo_bytes[:10]).status_code == 404
        assert mallory.delete(location, headers=TUS).status_code == 404
    assert client.delete(location, headers=TUS).status_code == 204  # termination
    assert client.head(location, headers=TUS).status_code == 404
    assert import_temp(site) == []


@pytest.mark.parametrize(("headers", "status"), [
    ({"Tus-Resumable": "0.2.2"}, 412),
    ({"Content-Type": "application/json"}, 415),
    ({"Upload-Offset": "-1"}, 400),
    ({"Upload-Offset": "1e9"}, 400),
    ({"Upload-Offset": "9" * 400}, 400),
    ({"Upload-Offset": "5"}, 409),
    ({"Photosite-Import-Session": "x"}, 400),
    ({"Photosite-Import-Session": "999999999"}, 404),
])
def test_hostile_piece_headers_get_a_4xx(site, client, photo_bytes, headers, status):
    location = create(client, new_session(client), photo_bytes, name="HOSTILE.JPG")
    assert patch(client, location, 0, b"x" * 10, **{**PIECE, "Upload-Offset": "0", **headers}).status_code == status
    assert client.head(location, headers=TUS).headers["Upload-Offset"] == "0"
    client.delete(location, headers=TUS)


def test_a_piece_over_the_chunk_size_or_past_the_end_is_refused(site, client, photo_bytes):
    location = create(client, new_session(client), photo_bytes, name="TOO_MUCH.JPG")
    assert patch(client, location, 0, b"x" * (CHUNK_BYTES + 1)).status_code == 413
    small = create(client, new_session(client), b"abc", name="SMALL.JPG")
    assert patch(client, small, 0, b"abcd").status_code == 400
    for each in (location, small):
        client.delete(each, headers=TUS)


@pytest.mark.parametrize("headers", [
    {"Upload-Length": "-5"}, {"Upload-Length": "abc"}, {"Upload-Length": "0"}, {"Upload-Defer-Length": "1"},
    {"Upload-Metadata": "filename"}, {"Upload-Metadata": "filename !!!,sha256 x"},
    {"Upload-Metadata": metadata(filename="a.jpg", sha256="not-a-hash")},
    {"Upload-Metadata": "filename " + base64.b64encode(b"\xff\xfe").decode()},
    {"Tus-Resumable": "2"},
])
def test_hostile_creation_headers_get_a_4xx(site, client, headers):
    session_id = new_session(client)
    base = {**TUS, "Upload-Length": "10", "Upload-Metadata": metadata(filename="a.jpg", sha256="a" * 64)}
    response = client.post(f"/api/imports/{session_id}/uploads", headers={**base, **headers})
    assert 400 <= response.status_code < 500, response.text
    assert import_temp(site) == []


def test_creation_refuses_a_file_over_the_limit_and_records_its_failure(site, client):
    session_id = new_session(client)
    response = client.post(f"/api/imports/{session_id}/uploads", headers={
        **TUS, "Upload-Length": str(10**15), "Upload-Metadata": metadata(filename="HUGE.MOV", sha256="a" * 64)})
    assert response.status_code == 413
    assert response.headers["Photosite-Failure-Recorded"] == "1"
    assert "larger than the limit" in outcomes(site, session_id)


def test_forged_and_anonymous_requests_are_refused(site, client, photo_bytes):
    location = create(client, new_session(client), photo_bytes, name="FORGED.JPG")
    with closing(site.client()) as other:
        del other.headers["X-CSRFToken"]
        assert patch(other, location, 0, b"x").status_code == 403
    import httpx
    assert httpx.head(site.base_url + location, headers=TUS).status_code == 401
    assert client.options(location).headers["Tus-Extension"] == "creation,termination"
    client.delete(location, headers=TUS)


def test_stale_uploads_are_removed_by_the_task_and_by_repair(site, client, photo_bytes):
    # given: two uploads, one piece each, then left alone for more than a day
    session_id = new_session(client)
    first, second = (create(client, session_id, photo_bytes, name=f"LEFT_{i}.JPG") for i in range(2))
    for location in (first, second):
        patch(client, location, 0, photo_bytes[:1000])
    assert len(import_temp(site)) == 2
    day_ago = ("import os, time; from datetime import timedelta; from django.utils import timezone;"
               "from library.models import ResumableUpload; from library.paths import import_temp_dir;"
               "then = time.time() - 25 * 3600;"
               "[os.utime(p, (then, then)) for p in import_temp_dir().iterdir()];"
               "ResumableUpload.objects.update(updated_at=timezone.now() - timedelta(hours=25));")
    # when: the workers' task runs for one, checklibrary --repair for the other
    site.manage("shell", "-v0", "-c", day_ago + f"ResumableUpload.objects.filter(pk='{first.rsplit('/', 1)[1]}').delete()")
    report = site.manage("checklibrary", "--repair", check=False).stdout
    assert "resumable uploads untouched for a day" in report
    assert import_temp(site) == []
    create(client, session_id, photo_bytes, name="LEFT_2.JPG")
    site.manage("shell", "-v0", "-c", day_ago + "from library.tasks import remove_stale_uploads; print(remove_stale_uploads())")
    # then
    assert import_temp(site) == []
    assert client.head(second, headers=TUS).status_code == 404
    schedule = site.manage("shell", "-v0", "-c", "from django_q.models import Schedule;"
                           "print(Schedule.objects.get(func='library.tasks.remove_stale_uploads').schedule_type)")
    assert schedule.stdout.strip() == "H"


def test_a_user_may_have_at_most_twenty_unfinished_uploads(site):
    # given: carol has 20 unfinished uploads (PHOTOSITE_UPLOADS_PER_USER's default)
    with closing(site.client("carol", "carol-password-123")) as carol, \
            closing(site.client("dave", "dave-password-123")) as dave:
        session_id = new_session(carol)
        held = [create(carol, session_id, b"x" * 1000, name=f"HELD_{i}.MOV") for i in range(20)]
        # when
        refused = ask_to_create(carol, session_id, b"x" * 1000, name="ONE_MORE.MOV")
        # then: refused with the reason, recorded as that file's failure; others are not held back
        assert refused.status_code == 403  # final: tus clients retry a 429
        assert refused.headers["Photosite-Failure-Recorded"] == "1"
        assert "PHOTOSITE_UPLOADS_PER_USER" in refused.json()["error"]
        assert "PHOTOSITE_UPLOADS_PER_USER" in outcomes(site, session_id)
        dave_upload = create(dave, new_session(dave), b"x" * 1000, name="DAVES.MOV")
        # and once one of carol's is done with, she may begin another
        assert carol.delete(held.pop(), headers=TUS).status_code == 204
        held.append(create(carol, session_id, b"x" * 1000, name="ONE_MORE.MOV"))
        for location in held:
            carol.delete(location, headers=TUS)
        dave.delete(dave_upload, headers=TUS)
    assert import_temp(site) == []


def upload_id(location):
    return location.rsplit("/", 1)[1]


def age(site, location, **ages):
    """Sets the upload's `created_at`/`updated_at` that many hours back, as if it had waited that long."""
    changes = ", ".join(f"{field}=timezone.now() - timedelta(hours={hours})" for field, hours in ages.items())
    site.manage("shell", "-v0", "-c", "from datetime import timedelta; from django.utils import timezone;"
                "from library.models import ResumableUpload;"
                f"ResumableUpload.objects.filter(pk='{upload_id(location)}').update({changes})")


def last_piece_at(site, location):
    return site.manage("shell", "-v0", "-c", "from library.models import ResumableUpload;"
                       f"print(ResumableUpload.objects.get(pk='{upload_id(location)}').updated_at.isoformat())"
                       ).stdout.strip()


def remove_stale_uploads(site):
    return site.manage("shell", "-v0", "-c", "from library.tasks import remove_stale_uploads;"
                       "print(remove_stale_uploads())").stdout.strip()


def test_an_empty_piece_changes_nothing_and_the_upload_still_goes_after_a_day(site, client, photo_bytes):
    # given: an upload with a first piece, left alone for 25 hours
    location = create(client, new_session(client), photo_bytes, name="EMPTY_PIECES.JPG")
    assert patch(client, location, 0, photo_bytes[:1000]).status_code == 204
    age(site, location, updated_at=25)
    aged = last_piece_at(site, location)
    # when: pieces with no bytes come, as a way to keep it
    for _ in range(2):
        response = patch(client, location, 1000, b"")
        assert response.status_code == 204
        assert response.headers["Upload-Offset"] == "1000"
    assert patch(client, location, 5, b"").status_code == 409  # the offset is still checked
    # then: its age is what it was, and the clean-up removes it
    assert last_piece_at(site, location) == aged
    assert remove_stale_uploads(site) == "1"
    assert client.head(location, headers=TUS).status_code == 404
    assert import_temp(site) == []


def test_an_upload_goes_a_week_after_it_began_however_often_pieces_come(site, client, photo_bytes):
    # given: an upload begun 8 days ago whose last piece came a minute ago
    location = create(client, new_session(client), photo_bytes, name="A_BYTE_A_DAY.JPG")
    assert patch(client, location, 0, photo_bytes[:1000]).status_code == 204
    age(site, location, created_at=8 * 24)
    # when
    removed = remove_stale_uploads(site)
    # then
    assert removed == "1"
    assert client.head(location, headers=TUS).status_code == 404
    assert import_temp(site) == []


HELD_BYTES = 24 * CHUNK_BYTES


def bytes_read_by_the_server(site):
    """What the web process has read through read() and the like since it started: files, and
    sockets too (uvloop reads them with read()); from the kernel, no instrumentation of ours."""
    io_counters = (Path("/proc") / str(site.web.pid) / "io").read_text()
    return int(next(line for line in io_counters.splitlines() if line.startswith("rchar:")).split()[1])


def read_while(site, action):
    before = bytes_read_by_the_server(site)
    action()
    return bytes_read_by_the_server(site) - before


def held_upload(site, client, name):
    """An upload holding HELD_BYTES of random bytes, in pieces; its location and the rest of its bytes."""
    data = os.urandom(HELD_BYTES + 4 * 1024)
    location = create(client, new_session(client), data, name=name)
    send_all(client, location, data[:HELD_BYTES])
    return location, data[HELD_BYTES:]


def test_an_upload_whose_hash_state_was_dropped_is_hashed_again_once(site):
    """As the issue found it: 257 throwaway creations pushed an upload's hash state out (256 were
    kept), so that the next piece, empty or not, read all 24 MB again; and again after 257 more."""
    with closing(site.client("dave", "dave-password-123")) as dave:
        # given: an upload holding 24 MB, and a restarted server (its hash states gone)
        location, rest = held_upload(site, dave, "DROPPED_STATE.MOV")
        site.kill_web()
        site.start_web()
        assert dave.head(location, headers=TUS).headers["Upload-Offset"] == str(HELD_BYTES)
        throwaway_session, throwaways = new_session(dave), []
        # when: two empty pieces, each after 257 throwaway creations, and a real one
        read = 0
        for piece, throwaway_count in ((b"", 257), (b"", 257), (rest[:1024], 0)):
            throwaways += [ask_to_create(dave, throwaway_session, b"x", name=f"THROWAWAY_{i}.MOV")
                           for i in range(throwaway_count)]
            read += read_while(site, lambda piece=piece: patch(dave, location, HELD_BYTES, piece))
        next_piece = read_while(site, lambda: patch(dave, location, HELD_BYTES + 1024, rest[1024:2048]))
        # then: the 24 MB held were read once (for the real piece), and not again for the next
        assert dave.head(location, headers=TUS).headers["Upload-Offset"] == str(HELD_BYTES + 2048)
        assert read < HELD_BYTES * 3 // 2, f"the server read {read:,} bytes for 1 kB more"
        assert next_piece < HELD_BYTES // 2, f"the server read {next_piece:,} bytes for the next 1 kB"
        assert {answer.status_code for answer in throwaways} == {201, 403}  # 19 let in, beside the held one
        for each in [location, *(answer.headers["Location"] for answer in throwaways if answer.status_code == 201)]:
            dave.delete(each, headers=TUS)
    assert import_temp(site) == []
