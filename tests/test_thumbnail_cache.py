"""The cache on a real library: names, atomic storage, self-healing, failures with back-off."""
import logging
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from thumbnails import store, thumbnail_renditions
from thumbnails.errors import RenditionBackoffError, SourceMissingError, UnreadableImageError
from thumbnails.models import Rendition, RenditionState
from thumbnails.specs import ThumbnailSpec
from thumbnails.status import photos_with_rendition_state, thumbnail_counts

import factories
from test_thumbnail_support import import_file, picture

pytestmark = pytest.mark.django_db

TILE = ThumbnailSpec.for_size("400", "jpeg")


@pytest.fixture
def photo(library_root, media_dir):
    return import_file(factories.make_jpeg(media_dir / "a.jpg", 1200, 900))


def rendition(photo, spec=TILE):
    return Rendition.objects.get(photo=photo, spec=str(spec))


def test_ensure_stores_the_thumbnail_under_its_content_name(photo, library_root):
    # when
    name = thumbnail_renditions.ensure(photo, TILE).name
    # then
    sha = photo.sha256
    assert name == f"{sha[:2]}/{sha[2:4]}/{sha}-h400-jpeg-v1.jpg"
    stored = library_root / ".thumbnails" / name
    assert picture(stored.read_bytes()).size == (533, 400)
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]  # no temp file left behind
    assert store.Entry(photo, TILE).exists()
    row = rendition(photo)
    assert (row.state, row.generations, row.bytes, row.name) == (RenditionState.READY, 1, stored.stat().st_size, name)


def test_a_cached_thumbnail_is_not_made_again(photo):
    thumbnail_renditions.ensure(photo, TILE)
    thumbnail_renditions.ensure(photo, TILE)
    assert rendition(photo).generations == 1


def test_jpeg_and_webp_are_separate_entries(photo):
    webp = ThumbnailSpec.for_size("400", "webp")
    assert thumbnail_renditions.ensure(photo, webp).name != thumbnail_renditions.ensure(photo, TILE).name
    assert picture(store.Entry(photo, webp).read()).format == "WEBP"


def test_a_thumbnail_that_vanished_from_the_storage_is_made_again(photo, library_root):
    # given a cached thumbnail whose file someone deleted
    name = thumbnail_renditions.ensure(photo, TILE).name
    (library_root / ".thumbnails" / name).unlink()
    # when
    thumbnail_renditions.ensure(photo, TILE)
    # then
    assert store.Entry(photo, TILE).exists()
    assert rendition(photo).generations == 2


def test_force_remakes_a_cached_thumbnail(photo):
    thumbnail_renditions.ensure(photo, TILE)
    thumbnail_renditions.ensure(photo, TILE, force=True)
    assert rendition(photo).generations == 2


def test_the_storage_is_swappable(photo, settings):
    # given thumbnails kept in memory instead of on disk
    settings.STORAGES = {**settings.STORAGES, "thumbnails": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    # when
    name = thumbnail_renditions.ensure(photo, TILE).name
    # then
    assert storages["thumbnails"].exists(name)
    assert picture(store.Entry(photo, TILE).read()).size == (533, 400)
    store.delete_all(photo)
    assert not storages["thumbnails"].exists(name)


def test_a_failure_is_logged_once_and_backs_off(photo, library_root, caplog):
    # given a library file that has been damaged since the import
    (library_root / photo.path).write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    # when the thumbnail is asked for twice
    with caplog.at_level(logging.ERROR, logger="photosite.thumbnails"):
        with pytest.raises(UnreadableImageError):
            thumbnail_renditions.ensure(photo, TILE)
        with pytest.raises(RenditionBackoffError, match="cannot decode"):
            thumbnail_renditions.ensure(photo, TILE)
    # then it was tried once, recorded, and written once to errors.log
    row = rendition(photo)
    assert (row.state, row.attempts) == (RenditionState.FAILED, 1)
    assert row.retry_after > timezone.now() + timedelta(seconds=50)
    assert len(caplog.records) == 1
    errors_log = (library_root / ".logs" / "errors.log").read_text()
    assert errors_log.count("Thumbnail failed") == 1 and "a.jpg" in errors_log


def test_a_worker_that_read_the_row_before_another_failed_does_not_try_again(photo, library_root):
    # given: a second worker read the row while it was pending; then the first worker failed
    # and released its claim (what two clusters racing for one broken video did in CI)
    (library_root / photo.path).write_bytes(b"garbage")
    read_before_the_failure = store.Entry(photo, TILE)
    assert read_before_the_failure.row.state == RenditionState.PENDING
    with pytest.raises(UnreadableImageError):
        thumbnail_renditions.ensure(photo, TILE)
    # when the second worker goes on from what it read
    # then it is refused the claim by the back-off, not handed a second attempt
    assert not read_before_the_failure.claim()
    with pytest.raises(RenditionBackoffError):
        read_before_the_failure.wait_for_claim()
    assert rendition(photo).attempts == 1
    # and a forced remake still may claim it
    assert read_before_the_failure.claim(during_backoff=True)


def test_after_the_back_off_a_fresh_attempt_is_made(photo, library_root):
    # given a failed attempt whose back-off has run out
    original = (library_root / photo.path).read_bytes()
    (library_root / photo.path).write_bytes(b"garbage")
    with pytest.raises(UnreadableImageError):
        thumbnail_renditions.ensure(photo, TILE)
    Rendition.objects.filter(photo=photo).update(retry_after=timezone.now() - timedelta(seconds=1))
    # when it fails again, the wait grows; when the file is good again, it succeeds
    with pytest.raises(UnreadableImageError):
        thumbnail_renditions.ensure(photo, TILE)
    assert rendition(photo).retry_after > timezone.now() + timedelta(minutes=3)
    (library_root / photo.path).write_bytes(original)
    Rendition.objects.filter(photo=photo).update(retry_after=timezone.now() - timedelta(seconds=1))
    thumbnail_renditions.ensure(photo, TILE)
    row = rendition(photo)
    assert (row.state, row.attempts, row.last_error) == (RenditionState.READY, 0, "")


def test_a_photo_whose_file_is_gone_fails_with_a_clear_error(photo, library_root):
    (library_root / photo.path).unlink()
    with pytest.raises(SourceMissingError, match="missing"):
        thumbnail_renditions.ensure(photo, TILE)


def test_delete_all_removes_files_and_rows(photo, library_root):
    names = [thumbnail_renditions.ensure(photo, spec).name for spec in (TILE, ThumbnailSpec.for_size("800", "webp"))]
    store.delete_all(photo)
    assert not any((library_root / ".thumbnails" / name).exists() for name in names)
    assert not Rendition.objects.filter(photo=photo).exists()


def test_status_counts_cached_missing_and_failed_in_the_format_browsers_get(library_root, media_dir):
    # given three photos: one cached (and a JPEG of another), one failed, one never asked for
    grid = ThumbnailSpec.for_size("400", "webp")
    cached, failed, missing = (import_file(factories.make_jpeg(media_dir / f"{n}.jpg", 320 + n, 240)) for n in range(3))
    thumbnail_renditions.ensure(cached, grid)
    thumbnail_renditions.ensure(missing, TILE)
    (library_root / failed.path).unlink()
    with pytest.raises(SourceMissingError):
        thumbnail_renditions.ensure(failed, grid)
    # when / then: by default the grid's WebP is counted, the thumbnail a browser shows
    assert thumbnail_counts() == {"cached": 1, "missing": 1, "failed": 1}
    from library.models import Photo

    assert list(photos_with_rendition_state(Photo.objects.all(), "missing")) == [missing]
    assert thumbnail_counts(TILE) == {"cached": 1, "missing": 2, "failed": 0}
    assert thumbnail_counts(ThumbnailSpec.for_size("800", "jpeg")) == {"cached": 0, "missing": 3, "failed": 0}


def test_videos_go_through_ffmpeg(library_root, media_dir):
    video = import_file(factories.make_video(media_dir / "clip.mp4", seconds=1, width=640, height=480, rotation=-90))
    thumbnail_renditions.ensure(video, TILE)
    assert picture(store.Entry(video, TILE).read()).size == (300, 400)
