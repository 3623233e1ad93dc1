"""Deleting moves the original to .trash/ (never unlinks it), restore brings it back, and a
re-import of a trashed photo restores it instead of hiding it as a 'duplicate'."""
import pytest

from library.curation.trash import RESTORED_NOTE, move_to_trash, restore_from_trash
from library.importing.pipeline import ImportPipeline
from library.models import FileMove, ImportOutcome, ImportSource, OutcomeStatus, Photo

import factories

pytestmark = pytest.mark.django_db


def import_jpeg(media_dir, name="IMG_1.jpg", **kwargs) -> Photo:
    source = factories.make_jpeg(media_dir / name, taken=factories.a_date(), **kwargs)
    pipeline = ImportPipeline.start(ImportSource.CLI)
    result = pipeline.import_path(source)
    pipeline.finish()
    return Photo.objects.get(pk=result.photo_id)


def test_delete_moves_the_file_into_the_trash_and_hides_the_photo(library_root, media_dir):
    # given
    photo = import_jpeg(media_dir)
    original_path, content = photo.path, (library_root / photo.path).read_bytes()
    # when
    move_to_trash(photo)
    # then
    photo.refresh_from_db()
    assert photo.trashed_at is not None
    assert photo.path == f".trash/{original_path}"
    assert (library_root / photo.path).read_bytes() == content
    assert not (library_root / original_path).exists()
    assert not FileMove.objects.exists()


def test_restore_puts_the_file_back_in_its_day_folder(library_root, media_dir):
    # given
    photo = import_jpeg(media_dir)
    original_path = photo.path
    move_to_trash(photo)
    # when
    restore_from_trash(photo)
    # then
    photo.refresh_from_db()
    assert (photo.path, photo.trashed_at) == (original_path, None)
    assert (library_root / original_path).is_file()
    assert not any((library_root / ".trash").rglob("*.jpg"))


def test_trash_never_overwrites_a_file_already_there(library_root, media_dir):
    # given a stray file sitting at the trash name
    photo = import_jpeg(media_dir)
    squatter = library_root / ".trash" / photo.path
    squatter.parent.mkdir(parents=True)
    squatter.write_bytes(b"someone else's file")
    # when
    move_to_trash(photo)
    # then
    photo.refresh_from_db()
    assert squatter.read_bytes() == b"someone else's file"
    assert photo.path == f".trash/{photo.path.removeprefix('.trash/').removesuffix('_1.jpg')}_1.jpg"
    assert (library_root / photo.path).is_file()


def test_restoring_a_photo_not_in_the_trash_changes_nothing(library_root, media_dir):
    photo = import_jpeg(media_dir)
    assert restore_from_trash(photo) is False
    assert (library_root / photo.path).is_file()


@pytest.mark.parametrize("trash_emptied_by_hand", [False, True])
def test_reimporting_a_trashed_photo_restores_it(library_root, media_dir, trash_emptied_by_hand):
    # given
    photo = import_jpeg(media_dir)
    original_path = photo.path
    move_to_trash(photo)
    if trash_emptied_by_hand:
        (library_root / Photo.objects.get(pk=photo.pk).path).unlink()
    # when the same bytes are imported again
    pipeline = ImportPipeline.start(ImportSource.CLI)
    result = pipeline.import_path(media_dir / "IMG_1.jpg", name="again.jpg")
    session = pipeline.finish()
    # then
    photo.refresh_from_db()
    assert (photo.trashed_at, photo.path) == (None, original_path)
    assert (library_root / original_path).is_file()
    outcome = ImportOutcome.objects.get(pk=result.outcome_id)
    assert (outcome.status, outcome.error, outcome.photo_id) == (OutcomeStatus.IMPORTED, RESTORED_NOTE, photo.pk)
    assert (session.imported_count, session.duplicate_count) == (1, 0)
    assert Photo.objects.count() == 1
    assert not list((library_root / ".import_temp").iterdir())


@pytest.mark.parametrize(("staff", "allowed"), [(True, True), (False, False)])
def test_a_trashed_photo_is_seen_by_whom_its_original_is(client, django_user_model, library_root, media_dir,
                                                          staff, allowed):
    # given: a photo in the trash, and someone signed in
    photo = import_jpeg(media_dir)
    move_to_trash(photo)
    client.force_login(django_user_model.objects.create_user("someone", is_staff=staff))
    # when
    page, original = client.get(f"/photo/{photo.pk}/"), client.get(f"/photo/{photo.pk}/original")
    # then: its page and its file answer alike (Photo.is_visible_to, the one rule)
    assert (page.status_code, original.status_code) == ((200, 200) if allowed else (404, 404))
