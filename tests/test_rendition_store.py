"""The rendition store (thumbnails.store): one interface for every kind of rendition, still
thumbnails and videos' web renditions alike: its state, its lease, its back-off, and the one
"ready" rule the view, pre-generation, the status counts and the admin filter all ask."""
from datetime import timedelta

import pytest
from django.utils import timezone

from library.models import Photo
from thumbnails import pregeneration, store
from thumbnails.errors import RenditionBackoffError, VideoRenditionError
from thumbnails.models import RenditionState
from thumbnails.names import current_video_spec
from thumbnails.specs import ThumbnailSpec
from thumbnails.status import CACHED, FAILED, MISSING, photos_with_rendition_state, stored_size

import factories
from test_thumbnail_support import import_file

pytestmark = pytest.mark.django_db

TILE = ThumbnailSpec.for_size("400", "jpeg")
KINDS = pytest.mark.parametrize("spec", [TILE, current_video_spec()], ids=["thumbnail", "video rendition"])


@pytest.fixture
def photo(library_root, media_dir):
    return import_file(factories.make_jpeg(media_dir / "a.jpg", 120, 90))


@KINDS
def test_a_new_rendition_is_pending_and_free(photo, spec):
    # when
    state = store.Entry(photo, spec).get_state()
    # then
    assert (state.state, state.is_ready, state.is_claimed(), state.in_backoff()) == (RenditionState.PENDING,
                                                                                    False, False, False)


@KINDS
def test_one_claim_wins_until_it_is_released_or_its_lease_lapses(photo, spec):
    # given
    first, second = store.Entry(photo, spec), store.Entry(Photo.objects.get(pk=photo.pk), spec)
    # when / then
    assert first.claim() and not second.claim()
    assert second.get_state().is_claimed()
    first.release()
    assert second.claim(lease=timedelta(seconds=-1))  # a lease that has already run out (its holder died)
    assert first.claim()


@pytest.mark.parametrize(("failures", "delay"), [(1, 60), (2, 240), (3, 960), (5, 15360), (7, 86400), (9, 86400)])
def test_failures_back_off_four_times_longer_each_time_up_to_a_day(photo, failures, delay):
    # given
    entry = store.Entry(photo, current_video_spec())
    # when
    for _ in range(failures):
        assert entry.claim(during_backoff=True)
        entry.set_failed(VideoRenditionError("ffmpeg said no\non two lines"), what="Video rendition")
    # then
    state = entry.get_state()
    assert (state.state, state.attempts, state.last_error) == (RenditionState.FAILED, failures, "ffmpeg said no on two lines")
    assert (state.retry_after - timezone.now()).total_seconds() == pytest.approx(delay, abs=5)
    assert state.in_backoff() and not state.is_claimed()


@KINDS
def test_the_back_off_refuses_claims_but_not_a_forced_remake(photo, spec):
    # given
    entry = store.Entry(photo, spec)
    entry.claim()
    entry.set_failed(VideoRenditionError("broken"), what="Rendition")
    # when / then
    with pytest.raises(RenditionBackoffError, match="broken"):
        entry.refuse_during_backoff()
    assert not entry.claim()
    assert entry.claim(during_backoff=True)


@KINDS
def test_ready_clears_the_failure_and_the_claim_and_counts_a_generation(photo, spec):
    # given a failed rendition, made at last
    entry = store.Entry(photo, spec)
    entry.claim()
    entry.set_failed(VideoRenditionError("broken"), what="Rendition")
    entry.claim(during_backoff=True)
    entry.save(b"made")
    # when
    entry.set_ready(4)
    # then
    state = entry.get_state()
    assert (state.state, state.attempts, state.last_error, state.retry_after) == (RenditionState.READY, 0, "", None)
    assert not state.is_claimed() and entry.is_ready()
    assert (entry.row.generations, entry.row.bytes, entry.read()) == (1, 4, b"made")


@pytest.mark.parametrize(("held_by_another", "recorded"), [(False, True), (True, False)])
def test_a_file_found_without_its_record_is_recorded_unless_its_maker_holds_it(photo, held_by_another, recorded):
    # given a file in the storage whose row does not say ready
    entry = store.Entry(photo, TILE)
    entry.save(b"found")
    if held_by_another:
        store.Entry(Photo.objects.get(pk=photo.pk), TILE).claim()
    # when
    entry.record_found()
    # then
    assert entry.is_ready() is recorded
    assert entry.get_state().is_claimed() is held_by_another


@pytest.mark.parametrize(("state", "ready", "status"), [
    (RenditionState.PENDING, False, MISSING),
    (RenditionState.FAILED, False, FAILED),
    (RenditionState.READY, True, CACHED),
])
def test_every_reader_asks_the_one_ready_rule(photo, state, ready, status):
    # given
    entry = store.Entry(photo, TILE)
    entry.rows().update(state=state, bytes=10)
    photos = Photo.objects.filter(pk=photo.pk)
    # when / then: the view's annotation, pre-generation's batch, the status filter and the size agree
    assert entry.is_ready() is ready
    assert photos.annotate(ready=store.ready_annotation(TILE)).get().ready is ready
    assert ((photo.pk, str(TILE)) in pregeneration.recorded_renditions([photo.pk], [TILE])) is ready
    assert list(photos_with_rendition_state(photos, status, TILE)) == [photo]
    assert stored_size() == ((1, 10, 0) if ready else (0, 0, 0))


def test_a_trashed_photo_loses_every_kind_of_rendition(photo):
    # given a thumbnail and a video rendition, one of them without a row
    for spec in (TILE, current_video_spec()):
        store.Entry(photo, spec).save(b"x")
    store.Entry(photo, TILE).set_ready(1)
    # when
    store.delete_all(photo)
    # then
    assert not any(store.Entry(photo, spec).exists() for spec in (TILE, current_video_spec()))
    assert not photo.renditions.exists()
