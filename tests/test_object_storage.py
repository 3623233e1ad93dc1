"""The object-store backend (photosite/object_storage.py) against a real S3-compatible store
(SeaweedFS): a name is written once, whoever writes second is refused by the store itself, big
objects go up in parts under the same condition, and a store that may not be written to says so."""
import threading

import pytest
from django.core.files.base import ContentFile
from object_store import READER, REGION, WRITER

from photosite import object_storage
from photosite.object_storage import NoOverwriteS3Storage
from photosite.storage_url import StorageUrlError, object_storage_entry

# The store is the subject, not the database: the SQLite pass of .ci/run runs these, and the
# PostgreSQL pass meets the store in tests/test_two_machines.py.
pytestmark = pytest.mark.outside_database


@pytest.fixture
def storage(object_store, bucket, bucket_prefix):
    return storage_for(object_store, bucket, bucket_prefix)


def storage_for(store, bucket, location, identity=WRITER):
    key, secret = identity
    return NoOverwriteS3Storage(bucket_name=bucket, location=location, endpoint_url=store.endpoint_url,
                                access_key=key, secret_key=secret, region_name=REGION, file_overwrite=False)


def stored_bytes(store, bucket, key):
    return store.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def test_a_name_is_written_once(object_store, bucket, bucket_prefix, storage):
    assert storage.put_if_absent("a/b.webp", ContentFile(b"first")) == "a/b.webp"

    with pytest.raises(FileExistsError):
        storage.put_if_absent("a/b.webp", ContentFile(b"second"))
    assert stored_bytes(object_store, bucket, f"{bucket_prefix}/a/b.webp") == b"first"


def test_save_takes_another_name_when_its_own_is_taken(storage):
    storage.put_if_absent("a/b.webp", ContentFile(b"first"))

    saved = storage.save("a/b.webp", ContentFile(b"second"))

    assert saved != "a/b.webp" and saved.startswith("a/b")
    assert storage.open(saved).read() == b"second"
    assert storage.open("a/b.webp").read() == b"first"


def test_of_writers_at_once_exactly_one_wins(object_store, bucket, bucket_prefix, storage):
    outcomes, start = [], threading.Barrier(12)

    def write(index):
        start.wait()
        try:
            storage.put_if_absent("race.jpg", ContentFile(bytes([index]) * 100_000))
            outcomes.append(("written", index))
        except FileExistsError:
            outcomes.append(("refused", index))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes.append((repr(error), index))

    threads = [threading.Thread(target=write, args=(index,)) for index in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [index for outcome, index in outcomes if outcome == "written"]
    assert sorted(outcome for outcome, _ in outcomes) == ["refused"] * 11 + ["written"]
    assert stored_bytes(object_store, bucket, f"{bucket_prefix}/race.jpg") == bytes(winners) * 100_000


def test_a_big_object_goes_up_in_parts_and_never_over_another(object_store, bucket, bucket_prefix, storage,
                                                               monkeypatch):
    monkeypatch.setattr(object_storage, "PART_SIZE", 5 * 1024 * 1024)  # the smallest part S3 allows
    big = bytes(range(256)) * (48 * 1024)  # 12 MiB: three parts

    storage.put_if_absent("video.mp4", ContentFile(big))
    with pytest.raises(FileExistsError):
        storage.put_if_absent("video.mp4", ContentFile(b"x" * len(big)))

    assert stored_bytes(object_store, bucket, f"{bucket_prefix}/video.mp4") == big
    assert object_store.client().list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_a_store_that_may_not_be_written_to_says_so(object_store, bucket, bucket_prefix):
    with pytest.raises(PermissionError, match="refused to write a.jpg"):
        storage_for(object_store, bucket, bucket_prefix, identity=READER).put_if_absent("a.jpg", ContentFile(b"x"))


@pytest.mark.parametrize("url, bucket_name, location", [
    ("s3://photos", "photos", ".thumbnails"),
    ("s3://photos/family/", "photos", "family/.thumbnails"),
    ("s3://photos/a/b", "photos", "a/b/.thumbnails"),
])
def test_the_storage_url_names_the_bucket_and_prefix(url, bucket_name, location):
    options = object_storage_entry(url, "http://127.0.0.1:8333", ".thumbnails")["OPTIONS"]
    assert (options["bucket_name"], options["location"], options["endpoint_url"]) == (
        bucket_name, location, "http://127.0.0.1:8333")


@pytest.mark.parametrize("url", ["s3://", "/srv/photos", "http://photos/x", "s3://photos/x?versionId=1"])
def test_a_storage_url_without_a_bucket_is_refused(url):
    with pytest.raises(StorageUrlError):
        object_storage_entry(url, "", ".thumbnails")
