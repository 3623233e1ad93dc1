"""Originals on an S3-compatible object store (`PHOTOSITE_STORAGE_URL=s3://…`), live: `manage.py
import` puts each file in the bucket under `prefix/YYYY-MM-DD/` with a conditional PUT and writes
its row only once the store has it; the site sends browsers to the store with a presigned link
(or streams the object itself), makes thumbnails from the object, and a store that is down or
refuses writes fails the file, never the row."""
import hashlib
import json
import re
from contextlib import closing
from datetime import datetime

import pytest
from object_store import READER, start_object_store

import factories
from browser import screenshot, signed_in_page
from live_site import running_site

# The store is the subject, not the database: the SQLite pass of .ci/run runs these, and the
# PostgreSQL pass meets the store in tests/test_two_machines.py.
pytestmark = pytest.mark.outside_database

WEBP = "image/avif,image/webp,*/*"
ROWS = ("import json; from library.models import Photo; "
        "print(json.dumps(list(Photo.objects.values('id', 'original_name', 'path', 'sha256', 'size'))))")
OUTCOMES = ("import json; from library.models import ImportOutcome; "
            "print(json.dumps(list(ImportOutcome.objects.values('original_name', 'status', 'error'))))")
LOCAL_KEEPS = {".import_temp", ".logs", ".photosite"}  # staging, logs, the database


def rows(site) -> dict:
    return {row["original_name"]: row for row in json.loads(site.manage("shell", "-c", ROWS).stdout.splitlines()[-1])}


def outcomes(site, name) -> list[dict]:
    return [outcome for outcome in json.loads(site.manage("shell", "-c", OUTCOMES).stdout.splitlines()[-1])
            if outcome["original_name"] == name]


def stored(store, prefix) -> dict:
    pages = store.client().get_paginator("list_objects_v2").paginate(Bucket=store.bucket, Prefix=prefix + "/")
    return {entry["Key"]: (entry["ETag"], entry["LastModified"]) for page in pages for entry in page.get("Contents", ())}


def make_media(folder):
    folder.mkdir()
    photos = [factories.make_jpeg(folder / f"p{day}.jpg", 800, 600, taken=datetime(2024, 5, day, 12, 0, 0))
              for day in (1, 2, 3)]
    video = factories.make_video(folder / "clip.mp4", seconds=1.0, creation_time=datetime(2024, 5, 4, 9, 0, 0))
    return [*photos, video]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("store-originals") / "media")


@pytest.fixture(scope="module")
def site(tmp_path_factory, object_store, media):
    prefix = "originals-" + hashlib.sha256(str(tmp_path_factory.getbasetemp()).encode()).hexdigest()[:12]
    environment = object_store.environment(object_store.bucket, prefix=prefix)
    with running_site(tmp_path_factory.mktemp("store-site") / "library", extra_env=environment,
                      imports=media) as site:
        site.prefix = prefix
        yield site


def test_the_import_puts_every_original_in_the_bucket_and_nothing_in_the_library_folder(site, object_store, media):
    # when
    photos = rows(site)
    keys = stored(object_store, site.prefix)

    # then
    assert sorted(photos) == sorted(path.name for path in media)
    for source in media:
        row = photos[source.name]
        assert re.fullmatch(rf"2024-05-0\d/img_202405\d\d_{row['sha256'][:16]}\.(jpg|mp4)", row["path"])
        assert f"{site.prefix}/{row['path']}" in keys
        assert row["size"] == source.stat().st_size
    assert {entry.name for entry in site.root.iterdir()} <= LOCAL_KEEPS
    assert not list((site.root / ".import_temp").iterdir())


def test_an_original_is_fetched_from_the_store_through_a_presigned_redirect(site, object_store, media):
    photo = rows(site)["p2.jpg"]
    with closing(site.client()) as client:
        # when
        redirect = client.get(f"/photo/{photo['id']}/original", params={"download": "1"})
        followed = client.get(f"/photo/{photo['id']}/original", follow_redirects=True)
        page = client.get("/")

    # then
    assert redirect.status_code == 302
    assert redirect.headers["location"].startswith(object_store.endpoint_url + "/")
    assert "X-Amz-Signature=" in redirect.headers["location"] and "X-Amz-Expires=300" in redirect.headers["location"]
    assert followed.status_code == 200
    assert followed.content == (media[1]).read_bytes()
    policy = page.headers["Content-Security-Policy"]
    assert re.search(rf"img-src [^;]*{re.escape(object_store.endpoint_url)}", policy)
    assert re.search(rf"media-src [^;]*{re.escape(object_store.endpoint_url)}", policy)


def test_a_video_plays_from_the_store(site, media):
    video = rows(site)["clip.mp4"]
    with closing(site.client()) as client:
        # when
        played = client.get(f"/api/photo/{video['id']}/video", follow_redirects=True)

    # then
    assert played.status_code == 200
    assert played.content == media[3].read_bytes()


def test_a_thumbnail_is_made_from_the_original_in_the_store(site, object_store):
    photo = rows(site)["p1.jpg"]
    with closing(site.client()) as client:
        # when
        thumbnail = client.get(f"/api/photo/{photo['id']}/thumbnail", headers={"Accept": WEBP})

    # then
    assert thumbnail.status_code == 200 and thumbnail.content[8:12] == b"WEBP"
    assert any(key.startswith(f"{site.prefix}/.thumbnails/") for key in stored(object_store, site.prefix))
    assert not (site.root / ".thumbnails").exists()


def test_importing_the_same_file_again_is_a_duplicate_and_overwrites_nothing(site, object_store, media):
    before = stored(object_store, site.prefix)

    # when
    site.manage("import", "--no-progress", str(media[0]))

    # then
    assert [outcome["status"] for outcome in outcomes(site, "p1.jpg")] == ["imported", "duplicate"]
    after = stored(object_store, site.prefix)
    assert {key: value for key, value in after.items() if ".thumbnails/" not in key} == \
        {key: value for key, value in before.items() if ".thumbnails/" not in key}


def test_a_store_that_goes_down_fails_the_file_and_a_later_import_brings_it_in(tmp_path, media):
    # given
    (tmp_path / "private-store").mkdir()
    store = start_object_store(tmp_path / "private-store")
    late = factories.make_jpeg(tmp_path / "late.jpg", 640, 480, taken=datetime(2024, 6, 1, 8, 0, 0))
    environment = {**store.environment(store.bucket, prefix="outage"), "PHOTOSITE_S3_REDIRECT": "false"}
    try:
        with running_site(tmp_path / "library", extra_env=environment, imports=media[:1]) as site, \
                closing(site.client()) as client:
            first = rows(site)["p1.jpg"]
            store.stop()

            # when
            site.manage("import", "--no-progress", str(late), check=False)
            failed = outcomes(site, "late.jpg")
            rows_while_down = rows(site)
            served_while_down = client.get(f"/photo/{first['id']}/original")
            store.restart()
            site.manage("import", "--no-progress", str(late))
            photos = rows(site)
            ranged = client.get(f"/photo/{first['id']}/original", headers={"Range": "bytes=100-199"})

            # then
            assert [outcome["status"] for outcome in failed] == ["failed"]
            assert "object store" in failed[0]["error"]
            assert "late.jpg" not in rows_while_down
            assert served_while_down.status_code == 503
            assert [outcome["status"] for outcome in outcomes(site, "late.jpg")] == ["failed", "imported"]
            assert f"outage/{photos['late.jpg']['path']}" in stored(store, "outage")
            # Streamed through the site (PHOTOSITE_S3_REDIRECT=false), with Range.
            assert ranged.status_code == 206
            assert ranged.content == media[0].read_bytes()[100:200]
    finally:
        store.stop()


def test_a_store_that_refuses_writes_fails_the_file_clearly(tmp_path, object_store):
    photo = factories.make_jpeg(tmp_path / "refused.jpg", 640, 480, taken=datetime(2024, 7, 1, 8, 0, 0))
    environment = object_store.environment(object_store.bucket, prefix="read-only", identity=READER)

    # when
    with running_site(tmp_path / "library", extra_env=environment, start_web=False) as site:
        site.manage("import", "--no-progress", str(photo), check=False)
        failed = outcomes(site, "refused.jpg")
        photos = rows(site)

    # then
    assert [outcome["status"] for outcome in failed] == ["failed"]
    assert "refused to write" in failed[0]["error"]
    assert photos == {}
    assert stored(object_store, "read-only") == {}


def test_a_browser_shows_originals_and_plays_videos_from_the_store_within_the_policy(site, browser):
    photos = rows(site)
    with signed_in_page(browser, site, viewport={"width": 1100, "height": 700}) as page:
        # when: the viewer plays the video (its rendition URL sends it to the original, which sends it to the store)
        page.goto(f"/photo/{photos['clip.mp4']['id']}/")
        page.wait_for_function("() => { const video = document.querySelector('video');"
                               " return video !== null && video.readyState >= 2; }")
        screenshot(page, "object-store-video")
        shown = page.evaluate("""(src) => new Promise((resolve) => {
            const image = new Image();
            image.onload = () => resolve(image.naturalWidth);
            image.onerror = () => resolve(0);
            image.src = src;
        })""", f"/photo/{photos['p3.jpg']['id']}/original")

    # then (leaving the page asserted that the policy refused nothing)
    assert shown == 800
