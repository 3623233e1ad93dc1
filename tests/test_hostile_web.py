"""The hostile corpus through the web import API of a real server: each file gets a clear
per-file result (never a traceback), nothing is written outside the library, .import_temp is
empty afterwards, and the site goes on serving. Also hostile requests found by hand (huge
Range positions, gallery positions beyond the calendar, paths out of /static/): each gets a
4xx or what the RFC says, never a 500. test_fuzz_requests walks every route more widely."""
from contextlib import closing
from datetime import timedelta

import httpx
import pytest

from factories import a_date, make_jpeg
from hostile import CONTENT_CASES, FAILED, HOSTILE_UPLOAD_NAMES, OVERLONG_UPLOAD_NAME
from live_site import running_site

pytestmark = [pytest.mark.slow]

BAD_LAST_MODIFIED = ["-99999999999999999", "1e309", "NaN", "253402300800000", "0", "not a number"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running_site(tmp_path_factory.mktemp("hostile-web") / "library") as live:
        yield live


@pytest.fixture(scope="module")
def client(site):
    with closing(site.client()) as logged_in:
        yield logged_in


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-corpus")
    return {case.id: case.make(folder).read_bytes() for case in CONTENT_CASES}


def upload(client, files, last_modified=()):
    session = client.post("/api/imports/").json()
    data = {"lastModified": list(last_modified)} if last_modified else None
    response = client.post(f"/api/imports/{session['id']}/files", files=files, data=data)
    return session, response


def assert_site_is_clean(site):
    assert list((site.root / ".import_temp").iterdir()) == []
    for path in site.root.rglob("*"):
        parts = path.relative_to(site.root).parts
        if path.is_file() and not parts[0].startswith("."):
            assert len(parts) == 2 and parts[1].startswith("img_"), path
    outside = {path.name for path in site.root.parent.iterdir()} - {site.root.name, site.log_dir.name}
    assert outside == set()
    assert "Traceback" not in (site.log_dir / "web.log").read_text()


@pytest.mark.parametrize("case", CONTENT_CASES, ids=lambda case: case.id)
def test_hostile_upload(site, client, corpus, case):
    # given / when
    session, response = upload(client, [("file", (case.file_name, corpus[case.id], "image/jpeg"))])
    # then
    assert response.status_code == 200, response.text
    assert "Traceback" not in response.text
    [result] = response.json()["results"]
    if result["status"] == "duplicate":  # the same bytes, already sent by an earlier run of the case
        result["status"] = "imported"
    assert result["status"] == case.expect, result
    if case.expect == FAILED:
        assert case.error.lower() in result["error"].lower(), result
    else:
        original = client.get(f"/photo/{result['photo_id']}/original")
        assert original.status_code == 200 and original.content == corpus[case.id]
        assert original.headers["X-Content-Type-Options"] == "nosniff"
        assert original.headers["Content-Type"].split(";")[0] in ("image/jpeg", "image/png", "image/gif", "video/mp4")
    assert_site_is_clean(site)


def test_hostile_names_and_file_times(site, client, tmp_path):
    # given distinct pictures under names a browser could send, with absurd file times
    pictures = [make_jpeg(tmp_path / f"{i}.jpg", 64, 48, taken=a_date() + timedelta(days=i)).read_bytes()
                for i in range(len(HOSTILE_UPLOAD_NAMES))]
    files = [("file", (name, data, "image/jpeg")) for name, data in zip(HOSTILE_UPLOAD_NAMES, pictures, strict=True)]
    # when
    session, response = upload(client, files, BAD_LAST_MODIFIED + ["0"] * 2)
    # then every file that reached the server is a photo under our own name
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert results and all(result["status"] == "imported" for result in results), results
    for result in results:
        assert "/" not in result["name"] and "\\" not in result["name"] and result["name"].isprintable()
    assert not (site.root.parent / "etc").exists()
    assert_site_is_clean(site)


def test_a_name_too_long_for_a_multipart_header_is_refused_cleanly(site, client, tmp_path):
    # given / when
    picture = make_jpeg(tmp_path / "long.jpg", 64, 48).read_bytes()
    session, response = upload(client, [("file", ("ok.jpg", picture, "image/jpeg")),
                                        ("file", (OVERLONG_UPLOAD_NAME, picture, "image/jpeg"))])
    # then
    assert response.status_code == 400
    assert "Traceback" not in response.text
    assert client.get(f"/api/imports/{session['id']}").json()["counts"] == {"imported": 0, "duplicate": 0, "failed": 0, "skipped": 0}
    assert_site_is_clean(site)


def test_the_site_still_serves_after_the_corpus(site, client):
    assert client.get("/").status_code == 200
    assert client.get("/import/").status_code == 200


# -- hostile requests ---------------------------------------------------------------------------
THOUSANDS_OF_DIGITS = "1" * 4400  # int() refuses strings of more than 4,300 digits


@pytest.fixture(scope="module")
def original(client, tmp_path_factory):
    """(photo id, bytes) of a photo in the site, so the Range tests ask for a real file."""
    picture = make_jpeg(tmp_path_factory.mktemp("range") / "range.jpg", 64, 48, taken=a_date(2021)).read_bytes()
    _, response = upload(client, [("file", ("range.jpg", picture, "image/jpeg"))])
    [result] = response.json()["results"]
    return result["photo_id"], picture


def log_after(site, call):
    """What the server wrote to its log while `call()` ran, and what `call()` returned."""
    log = site.log_dir / "web.log"
    before = log.stat().st_size
    result = call()
    with log.open("rb") as written:
        written.seek(before)
        return result, written.read().decode(errors="replace")


@pytest.mark.parametrize(("header", "status", "whole"), [
    (f"bytes={THOUSANDS_OF_DIGITS}-", 416, False),  # starts beyond any file
    (f"bytes=0-{THOUSANDS_OF_DIGITS}", 206, True),  # ends beyond the file: up to its end
    (f"bytes=-{THOUSANDS_OF_DIGITS}", 206, True),  # a suffix longer than the file: all of it
    (f"bytes=00000{THOUSANDS_OF_DIGITS.replace('1', '0')}1-", 206, False),  # leading zeros: byte 1 on
], ids=["start", "end", "suffix", "leading-zeros"])
def test_a_range_of_thousands_of_digits_gets_its_rfc_answer(site, client, original, header, status, whole):
    # given
    photo_id, picture = original
    # when
    response, log = log_after(site, lambda: client.get(f"/photo/{photo_id}/original", headers={"Range": header}))
    # then
    assert response.status_code == status
    if whole:
        assert response.content == picture
    if status == 416:
        assert response.headers["Content-Range"] == f"bytes */{len(picture)}"
    assert "Traceback" not in log


@pytest.mark.parametrize("query", [
    "after=0001-01-01T00:00:00%2B14:00~1",  # before year 1 in UTC
    "after=9999-12-31T23:59:59-14:00~1",  # after year 9999 in UTC
    f"after=2024-01-01T00:00:00%2B00:00~{'9' * 30}",  # no row id is that large
    "after=2024-01-01T00:00:00%2B00:00~%D9%A1",  # an Arabic-Indic 1, which int() takes
    "year=%C2%B2",  # a superscript 2: str.isdigit() says yes, int() says no
    f"year={THOUSANDS_OF_DIGITS}",
    f"year=2024&month={THOUSANDS_OF_DIGITS}",
], ids=lambda query: query[:40])
def test_a_gallery_position_we_did_not_write_is_400(site, client, query):
    # when
    response, log = log_after(site, lambda: client.get(f"/?{query}"))
    # then
    assert response.status_code == 400
    assert "Traceback" not in response.text and "Traceback" not in log
    assert "1" * 100 not in response.text  # the reason quotes no more than the start of a value


@pytest.mark.parametrize("target", [b"/static/../x", b"/static/%2e%2e/%2e%2e/etc/passwd", b"/static/..%2fsettings.py"])
@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
def test_a_static_path_out_of_the_static_folders_is_404(site, client, target, logged_in):
    # given
    visitor = client if logged_in else httpx.Client(base_url=site.base_url, timeout=30)
    # when (a raw target: httpx would otherwise remove the dot segments itself)
    response, log = log_after(site, lambda: visitor.get("/static/", extensions={"target": target}))
    # then
    assert response.status_code == 404
    assert "Traceback" not in log


@pytest.mark.parametrize("path", ["/nowhere", "/photo/" + THOUSANDS_OF_DIGITS + "/"], ids=["no-route", "no-int"])
def test_a_post_with_a_broken_multipart_body_to_no_route_is_404(site, client, path):
    # given a signed-in browser (so the CSRF check runs) and a multipart type without a boundary
    headers = {"Content-Type": "multipart/form-data"}
    # when
    response, log = log_after(site, lambda: client.post(path, headers=headers, content=b"--x--"))
    # then: Django's own 404 page reads the body for its CSRF token, fails, and answers 500
    assert response.status_code == 404
    assert response.text == "Not found."
    assert "Internal Server Error" not in log and "Traceback" not in log


@pytest.mark.postgres
def test_a_nul_character_in_a_url_is_400_on_postgresql(postgres_url, tmp_path):
    # given a site on PostgreSQL, which cannot hold NUL in a text value (DataError, a 500)
    urls = ["/admin/django_q/success/?pk__in=%00", "/admin/django_q/success/%00/change/",
            "/admin/library/photo/?camera=%00", "/admin/library/photo/?q=%00", "/?after=%00"]
    with running_site(tmp_path / "library", database_url=postgres_url) as postgres_site, \
            closing(postgres_site.client()) as staff:
        for url in urls:
            # when
            response, log = log_after(postgres_site, lambda url=url: staff.get(url))
            # then
            assert (response.status_code, response.text) == (400, "A NUL character is not allowed in a URL."), url
            assert "Traceback" not in log, url
