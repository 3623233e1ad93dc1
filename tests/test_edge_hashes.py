"""Edge hashes (the SHA-256 of a file's first and last 64 KB): the rule, the hash every import
records, the `/edges` question the import page asks before it hashes a file whole, and
`manage.py edgehashes`, which fills them in for photos imported before they were kept."""
import hashlib
import os
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from library.curation.trash import move_to_trash
from library.importing.edge_hash import EDGE_BYTES, file_edge_sha256
from library.models import Photo
from library.paths import absolute_path

import factories

SIZES = [1, 1000, EDGE_BYTES, EDGE_BYTES + 1, 2 * EDGE_BYTES - 1, 2 * EDGE_BYTES, 2 * EDGE_BYTES + 1, 1_000_003]


def edges_of(data: bytes) -> str:
    """The rule spelt out: the first 64 KB, then the last 64 KB that are not among them."""
    return hashlib.sha256(data[:EDGE_BYTES] + data[max(EDGE_BYTES, len(data) - EDGE_BYTES):]).hexdigest()


def a_photo_file(path, seed):
    """A JPEG of a few hundred KB: more than its two edges."""
    return factories.make_noisy_jpeg(path, 640, 480, seed=seed, taken=factories.a_date(day=seed % 28 + 1))


def web_session(client):
    response = client.post("/api/imports/")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def web_upload(client, session_id, *paths):
    return client.post(f"/api/imports/{session_id}/files",
                       {"file": [SimpleUploadedFile(path.name, path.read_bytes()) for path in paths]})


# -- the rule ------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_the_edge_hash_is_of_the_first_and_last_64_kb(tmp_path, size):
    # given
    data = os.urandom(size)
    path = tmp_path / "file"
    path.write_bytes(data)
    # when
    with open(path, "rb") as file:
        edge = file_edge_sha256(file.fileno(), size)
    # then
    assert edge == edges_of(data)
    if size <= 2 * EDGE_BYTES:
        assert edge == hashlib.sha256(data).hexdigest()  # a small file is read whole


# -- recorded by every import ------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)  # the command imports in worker threads
def test_the_command_line_import_records_each_photos_edge_hash(library_root, media_dir):
    # given
    photo = a_photo_file(media_dir / "IMG_0001.JPG", seed=1)
    # when
    call_command("import", "--no-progress", str(media_dir), stdout=StringIO(), stderr=StringIO())
    # then
    assert Photo.objects.get().edge_sha256 == edges_of(photo.read_bytes())


@pytest.mark.django_db
def test_the_web_import_records_each_photos_edge_hash(library_root, logged_in, media_dir):
    # given
    photos = [a_photo_file(media_dir / f"IMG_{seed:04d}.JPG", seed) for seed in (2, 3)]
    # when
    response = web_upload(logged_in, web_session(logged_in), *photos)
    # then
    assert [result["status"] for result in response.json()["results"]] == ["imported", "imported"]
    assert {photo.original_name: photo.edge_sha256 for photo in Photo.objects.all()} == {
        path.name: edges_of(path.read_bytes()) for path in photos}


# -- the import page's question ----------------------------------------------------------------
@pytest.fixture
def library_photos(library_root, logged_in, media_dir):
    """Three photos through the web import: one kept, one moved to the trash, one imported before
    edge hashes were kept (its edge hash blank)."""
    paths = [a_photo_file(media_dir / f"{name}.JPG", seed) for seed, name in enumerate(("KEPT", "TRASHED", "OLD"), 10)]
    web_upload(logged_in, web_session(logged_in), *paths)
    move_to_trash(Photo.objects.get(original_name="TRASHED.JPG"))
    Photo.objects.filter(original_name="OLD.JPG").update(edge_sha256="")
    return {path.stem: path for path in paths}


def ask_edges(client, body):
    return client.post(f"/api/imports/{web_session(client)}/edges", body, content_type="application/json")


@pytest.mark.django_db
def test_the_edges_question_names_the_files_a_photo_in_the_library_may_be(library_photos, logged_in):
    # given: a file of the kept photo's size with its edges, and one with other edges; the same
    # for the trashed photo; and a file of the old photo's size, with edges of its own
    kept, trashed, old = (library_photos[name] for name in ("KEPT", "TRASHED", "OLD"))
    other_edges = "0" * 64
    asked = [
        {"size": kept.stat().st_size, "edge": edges_of(kept.read_bytes())},
        {"size": kept.stat().st_size, "edge": other_edges},
        {"size": trashed.stat().st_size, "edge": edges_of(trashed.read_bytes())},
        {"size": trashed.stat().st_size + 1, "edge": edges_of(kept.read_bytes())},
        {"size": old.stat().st_size, "edge": other_edges},
    ]
    # when
    response = ask_edges(logged_in, {"files": asked})
    # then: the kept photo's own edges; nothing of the trash; any file of the old photo's size
    assert response.status_code == 200, response.content
    assert response.json() == {"held": [True, False, False, False, True]}


@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    {"files": [{"size": "1", "edge": "0" * 64}]},
    {"files": [{"size": -1, "edge": "0" * 64}]},
    {"files": [{"size": True, "edge": "0" * 64}]},
    {"files": [{"size": 2**70, "edge": "0" * 64}]},
    {"files": [{"size": 1, "edge": "A" * 64}]},
    {"files": [{"size": 1, "edge": "0" * 63}]},
    {"files": [{"size": 1}]},
    {"files": [[1, "0" * 64]]},
    {"files": [{"size": 1, "edge": "0" * 64}] * 1001},
    {"files": 5},
    {"sizes": [1]},
    [],
])
def test_a_malformed_edges_question_is_a_bad_request(library_root, logged_in, body):
    response = ask_edges(logged_in, body)
    assert response.status_code == 400
    assert "files" in response.json()["error"] or "edge" in response.json()["error"]


@pytest.mark.django_db
def test_the_edges_question_takes_a_thousand_files(library_root, logged_in):
    response = ask_edges(logged_in, {"files": [{"size": size, "edge": "0" * 64} for size in range(1000)]})
    assert response.status_code == 200
    assert response.json() == {"held": [False] * 1000}


# -- filling in the photos imported before ------------------------------------------------------
@pytest.mark.django_db
def test_edgehashes_fills_in_the_photos_without_one_in_batches(library_root, logged_in, media_dir):
    # given: five photos imported before edge hashes were kept, one of whose files is gone
    paths = [a_photo_file(media_dir / f"IMG_{seed:04d}.JPG", seed) for seed in range(20, 25)]
    web_upload(logged_in, web_session(logged_in), *paths)
    Photo.objects.update(edge_sha256="")
    gone = Photo.objects.get(original_name="IMG_0024.JPG")
    absolute_path(gone.path).unlink()
    out = StringIO()
    # when
    call_command("edgehashes", "--no-progress", "--batch-size", "2", stdout=out, stderr=StringIO())
    # then
    recorded = dict(Photo.objects.values_list("original_name", "edge_sha256"))
    assert recorded == {path.name: edges_of(path.read_bytes()) for path in paths[:4]} | {"IMG_0024.JPG": ""}
    assert "4 photo(s) given their edge hash" in out.getvalue()
    assert "1 photo(s) whose file could not be read" in out.getvalue()
    # and running it again reads only the one still without
    again = StringIO()
    call_command("edgehashes", "--no-progress", stdout=again, stderr=StringIO())
    assert "0 photo(s) given their edge hash" in again.getvalue()
