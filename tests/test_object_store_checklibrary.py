"""`checklibrary` (and `--repair`) on a library kept in an object store, against a real SeaweedFS:
objects without a row (a crashed import's), rows without an object, multipart uploads a killed
writer left open, renditions of no photo and renditions whose row does not say ready. Each test
leaves the library whole again, so the next one starts from a library that checks clean."""
import hashlib
from contextlib import closing
from datetime import datetime

import pytest

import factories
from fault_helpers import site_rows
from live_site import running_site

# The store is the subject, not the database: the SQLite pass of .ci/run runs these, and the
# PostgreSQL pass meets the store in tests/test_two_machines.py.
pytestmark = pytest.mark.outside_database

WEBP = "image/avif,image/webp,*/*"


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("store-check-media")
    return [factories.make_jpeg(folder / f"p{day}.jpg", 320, 240, taken=datetime(2024, 6, day, 12, 0, 0))
            for day in (1, 2)]


@pytest.fixture(scope="module")
def site(tmp_path_factory, object_store, media):
    prefix = "check-" + hashlib.sha256(str(tmp_path_factory.getbasetemp()).encode()).hexdigest()[:12]
    environment = object_store.environment(object_store.bucket, prefix=prefix)
    with running_site(tmp_path_factory.mktemp("store-check") / "library", extra_env=environment,
                      imports=media) as site:
        site.prefix = prefix
        site.store = object_store.client()
        yield site


def rows(site) -> dict:
    """original name → [id, path, sha256], read straight from the site's database."""
    return {name: [pk, path, sha256]
            for pk, name, path, sha256 in site_rows(site, "SELECT id, original_name, path, sha256 FROM library_photo")}


def keys(site) -> set[str]:
    pages = site.store.get_paginator("list_objects_v2").paginate(Bucket="photosite-tests", Prefix=site.prefix + "/")
    return {entry["Key"].removeprefix(site.prefix + "/") for page in pages for entry in page.get("Contents", ())}


def put(site, name: str, data: bytes):
    site.store.put_object(Bucket="photosite-tests", Key=f"{site.prefix}/{name}", Body=data)


def checklibrary(site, *options) -> tuple[int, str]:
    completed = site.manage("checklibrary", "--no-progress", "--stale-after", "0", *options, check=False)
    return completed.returncode, completed.stdout + completed.stderr


def test_a_clean_library_in_the_store_checks_clean_with_every_hash_verified(site, media):
    # when
    status, out = checklibrary(site, "--verify-hashes")
    # then
    assert status == 0, out
    assert "2 object(s) in the store, 2 row(s) checked" in out
    assert "Verified the SHA-256 of 2 file(s)" in out
    assert "The library and the database agree." in out


def test_an_object_whose_row_was_never_written_is_found_and_registered_at_its_own_name(site, media):
    # given: an import killed after the store acknowledged its object, before its row
    photo = rows(site)["p1.jpg"]
    site.manage("shell", "-c", f"from library.models import Photo; Photo.objects.filter(pk={photo[0]}).delete()")
    # when
    status, found = checklibrary(site)
    repaired_status, repaired = checklibrary(site, "--all", "--repair")
    # then
    assert status == 1 and "files without a database row: 1" in found and photo[1] in found
    assert repaired_status == 0, repaired
    assert f"{photo[1]} → registered" in repaired
    assert rows(site)[photo[1].rsplit("/", 1)[-1]][1:] == photo[1:], "the same object, now under a row"
    assert checklibrary(site)[0] == 0


def test_an_object_under_another_name_is_imported_and_the_stray_deleted(site):
    # given: a photo put into the bucket by hand
    stray = factories.make_jpeg(site.root.parent / "holiday.jpg", 200, 150, taken=datetime(2023, 8, 5, 9, 0, 0))
    put(site, "2023-08-05/holiday.jpg", stray.read_bytes())
    # when
    status, out = checklibrary(site, "--all", "--repair")
    # then
    assert status == 0, out
    new = rows(site)["holiday.jpg"]
    assert new[1] == "2023-08-05/img_20230805_" + hashlib.sha256(stray.read_bytes()).hexdigest()[:16] + ".jpg"
    assert "2023-08-05/holiday.jpg → registered as photo" in out
    assert new[1] in keys(site) and "2023-08-05/holiday.jpg" not in keys(site)
    assert checklibrary(site)[0] == 0


def test_a_row_whose_object_is_gone_is_reported_kept_and_restored_from_a_stray_copy(site, media):
    # given
    photo = rows(site)["p2.jpg"]
    site.store.delete_object(Bucket="photosite-tests", Key=f"{site.prefix}/{photo[1]}")
    # when / then: reported, never deleted
    status, out = checklibrary(site, "--repair")
    assert status == 1 and "rows whose file is missing: 1 (0 repaired)" in out and photo[1] in out
    assert rows(site)["p2.jpg"] == photo
    # when: a copy of its bytes turns up elsewhere in the bucket
    put(site, "found/p2-copy.jpg", media[1].read_bytes())
    status, out = checklibrary(site, "--all", "--repair")
    # then: the copy fills in the missing object
    assert status == 0, out
    assert f"restored the missing file of photo {photo[0]}" in out
    assert photo[1] in keys(site) and "found/p2-copy.jpg" not in keys(site)
    assert checklibrary(site, "--verify-hashes")[0] == 0


def test_a_multipart_upload_left_open_is_found_and_aborted(site):
    # given: a writer killed between its first part and the completion
    key = f"{site.prefix}/2024-06-09/img_20240609_0123456789abcdef.jpg"
    upload = site.store.create_multipart_upload(Bucket="photosite-tests", Key=key)["UploadId"]
    site.store.upload_part(Bucket="photosite-tests", Key=key, UploadId=upload, PartNumber=1, Body=b"\xff" * 1024)
    # when
    status, found = checklibrary(site)
    repaired_status, repaired = checklibrary(site, "--all", "--repair")
    # then
    assert status == 1 and "multipart uploads never completed: 1" in found
    assert repaired_status == 0, repaired
    assert "2024-06-09/img_20240609_0123456789abcdef.jpg" in repaired and "→ aborted" in repaired
    assert site.store.list_multipart_uploads(Bucket="photosite-tests", Prefix=site.prefix + "/").get("Uploads", []) == []


def test_renditions_of_no_photo_are_removed_and_unrecorded_ones_recorded(site, media):
    # given: a thumbnail made, then its row set back as if its maker died before recording it
    photo = rows(site)["p2.jpg"]
    with closing(site.client()) as client:
        assert client.get(f"/api/photo/{photo[0]}/thumbnail", headers={"Accept": WEBP}).status_code == 200
    site_rows(site, "UPDATE thumbnails_rendition SET state = 'pending' RETURNING id")
    made = next(name for name in keys(site) if name.startswith(".thumbnails/"))
    orphan = f".thumbnails/ab/cd/{'ab' + 'cd' * 31}-h400-webp-v1.webp"
    put(site, orphan, b"RIFF....WEBP")
    # when
    status, out = checklibrary(site, "--all", "--repair")
    # then
    assert status == 0, out
    assert f"{made.removeprefix('.thumbnails/')} — of photo {photo[0]} → recorded as ready" in out
    assert "no photo has these bytes → removed" in out
    assert orphan not in keys(site) and made in keys(site)
    assert site_rows(site, "SELECT name, state FROM thumbnails_rendition") == [(made.removeprefix(".thumbnails/"), "ready")]
