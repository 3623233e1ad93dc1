"""The originals' storage in an object store (library/originals.py) against a real SeaweedFS, in
process: the import's placement adopts an object of the same bytes and steps past other bytes,
and trash, restore and redating move objects (copy without overwriting, then delete) with the
rows following and no journal left; an import's groups share the upload threads and their
connections, and its copies into .import_temp are not written out to the disk."""
import os
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from library.curation.redating import redate
from library.curation.trash import RESTORED_NOTE, move_to_trash, restore_from_trash
from library.importing import staging
from library.importing.pipeline import ImportPipeline
from library.models import FileMove, ImportSource, OutcomeStatus, Photo
from library.originals import originals_storage

import factories

pytestmark = pytest.mark.django_db


def keys(object_store, bucket, prefix) -> set[str]:
    listed = object_store.client().list_objects_v2(Bucket=bucket, Prefix=prefix + "/").get("Contents", ())
    return {entry["Key"].removeprefix(prefix + "/") for entry in listed}


def import_file(source, name=None):
    pipeline = ImportPipeline.start(ImportSource.CLI)
    result = pipeline.import_path(source, name=name)
    pipeline.finish()
    return result


def import_jpeg(media_dir, name="IMG_1.jpg") -> Photo:
    source = factories.make_jpeg(media_dir / name, taken=datetime(2024, 3, 1, 10, 0, 0))
    return Photo.objects.get(pk=import_file(source).photo_id)


def test_an_object_left_by_a_crashed_import_is_adopted(originals_in_bucket, object_store, bucket, media_dir,
                                                       library_root):
    # given: the same bytes already under the photo's name, with no row (the import died before it)
    source = factories.make_jpeg(media_dir / "IMG_1.jpg", taken=datetime(2024, 3, 1, 10, 0, 0))
    first = import_file(source)
    photo = Photo.objects.get(pk=first.photo_id)
    Photo.objects.all().delete()

    # when
    again = import_file(source)

    # then
    assert again.status == OutcomeStatus.IMPORTED
    assert Photo.objects.get(pk=again.photo_id).path == photo.path
    assert keys(object_store, bucket, originals_in_bucket) == {photo.path}
    assert {entry.name for entry in library_root.iterdir()} <= {".import_temp", ".logs"}


def test_a_name_taken_by_other_bytes_is_stepped_past(originals_in_bucket, object_store, bucket, media_dir):
    # given
    source = factories.make_jpeg(media_dir / "IMG_1.jpg", taken=datetime(2024, 3, 1, 10, 0, 0))
    first = Photo.objects.get(pk=import_file(source).photo_id)
    Photo.objects.all().delete()
    originals_storage().delete(first.path)
    originals_storage().put_if_absent(first.path, ContentFile(b"other bytes"))

    # when
    photo = Photo.objects.get(pk=import_file(source).photo_id)

    # then
    assert photo.path == first.path.replace(".jpg", "_1.jpg")
    assert originals_storage().open(first.path).read() == b"other bytes"
    assert originals_storage().open(photo.path).read() == source.read_bytes()


def test_trash_and_restore_move_the_object(originals_in_bucket, object_store, bucket, media_dir):
    # given
    photo = import_jpeg(media_dir)
    original_path = photo.path

    # when
    move_to_trash(photo)
    trashed = keys(object_store, bucket, originals_in_bucket)
    restore_from_trash(photo)

    # then
    assert trashed == {f".trash/{original_path}"}
    photo.refresh_from_db()
    assert (photo.path, photo.trashed_at) == (original_path, None)
    assert keys(object_store, bucket, originals_in_bucket) == {original_path}
    assert originals_storage().open(original_path).read() == (media_dir / "IMG_1.jpg").read_bytes()
    assert not FileMove.objects.exists()


def test_redating_moves_the_object_to_the_new_day(originals_in_bucket, object_store, bucket, media_dir):
    # given
    photo = import_jpeg(media_dir)

    # when
    redate(photo, datetime(2023, 8, 9, 15, 0, tzinfo=UTC))

    # then
    photo.refresh_from_db()
    assert photo.path.startswith("2023-08-09/img_20230809_")
    assert keys(object_store, bucket, originals_in_bucket) == {photo.path}
    assert not FileMove.objects.exists()


def test_reimporting_a_photo_missing_from_the_trash_restores_the_new_copy(originals_in_bucket, object_store, bucket,
                                                                          media_dir):
    # given
    photo = import_jpeg(media_dir)
    original_path = photo.path
    move_to_trash(photo)
    photo.refresh_from_db()
    originals_storage().delete(photo.path)  # the trash emptied by hand

    # when
    result = import_file(media_dir / "IMG_1.jpg", name="again.jpg")

    # then
    assert (result.status, result.error) == (OutcomeStatus.IMPORTED, RESTORED_NOTE)
    photo.refresh_from_db()
    assert (photo.path, photo.trashed_at) == (original_path, None)
    assert keys(object_store, bucket, originals_in_bucket) == {original_path}


def test_the_groups_of_an_import_share_the_upload_threads_and_their_connections(originals_in_bucket, media_dir,
                                                                                monkeypatch):
    # given: two groups of photos, and the store's connections counted as they are built (each
    # loads botocore's service models: a third of the upload threads' time when every group
    # had threads of its own)
    storage = originals_storage()
    built = []
    build = storage._create_session
    monkeypatch.setattr(storage, "_create_session", lambda: built.append(1) or build())
    sources = [factories.make_jpeg(media_dir / f"IMG_{index}.jpg", taken=datetime(2024, 3, 1, 10, index))
               for index in range(8)]
    pipeline = ImportPipeline.start(ImportSource.CLI)

    # when
    first = pipeline.commit([pipeline.prepare_path(source) for source in sources[:4]])
    built_by_the_first = len(built)
    second = pipeline.commit([pipeline.prepare_path(source) for source in sources[4:]])

    # then: the second group's uploads went through the connections the first one built
    assert [result.status for result in first + second] == [OutcomeStatus.IMPORTED] * 8
    assert 1 <= built_by_the_first <= settings.PHOTOSITE_IMPORT_JOBS
    assert len(built) == built_by_the_first


@pytest.mark.parametrize(("on_the_store", "written_back"), [(True, False), (False, True)],
                         ids=["library on the store", "library folder"])
def test_a_command_line_copy_is_written_out_early_only_where_it_will_be_synced(request, library_root, media_dir,
                                                                               monkeypatch, on_the_store, written_back):
    # given: the ranges handed to the disk early, recorded (a copy for the store is uploaded and
    # removed, never synced: writing it out would only compete with the store's own writes)
    if on_the_store:
        request.getfixturevalue("originals_in_bucket")
    handed = []
    monkeypatch.setattr(staging, "start_writeback", lambda descriptor, offset, length: handed.append(length))
    source = media_dir / "clip.mp4"
    source.write_bytes(os.urandom(3 * staging.WRITEBACK_BYTES))

    # when
    staged = staging.stage_copy(source, durable=False)

    # then
    staged.temp_path.unlink()
    assert bool(handed) == written_back
    assert sum(handed) == (staged.size if written_back else 0)
