"""`manage.py movelibrary s3://…` against a real SeaweedFS: a library kept in its folder is copied
to the store under the same names (originals, sidecars, renditions), each original checked against
its row's SHA-256; a second run copies nothing again, and a file damaged on disk is not carried over."""
from datetime import datetime
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from object_store import REGION, WRITER

from library.importing.pipeline import ImportPipeline
from library.models import ImportSource, Photo

import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", WRITER[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", WRITER[1])
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def library(library_root, media_dir):
    pipeline = ImportPipeline.start(ImportSource.CLI)
    for day in (1, 2):
        pipeline.import_path(factories.make_jpeg(media_dir / f"p{day}.jpg", taken=datetime(2024, 4, day, 9, 0, 0)))
    pipeline.finish()
    photo = Photo.objects.order_by("pk").first()
    (library_root / f"{photo.path}.xmp").write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    storages["thumbnails"].save("ab/abcdef-400.webp", ContentFile(b"a rendition"))
    return library_root


def keys(object_store, bucket, prefix) -> dict[str, bytes]:
    client = object_store.client()
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix + "/").get("Contents", ())
    return {entry["Key"].removeprefix(prefix + "/"): client.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
            for entry in listed}


def move(object_store, bucket, prefix) -> str:
    out = StringIO()
    call_command("movelibrary", f"s3://{bucket}/{prefix}", endpoint_url=object_store.endpoint_url,
                 no_progress=True, stdout=out)
    return out.getvalue()


def test_every_file_is_copied_once_under_its_name(library, credentials, object_store, bucket, bucket_prefix):
    # when
    said = move(object_store, bucket, bucket_prefix)
    again = move(object_store, bucket, bucket_prefix)

    # then
    photos = list(Photo.objects.order_by("pk"))
    assert keys(object_store, bucket, bucket_prefix) == {
        **{photo.path: (library / photo.path).read_bytes() for photo in photos},
        f"{photos[0].path}.xmp": (library / f"{photos[0].path}.xmp").read_bytes(),
        ".thumbnails/ab/abcdef-400.webp": b"a rendition",
    }
    assert "4 file(s) copied, 0 already in the store" in said
    assert f"PHOTOSITE_STORAGE_URL=s3://{bucket}/{bucket_prefix}" in said
    assert "0 file(s) copied, 4 already in the store" in again


def test_a_file_damaged_on_disk_is_not_carried_over(library, credentials, object_store, bucket, bucket_prefix):
    # given
    damaged = Photo.objects.order_by("pk").last()
    (library / damaged.path).write_bytes(b"not what the row says")

    # when
    with pytest.raises(CommandError, match="1 file"):
        move(object_store, bucket, bucket_prefix)

    # then
    assert damaged.path not in keys(object_store, bucket, bucket_prefix)


def test_a_bad_url_is_refused(library, credentials):
    with pytest.raises(CommandError, match="s3://bucket/prefix"):
        call_command("movelibrary", "https://example.com/bucket", no_progress=True, stdout=StringIO())
