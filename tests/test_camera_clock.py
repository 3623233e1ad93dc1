"""The camera's own clock: what the import stores (instant, offset, day), the folder it files
under, and the migration that gives rows imported before it their offset back from their files."""
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from library.importing.pipeline import ImportPipeline
from library.media.dates import (
    ZoneSource,
    dating,
    offset_label,
    parse_exif_datetime,
    parse_iso_datetime,
    shown_time,
)
from library.models import ImportSource, Photo

import factories


def import_one(path):
    pipeline = ImportPipeline.start(ImportSource.CLI)
    result = pipeline.import_path(path)
    pipeline.finish()
    return Photo.objects.get(pk=result.photo_id)


@pytest.mark.parametrize(("read", "time_zone", "offset", "shown", "zone_source"), [
    # the camera's offset wins over the site's zone
    (lambda: parse_exif_datetime("2022:01:01 21:30:00", "-05:00"), "UTC", -300, datetime(2022, 1, 1, 21, 30),
     ZoneSource.CAMERA),
    # a camera's "+00:00" is its own clock, not a bare instant
    (lambda: parse_exif_datetime("2022:01:01 23:30:00", "+00:00"), "Asia/Tokyo", 0, datetime(2022, 1, 1, 23, 30),
     ZoneSource.CAMERA),
    # a zoneless camera clock keeps its wall clock as recorded (read in TIME_ZONE)
    (lambda: parse_exif_datetime("2022:07:01 23:30:00"), "Europe/Paris", 120, datetime(2022, 7, 1, 23, 30),
     ZoneSource.SITE),
    # a video container's UTC is shown in TIME_ZONE
    (lambda: parse_iso_datetime("2022-01-02T03:30:00Z"), "America/New_York", -300, datetime(2022, 1, 1, 22, 30),
     ZoneSource.UTC),
    # Apple's local creation date keeps its offset
    (lambda: parse_iso_datetime("2022-01-01T23:30:00+0100"), "UTC", 60, datetime(2022, 1, 1, 23, 30),
     ZoneSource.CAMERA),
])
def test_dating_keeps_the_wall_clock_a_person_saw(settings, read, time_zone, offset, shown, zone_source):
    settings.TIME_ZONE = time_zone
    moment = read()
    fields = dating(moment)
    assert fields == {"taken_at": moment, "taken_at_offset": offset, "taken_on": shown.date(), "zone_source": zone_source}
    # read back as the database gives it (UTC), it shows the same clock
    assert shown_time(moment.astimezone(UTC), offset) == shown


@pytest.mark.parametrize(("minutes", "label"), [(-300, "UTC−05:00"), (330, "UTC+05:30"), (0, "UTC")])
def test_offset_label(minutes, label):
    assert offset_label(minutes) == label


@pytest.mark.django_db
def test_import_stores_the_cameras_clock_and_files_by_its_day(library_root, media_dir, settings):
    # given, on a UTC site, 21:30 at −05:00 on 1 January 2022 (02:30 UTC on the 2nd)
    settings.TIME_ZONE = "UTC"
    path = factories.make_jpeg(media_dir / "evening.jpg", taken=factories.a_date(2022, 1, 1, 21, 30), offset="-05:00")
    # when
    photo = import_one(path)
    # then the instant is exact, the clock and the day are the camera's, and so is the folder
    assert photo.taken_at == datetime(2022, 1, 2, 2, 30, tzinfo=UTC)
    assert (photo.taken_at_offset, photo.taken_on) == (-300, date(2022, 1, 1))
    assert photo.taken_local == datetime(2022, 1, 1, 21, 30)
    assert photo.path.startswith("2022-01-01/")


@pytest.mark.django_db
def test_a_file_time_is_shown_in_the_sites_zone(library_root, media_dir, settings):
    # given a photo with no date of its own, on a site in New York
    settings.TIME_ZONE = "America/New_York"
    path = factories.make_jpeg(media_dir / "undated.jpg")
    # when
    photo = import_one(path)
    # then
    assert photo.taken_at_source == "mtime"
    assert photo.taken_at_offset in (-300, -240)


@pytest.mark.django_db
def test_restoring_from_the_trash_files_by_the_cameras_day(library_root, media_dir, settings):
    from library.curation.trash import move_to_trash, restore_from_trash

    settings.TIME_ZONE = "UTC"
    path = factories.make_jpeg(media_dir / "evening.jpg", taken=factories.a_date(2022, 1, 1, 21, 30), offset="-05:00")
    photo = import_one(path)
    move_to_trash(photo)
    restore_from_trash(photo)
    photo.refresh_from_db()
    assert photo.path.startswith("2022-01-01/")


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_old_rows_their_cameras_clock(library_root, media_dir, settings):
    # given rows as 0002 kept them (the instant only): a photo whose EXIF says −05:00 and a video
    settings.TIME_ZONE = "UTC"
    factories.make_jpeg(library_root / "evening.jpg", taken=factories.a_date(2022, 1, 1, 21, 30), offset="-05:00")
    executor = MigrationExecutor(connection)
    executor.migrate([("library", "0002_file_move_journal_gallery_index")])
    old_photo = executor.loader.project_state([("library", "0002_file_move_journal_gallery_index")]).apps.get_model(
        "library", "Photo")
    common = {"size": 1, "taken_at_source": "exif", "width": 1, "height": 1}
    old_photo.objects.create(sha256="a" * 64, kind="photo", original_name="evening.jpg", path="evening.jpg",
                             format="jpeg", mime_type="image/jpeg", taken_at=datetime(2022, 1, 2, 2, 30, tzinfo=UTC),
                             **common)
    old_photo.objects.create(sha256="b" * 64, kind="video", original_name="clip.mp4", path="clip.mp4", format="mp4",
                             mime_type="video/mp4", **{**common, "taken_at_source": "container"},
                             taken_at=datetime(2022, 1, 2, 2, 30, tzinfo=UTC) + timedelta(minutes=1))
    # when
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    # then the photo has its camera's clock back from its file; the video keeps the site's zone
    photo, video = Photo.objects.get(sha256="a" * 64), Photo.objects.get(sha256="b" * 64)
    assert (photo.taken_at_offset, photo.taken_on) == (-300, date(2022, 1, 1))
    assert (video.taken_at_offset, video.taken_on) == (0, date(2022, 1, 2))
