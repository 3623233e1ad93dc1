"""Thumbnails kept in an object store (SeaweedFS, real), served by the view in process: after the
access check, a short-lived presigned redirect to the store (`PHOTOSITE_S3_REDIRECT`), or else
the bytes from a copy on this machine (thumbnails.local_cache), filled once from the store, with
the same ETag and immutable caching as a thumbnail on disk."""
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from library.paths import thumbnail_cache_dir
from thumbnails.links import thumbnail_url
from thumbnails.responses import IMMUTABLE

import factories
from test_thumbnail_support import import_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def thumbnails_in_bucket(settings, library_root, object_store, bucket, bucket_prefix):
    settings.STORAGES = {**settings.STORAGES, "thumbnails": object_store.storage(
        bucket, f"{bucket_prefix}/.thumbnails", querystring_expire=300, signature_version="s3v4")}
    return bucket_prefix


@pytest.fixture
def photo(thumbnails_in_bucket, media_dir):
    return import_file(factories.make_jpeg(media_dir / "tile.jpg", 1600, 900))


def stored_names(object_store, bucket, prefix) -> set[str]:
    listed = object_store.client().list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/.thumbnails/").get("Contents", ())
    return {entry["Key"] for entry in listed}


def test_a_stored_thumbnail_is_a_short_lived_redirect_to_the_store(settings, photo, logged_in, object_store):
    # given: made once (a miss answers with the bytes it just made)
    settings.PHOTOSITE_S3_REDIRECT = True
    made = logged_in.get(thumbnail_url(photo))

    # when
    response = logged_in.get(thumbnail_url(photo))
    followed = httpx.get(response["Location"])

    # then
    assert made.status_code == 200
    assert response.status_code == 302
    assert response["Location"].startswith(object_store.endpoint_url + "/")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert response["Cache-Control"] == "private, max-age=150"
    assert "Accept" in response["Vary"]
    assert followed.status_code == 200
    assert followed.content == made.content
    assert followed.headers["content-type"] == "image/jpeg"
    assert followed.headers["cache-control"] == IMMUTABLE
    assert not thumbnail_cache_dir().exists(), "nothing kept on this machine when browsers go to the store"


def test_the_redirect_keeps_the_access_rule_and_the_etag(settings, photo, logged_in):
    # given
    from library.curation.trash import move_to_trash

    settings.PHOTOSITE_S3_REDIRECT = True
    etag = logged_in.get(thumbnail_url(photo))["ETag"]

    # when
    revalidated = logged_in.get(thumbnail_url(photo), headers={"If-None-Match": etag})
    move_to_trash(photo)
    trashed = logged_in.get(thumbnail_url(photo))

    # then
    assert revalidated.status_code == 304
    assert trashed.status_code == 404


def test_without_redirects_a_stored_thumbnail_is_served_from_a_copy_on_this_machine(
        settings, photo, logged_in, object_store, bucket, thumbnails_in_bucket):
    # given
    settings.PHOTOSITE_S3_REDIRECT = False
    made = logged_in.get(thumbnail_url(photo))
    stored = stored_names(object_store, bucket, thumbnails_in_bucket)
    (copy,) = thumbnail_cache_dir().iterdir()
    copy.write_bytes(made.content + b"kept here")  # marked, so that an answer from it shows

    # when
    again = logged_in.get(thumbnail_url(photo))

    # then
    assert made.status_code == again.status_code == 200
    assert again.content == made.content + b"kept here"
    assert again["ETag"] == made["ETag"] == f'"{photo.sha256}-h400-jpeg-v1"'
    assert again["Cache-Control"] == made["Cache-Control"] == IMMUTABLE
    assert len(stored) == 1 and copy.name == next(iter(stored)).rsplit("/", 1)[-1]


def test_a_copy_removed_from_this_machine_is_fetched_from_the_store_again(settings, photo, logged_in):
    # given
    settings.PHOTOSITE_S3_REDIRECT = False
    made = logged_in.get(thumbnail_url(photo)).content
    (copy,) = thumbnail_cache_dir().iterdir()
    copy.unlink()

    # when
    again = logged_in.get(thumbnail_url(photo))

    # then
    assert again.status_code == 200 and again.content == made
    assert copy.read_bytes() == made
