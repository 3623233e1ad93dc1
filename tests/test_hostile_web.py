"""The hostile corpus through the web import API of a real server: each file gets a clear
per-file result (never a traceback), nothing is written outside the library, .import_temp is
empty afterwards, and the site goes on serving."""
from contextlib import closing
from datetime import timedelta

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
    assert client.get(f"/api/imports/{session['id']}").json()["counts"] == {"imported": 0, "duplicate": 0, "failed": 0}
    assert_site_is_clean(site)


def test_the_site_still_serves_after_the_corpus(site, client):
    assert client.get("/").status_code == 200
    assert client.get("/import/").status_code == 200
