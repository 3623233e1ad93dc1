"""The counts `librarystatus` reads are kept by the database as rows change (library.tallies):
after each thing that adds, moves or removes a photo or a rendition, they equal a count of the
rows themselves, on SQLite and PostgreSQL alike."""
import io
import threading

import pytest
from django.core.management import call_command
from django.db.models import Count, Q, Sum

from library import photo_tally
from library.curation.trash import move_to_trash, restore_from_trash
from library.media.video_playback import Playback
from library.models import Photo, PhotoTally
from library.services.status import media_counts, settle_tallies
from thumbnails import rendition_tally, thumbnail_renditions
from thumbnails.errors import SourceMissingError
from thumbnails.models import Rendition, RenditionState, RenditionTally
from thumbnails.names import current_video_spec
from thumbnails.specs import ThumbnailSpec
from thumbnails.status import rendition_counts, stored_size, thumbnail_counts

import factories
from test_thumbnail_support import import_file

pytestmark = pytest.mark.django_db

GRID = ThumbnailSpec.for_size("400", "webp")


def counted_from_rows():
    """What the status says, counted from the photo and rendition rows themselves."""
    photos = Photo.objects.in_library()
    ready = Rendition.objects.filter(state=RenditionState.READY)
    grid = Rendition.objects.filter(spec=str(GRID), photo__in=photos)
    return {
        "photos": photos.filter(kind="photo").count(), "videos": photos.filter(kind="video").count(),
        "trashed": Photo.objects.in_trash().count(),
        "cached": grid.filter(state=RenditionState.READY).count(),
        "failed": grid.filter(state=RenditionState.FAILED).count(),
        "missing": photos.count() - grid.exclude(state=RenditionState.PENDING).count(),
        "stored": (ready.count(), ready.aggregate(size=Sum("bytes"))["size"] or 0,
                   ready.filter(bytes__isnull=True).count()),
        "renditions": dict(Rendition.objects.filter(spec=str(current_video_spec()), photo__in=photos)
                           .exclude(photo__playback=Playback.ORIGINAL).values_list("state")
                           .annotate(n=Count("id")).order_by()),
    }


def counted_from_tallies():
    media, grid, renditions = media_counts(), thumbnail_counts(GRID), rendition_counts()
    return {
        **media, **grid, "stored": stored_size(),
        "renditions": {state: n for state, n in
                       rendition_tally.by_state(Q(spec=str(current_video_spec()), trashed=False)
                                                & ~Q(playback=Playback.ORIGINAL)).items() if n},
        "video missing": renditions["missing"],
    }


def assert_tallies_match():
    """The counts match the rows' as the changes come, and once they are folded, into one row a key."""
    assert_counts_match()
    settle_tallies()
    assert_counts_match()
    assert not PhotoTally.objects.filter(photos__lt=0).exists()
    assert not RenditionTally.objects.filter(Q(renditions__lt=0) | Q(bytes__lt=0) | Q(unsized__lt=0)).exists()
    keys = PhotoTally.objects.values_list("trashed", "kind", "motion", "playback")
    assert len(keys) == len(set(keys))


def assert_counts_match():
    from_tallies = counted_from_tallies()
    videos_to_render = Photo.objects.in_library().filter(kind="video").exclude(playback=Playback.ORIGINAL).count()
    rendered = sum(n for state, n in from_tallies["renditions"].items() if state != RenditionState.PENDING)
    assert from_tallies.pop("video missing") == videos_to_render - rendered
    assert from_tallies == counted_from_rows()


@pytest.fixture
def library(library_root, media_dir):
    """Three photos and a video, imported."""
    photos = [import_file(factories.make_jpeg(media_dir / f"{n}.jpg", 320 + n, 240)) for n in range(3)]
    video = import_file(factories.make_video(media_dir / "clip.mp4", seconds=1))
    return photos, video


def test_an_import_is_counted(library):
    # given a library just imported; then its counts are the rows'
    assert media_counts() == {"photos": 3, "videos": 1, "trashed": 0}
    assert thumbnail_counts(GRID) == {"cached": 0, "missing": 4, "failed": 0}
    assert_tallies_match()


def test_renditions_made_and_failed_are_counted_with_their_bytes(library, library_root):
    # given
    (made, failed, _), _ = library
    # when one grid thumbnail is made and another fails
    thumbnail_renditions.ensure(made, GRID)
    (library_root / failed.path).unlink()
    with pytest.raises(SourceMissingError):
        thumbnail_renditions.ensure(failed, GRID)
    # then
    assert thumbnail_counts(GRID) == {"cached": 1, "missing": 2, "failed": 1}
    files, size, unsized = stored_size()
    assert (files, unsized) == (1, 0) and size == Rendition.objects.get(photo=made, spec=str(GRID)).bytes > 0
    assert_tallies_match()


def test_trash_restore_and_delete_move_the_counts(library):
    # given a photo with its thumbnail made
    (photo, other, _), video = library
    thumbnail_renditions.ensure(photo, GRID)
    thumbnail_renditions.ensure(other, GRID)
    # when it goes to the trash (its thumbnails with it), then it comes back
    move_to_trash(photo)
    assert media_counts() == {"photos": 2, "videos": 1, "trashed": 1}
    assert_tallies_match()
    restore_from_trash(photo)
    assert media_counts() == {"photos": 3, "videos": 1, "trashed": 0}
    assert_tallies_match()
    # when a photo with a thumbnail and the video are deleted
    other.delete()
    video.delete()
    # then
    assert media_counts() == {"photos": 2, "videos": 0, "trashed": 0}
    assert thumbnail_counts(GRID)["cached"] == 0
    assert_tallies_match()


def test_a_trashed_photos_rows_move_with_it_and_a_playback_verdict_moves_its_renditions(library):
    # given a video needing a rendition with a row, and a photo's thumbnail row kept while trashed
    (photo, _, _), video = library
    Photo.objects.filter(pk=video.pk).update(playback=Playback.RENDITION)
    Rendition.objects.create(photo=video, spec=str(current_video_spec()), state=RenditionState.READY, bytes=1000)
    Rendition.objects.create(photo=photo, spec=str(GRID), state=RenditionState.READY, bytes=10)
    assert rendition_counts()["cached"] == 1
    # when the photo is trashed by an update of many rows, and the video found to play as it is
    Photo.objects.filter(pk=photo.pk).update(trashed_at=photo.taken_at)
    Photo.objects.filter(pk=video.pk).update(playback=Playback.ORIGINAL)
    # then the trashed photo's thumbnail is no longer the library's, and the video needs none
    assert thumbnail_counts(GRID)["cached"] == 0
    assert rendition_counts() == {"cached": 0, "missing": 0, "failed": 0, "making": 0}
    assert_tallies_match()
    # and a row whose size becomes known, or which fails, moves with it
    Rendition.objects.filter(photo=photo).update(bytes=None)
    Rendition.objects.filter(photo=video).update(state=RenditionState.FAILED)
    assert_tallies_match()


def test_a_recount_rebuilds_what_was_written_past_the_triggers(library):
    # given tallies that went wrong (as after a bulk load that skips triggers)
    PhotoTally.objects.update(photos=0)
    RenditionTally.objects.all().delete()
    # when they are recounted
    photo_tally.TALLY.recount()
    rendition_tally.TALLY.recount()
    # then
    assert_tallies_match()


def test_the_command_recounts_when_asked(library):
    settle_tallies()
    PhotoTally.objects.update(photos=7)
    out = io.StringIO()
    call_command("librarystatus", "--recount", stdout=out)
    assert "Photos:" in out.getvalue() and media_counts() == {"photos": 3, "videos": 1, "trashed": 0}


@pytest.mark.django_db(transaction=True)
def test_two_writers_changing_counts_in_opposite_orders_never_wait_for_each_other(library_root):
    # given two photos and two videos, committed, each writer's pair on a day of its own (the
    # gallery's per-day tile counts, DayTiles, do hold a day's row until its writer commits)
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone
    from test_gallery import START, make_rows

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    (first_photo,), (first_video,) = make_rows(1), make_rows(1, kind="video")
    later = START + timedelta(days=3)
    (second_photo,), (second_video,) = make_rows(1, start=later), make_rows(1, start=later, kind="video")
    halfway = threading.Barrier(2, timeout=10)
    errors = []

    def trash(one, then_other):
        try:
            with transaction.atomic():
                Photo.objects.filter(pk=one.pk).update(trashed_at=timezone.now())
                halfway.wait()  # both hold their first change, uncommitted
                Photo.objects.filter(pk=then_other.pk).update(trashed_at=timezone.now())
        except Exception as error:  # noqa: BLE001 - the test reports whatever a writer met
            errors.append(error)
        finally:
            connection.close()

    # when one trashes a photo then a video, the other a video then a photo, at once
    writers = [threading.Thread(target=trash, args=(first_photo, first_video)),
               threading.Thread(target=trash, args=(second_video, second_photo))]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=30)
    # then neither waited on the other's count (no deadlock), and the counts are right
    assert errors == []
    assert media_counts() == {"photos": 0, "videos": 0, "trashed": 4}


@pytest.mark.django_db(transaction=True)
def test_renaming_the_rendition_table_keeps_its_tallies_and_their_triggers(library_root):
    # given a library as it was before the rendition rows' table was renamed, with rows counted
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from row_factories import photo_row

    photos = [photo_row(day) for day in (1, 2, 3)]
    before = [("thumbnails", "0003_rendition_tallies")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_rendition = executor.loader.project_state(before).apps.get_model("thumbnails", "Thumbnail")
    for photo, state, size in [(photos[0], "ready", 10), (photos[1], "failed", None), (photos[2], "ready", None)]:
        old_rendition.objects.create(photo_id=photo.pk, spec=str(GRID), state=state, bytes=size)
    Photo.objects.filter(pk=photos[2].pk).update(trashed_at=photos[2].taken_at)
    # when the migrations run on
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    # then the counts are the rows', and the triggers on the renamed table keep them so
    assert thumbnail_counts(GRID) == {"cached": 1, "missing": 0, "failed": 1}
    assert_tallies_match()
    Rendition.objects.filter(photo=photos[1]).update(state=RenditionState.READY, bytes=5)
    Photo.objects.filter(pk=photos[2].pk).update(trashed_at=None)
    Rendition.objects.create(photo=photo_row(4), spec=str(GRID), state=RenditionState.READY, bytes=7)
    Rendition.objects.filter(photo=photos[0]).delete()
    assert thumbnail_counts(GRID) == {"cached": 3, "missing": 1, "failed": 0}
    assert_tallies_match()
