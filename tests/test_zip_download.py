"""Downloading a selection as one ZIP: the originals byte for byte under their imported names
(made unique and safe), each moment's other files along, the exact length announced, the size
asked beforehand, and refusals for bad or invisible ids."""
import asyncio
import io
import json
import logging
import zipfile
from datetime import timedelta

import pytest

from library.curation.trash import move_to_trash
from library.services.zip_download import UniqueNames, safe_name, zip_of

import factories
from moment_fixtures import TAKEN, import_all

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume")]



@pytest.fixture
def same_names(library_root, media_dir):
    """Three different photos all imported as IMG_0001.jpg (or a case of it)."""
    names = ["IMG_0001.jpg", "img_0001.JPG", "IMG_0001.jpg"]
    folders = [media_dir / str(index) for index in range(3)]
    for index, folder in enumerate(folders):
        folder.mkdir()
        factories.make_jpeg(folder / names[index], width=100 + index, taken=TAKEN + timedelta(minutes=index))
    return import_all(*(folder / name for folder, name in zip(folders, names, strict=True)))


def original_bytes(library_root, photo):
    return (library_root / photo.path).read_bytes()


def post(client, ids, as_json=False):
    if as_json:
        response = client.post("/download/", json.dumps({"ids": ids}), content_type="application/json")
    else:
        response = client.post("/download/", {"ids": ",".join(map(str, ids))})
    body = b"".join(response) if response.streaming else response.content
    return response, body


def test_a_selection_downloads_as_a_zip_with_each_moments_files(logged_in, live, raw_pair, library_root, tmp_path):
    # given two tiles: a Live Photo's still and a RAW+JPEG pair's JPEG
    still, motion = live
    jpeg, raw = raw_pair
    # when
    response, body = post(logged_in, [still.pk, jpeg.pk])
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert int(response["Content-Length"]) == len(body)
    assert response["Content-Disposition"].startswith('attachment; filename="photosite-')
    assert response["Content-Disposition"].endswith('-2.zip"')
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["IMG_0001.JPG", "IMG_0001.MOV", "DSC_0001.JPG", "DSC_0001.NEF"]
        for photo in (still, motion, jpeg, raw):
            assert archive.read(photo.original_name) == original_bytes(library_root, photo)


def test_json_ids_are_taken_too(logged_in, live):
    response, body = post(logged_in, [live[0].pk], as_json=True)
    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(body)).namelist() == ["IMG_0001.JPG", "IMG_0001.MOV"]


def test_names_are_made_unique_without_regard_to_case(logged_in, same_names, library_root):
    response, body = post(logged_in, [photo.pk for photo in same_names])
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == ["IMG_0001.jpg", "img_0001 (2).JPG", "IMG_0001 (3).jpg"]
        assert [archive.read(name) for name in archive.namelist()] == [
            original_bytes(library_root, photo) for photo in same_names]


@pytest.mark.parametrize(("name", "safe"), [
    ("../../etc/passwd", ".._.._etc_passwd"), ("..", ""), (".", ""), ("a\\b.jpg", "a_b.jpg"),
    ("C:\\x.jpg", "C__x.jpg"), ("tab\there.jpg", "tab_here.jpg"), ("  spaced.jpg. ", "spaced.jpg"),
    ("x" * 300 + ".jpeg", "x" * 195 + ".jpeg"),
])
def test_names_never_carry_a_path(name, safe):
    assert safe_name(name) == safe


def test_a_name_with_nothing_safe_left_is_named_after_the_photo():
    names = UniqueNames()
    assert [names.claim("..", 7), names.claim(" . ", 7), names.claim("ok.jpg", 8)] == ["photo-7", "photo-7 (2)", "ok.jpg"]


def test_the_size_is_known_before_the_download(logged_in, live, raw_pair):
    # given
    ids = [live[0].pk, raw_pair[0].pk]
    # when
    sized = logged_in.get("/download/size", {"ids": ",".join(map(str, ids))})
    _, body = post(logged_in, ids)
    # then
    assert sized.status_code == 200
    assert sized.json() == {"files": 4, "bytes": len(body)}


@pytest.mark.parametrize("ids", ["", "abc", "1,-2", "1.5", "9" * 30, "9" * 5000, "١٢"])
def test_bad_ids_are_a_400_with_a_reason(logged_in, ids):
    response = logged_in.post("/download/", {"ids": ids})
    assert response.status_code == 400
    assert response.json()["error"]
    assert logged_in.get("/download/size", {"ids": ids}).status_code == 400


@pytest.mark.parametrize("body", ['{"ids": "1"}', "[1]", "{", '{"ids": [[1]]}'])
def test_bad_json_bodies_are_a_400(logged_in, body):
    response = logged_in.post("/download/", body, content_type="application/json")
    assert response.status_code == 400


def test_too_many_ids_are_refused(logged_in):
    response = logged_in.post("/download/", {"ids": ",".join(str(n) for n in range(1, 5002))})
    assert response.status_code == 400
    assert "5000" in response.json()["error"]


def test_ids_not_found_are_counted_in_the_refusal(logged_in, live):
    response, _ = post(logged_in, [live[0].pk, 999999, 999998])
    assert response.status_code == 400
    assert response.json()["error"] == "2 of the photos asked for were not found"


def test_strangers_are_sent_to_log_in(client, live):
    response = client.post("/download/", {"ids": str(live[0].pk)})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/download/size", {"ids": str(live[0].pk)}).status_code == 302


def test_the_trash_is_for_staff_only(logged_in, live, library_root, django_user_model):
    # given a Live Photo moved to the trash (both its files)
    still, motion = live
    move_to_trash(still)
    # when / then: to an ordinary user it is not there
    assert post(logged_in, [still.pk])[0].status_code == 400
    # and staff get both files
    logged_in.force_login(django_user_model.objects.create_superuser("curator", "c@example.com", None))
    response, body = post(logged_in, [still.pk])
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == ["IMG_0001.JPG", "IMG_0001.MOV"]
        still.refresh_from_db()
        assert archive.read("IMG_0001.JPG") == original_bytes(library_root, still)


def test_download_needs_post_and_the_csrf_token(live, django_user_model):
    from django.test import Client
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_user("viewer"))
    assert client.get("/download/", {"ids": str(live[0].pk)}).status_code == 405
    assert client.post("/download/", {"ids": str(live[0].pk)}).status_code == 403


def test_a_file_missing_before_the_download_is_left_out_with_a_note(logged_in, live, library_root, caplog):
    # given the motion's file gone from the library
    still, motion = live
    (library_root / motion.path).unlink()
    # when
    response, body = post(logged_in, [still.pk])
    # then
    assert int(response["Content-Length"]) == len(body)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == ["IMG_0001.JPG", "NOT INCLUDED.txt"]
        assert archive.read("NOT INCLUDED.txt") == b"IMG_0001.MOV: its file is missing from the library\n"


def test_a_file_vanishing_mid_download_cuts_the_stream_with_an_error_logged(live, library_root, caplog):
    # given an archive whose length is promised, then the motion's file vanishes
    still, motion = live
    stream = zip_of([still, motion], keep_location=True)
    (library_root / motion.path).unlink()
    from library.services.zip_download import sent_whole_or_cut

    async def drain():
        return b"".join([chunk async for chunk in sent_whole_or_cut(stream)])
    # when
    with caplog.at_level(logging.ERROR, logger="photosite.gallery"):
        sent = asyncio.run(drain())
    # then: fewer bytes than promised, and why
    assert len(sent) < stream.length
    assert "cut short" in caplog.text
