"""A site whose library is on an S3-compatible object store (`PHOTOSITE_STORAGE_URL=s3://…`),
live: uvicorn serving, SeaweedFS storing. Thumbnails and their rows are made as on a disk, kept
in the bucket under the library's prefix, made once, and served again from the store (through a
presigned redirect, the default)."""
import hashlib
from contextlib import closing

import pytest

import factories
from live_site import running_site

# The store is the subject, not the database: the SQLite pass of .ci/run runs these, and the
# PostgreSQL pass meets the store in tests/test_two_machines.py.
pytestmark = pytest.mark.outside_database

WEBP = "image/avif,image/webp,*/*"


@pytest.fixture(scope="module")
def site(tmp_path_factory, object_store):
    tmp = tmp_path_factory.mktemp("object-store-site")
    photos = [factories.make_jpeg(tmp / f"{name}.jpg", width, 900) for name, width in (("a", 1600), ("b", 1200))]
    environment = object_store.environment(object_store.bucket, prefix="site-library")
    with running_site(tmp / "library", extra_env=environment, imports=photos) as site:
        yield site


def stored_keys(object_store, prefix):
    pages = object_store.client().get_paginator("list_objects_v2").paginate(Bucket=object_store.bucket, Prefix=prefix)
    return {entry["Key"]: entry["ETag"] for page in pages for entry in page.get("Contents", ())}


def test_thumbnails_are_kept_in_the_bucket_and_made_once(site, object_store):
    with closing(site.client()) as client:
        photo_id = int(site.manage("shell", "-c", "from library.models import Photo; "
                                                  "print(Photo.objects.get(original_name='a.jpg').pk)").stdout.split()[-1])
        first = client.get(f"/api/photo/{photo_id}/thumbnail", headers={"Accept": WEBP})
        stored = stored_keys(object_store, "site-library/.thumbnails/")
        again = client.get(f"/api/photo/{photo_id}/thumbnail", headers={"Accept": WEBP}, follow_redirects=True)

    assert first.status_code == 200 and first.content[8:12] == b"WEBP"
    assert again.content == first.content
    assert len(stored) == 1
    (key, etag), = stored.items()
    assert etag.strip('"') == hashlib.md5(first.content, usedforsecurity=False).hexdigest()
    assert stored_keys(object_store, "site-library/.thumbnails/") == stored  # not written again
    assert not (site.root / ".thumbnails").exists() or not any((site.root / ".thumbnails").rglob("*.webp"))
