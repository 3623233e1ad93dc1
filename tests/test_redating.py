"""Fixing the date taken: the file moves to its new day folder under the import's naming rule,
atomically and without overwriting, and the row follows."""
from datetime import datetime

import pytest
from django.utils import timezone

from library.curation.redating import redate
from library.curation.trash import move_to_trash
from library.importing.pipeline import ImportPipeline
from library.models import DateSource, FileMove, ImportSource, Photo

import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(library_root, media_dir):
    source = factories.make_jpeg(media_dir / "IMG_1.jpg", taken=factories.a_date(2024, 1, 31))
    pipeline = ImportPipeline.start(ImportSource.CLI)
    result = pipeline.import_path(source)
    pipeline.finish()
    return Photo.objects.get(pk=result.photo_id)


def new_date(day=15):
    return timezone.make_aware(datetime(2019, 6, day, 12, 30))


def expected_path(photo, day=15, suffix=""):
    return f"2019-06-{day}/img_201906{day}_{photo.sha256[:16]}{suffix}.jpg"


def test_the_file_moves_to_the_new_day_and_the_row_follows(library_root, photo):
    # given
    old_path, content = photo.path, (library_root / photo.path).read_bytes()
    # when
    redate(photo, new_date())
    # then
    photo.refresh_from_db()
    assert photo.path == expected_path(photo)
    assert (photo.taken_at, photo.taken_at_source) == (new_date(), DateSource.MANUAL)
    assert (library_root / photo.path).read_bytes() == content
    assert not (library_root / old_path).exists()
    assert not FileMove.objects.exists()


def test_a_taken_name_is_never_overwritten(library_root, photo):
    # given a file already at the new name
    squatter = library_root / expected_path(photo)
    squatter.parent.mkdir(parents=True)
    squatter.write_bytes(b"not ours")
    # when
    redate(photo, new_date())
    # then
    photo.refresh_from_db()
    assert squatter.read_bytes() == b"not ours"
    assert photo.path == expected_path(photo, suffix="_1")


def test_same_day_only_changes_the_row(library_root, photo):
    # given
    old_path = photo.path
    later_that_day = timezone.make_aware(datetime(2024, 1, 31, 18, 0))
    # when
    redate(photo, later_that_day)
    # then
    photo.refresh_from_db()
    assert (photo.path, photo.taken_at) == (old_path, later_that_day)


def test_a_trashed_photo_is_redated_in_place_and_restored_to_the_new_day(library_root, photo):
    # given
    move_to_trash(photo)
    photo.refresh_from_db()
    trash_path = photo.path
    # when
    redate(photo, new_date())
    # then
    photo.refresh_from_db()
    assert (photo.path, photo.taken_at) == (trash_path, new_date())


def test_a_move_that_fails_leaves_row_and_journal_untouched(library_root, photo):
    # given the original vanished from disk
    (library_root / photo.path).unlink()
    old = Photo.objects.values().get(pk=photo.pk)
    # when
    with pytest.raises(FileNotFoundError):
        redate(photo, new_date())
    # then
    assert Photo.objects.values().get(pk=photo.pk) == old
    assert not FileMove.objects.exists()
