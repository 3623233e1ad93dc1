"""The gallery grid's JSON API: the day summary (a few bytes per day, cached under the library's
version and revalidated by ETag) and the tiles of a run of days (bounded, keyset within a day),
both through the request's scope; bad parameters are a 400 with a reason."""
import json
from datetime import date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from test_gallery import make_rows

from library.curation.redating import redate
from library.curation.trash import move_to_trash, restore_from_trash
from library.importing.pipeline import ImportPipeline
from library.models import ImportSource, MediaKind, Photo
from library.services.day_summary import day_counts, day_number
from library.tile_records import tile_record
from library.views import timeline_api

import factories

pytestmark = pytest.mark.django_db

@pytest.fixture(autouse=True)
def fresh_cache():
    """Rows made by bulk_create bump no version: each test starts from an empty cache."""
    cache.clear()


START = timezone.make_aware(datetime(2024, 3, 10, 12, 0))
EPOCH = date(1970, 1, 1)


def decoded_days(body: bytes) -> list[tuple[date, int]]:
    """The summary's flat array back into [(day, count)], newest first."""
    numbers, days, number = json.loads(body)["days"], [], None
    for index in range(0, len(numbers), 2):
        number = numbers[index] if number is None else number - numbers[index]
        days.append((EPOCH + timedelta(days=number), numbers[index + 1]))
    return days


def summary_days(client):
    response = client.get("/api/timeline/summary")
    assert response.status_code == 200
    return decoded_days(response.content)


def import_jpeg(media_dir, name, taken) -> Photo:
    pipeline = ImportPipeline.start(ImportSource.CLI)
    result = pipeline.import_path(factories.make_jpeg(media_dir / name, taken=taken))
    pipeline.finish()
    return Photo.objects.get(pk=result.photo_id)


def test_the_summary_counts_every_day_in_a_few_bytes_each(logged_in):
    # given three years of photos, most days a few and some days none
    make_rows(3000, step=timedelta(hours=9))
    expected = {}
    for photo in Photo.objects.gallery_tiles():
        expected[photo.taken_on] = expected.get(photo.taken_on, 0) + 1
    # when
    response = logged_in.get("/api/timeline/summary")
    # then
    days = decoded_days(response.content)
    assert days == sorted(expected.items(), reverse=True)
    assert json.loads(response.content)["tiles"] == 3000
    assert len(response.content) / len(days) <= 8


def test_the_summary_is_revalidated_by_its_etag(logged_in):
    # given
    make_rows(5)
    first = logged_in.get("/api/timeline/summary")
    # when
    again = logged_in.get("/api/timeline/summary", headers={"If-None-Match": first["ETag"]})
    # then
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert "private" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]


def test_an_import_shows_in_the_summary_at_once(logged_in, media_dir, django_capture_on_commit_callbacks):
    # given a summary cached before the import
    make_rows(3)
    before = summary_days(logged_in)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        import_jpeg(media_dir, "new.jpg", factories.a_date(2025, 1, 2, 10, 0))
    # then
    assert summary_days(logged_in) == [(date(2025, 1, 2), 1), *before]


def test_trash_restore_and_redate_show_in_the_summary_at_once(logged_in, media_dir):
    # given
    photo = import_jpeg(media_dir, "one.jpg", factories.a_date(2022, 6, 1, 10, 0))
    assert summary_days(logged_in) == [(date(2022, 6, 1), 1)]
    # when / then
    move_to_trash(photo)
    assert summary_days(logged_in) == []
    restore_from_trash(photo)
    assert summary_days(logged_in) == [(date(2022, 6, 1), 1)]
    redate(Photo.objects.get(pk=photo.pk), timezone.make_aware(datetime(2021, 2, 3, 10, 0)))
    assert summary_days(logged_in) == [(date(2021, 2, 3), 1)]
    Photo.objects.get(pk=photo.pk).delete()
    assert summary_days(logged_in) == []


def test_the_summary_and_tiles_leave_out_the_trash_and_a_moments_hidden_files(logged_in):
    # given a trashed photo and a Live Photo's motion shown through its still
    still, motion, trashed = make_rows(3, step=timedelta(minutes=1))
    Photo.objects.filter(pk=motion.pk).update(shown_with=still, kind=MediaKind.VIDEO)
    Photo.objects.filter(pk=trashed.pk).update(trashed_at=timezone.now())
    # when
    tiles = logged_in.get("/api/timeline/tiles?from=2024-03-10&to=2024-03-10").json()["tiles"]
    # then
    assert summary_days(logged_in) == [(date(2024, 3, 10), 1)]
    assert [tile["id"] for tile in tiles] == [still.pk]
    assert tiles[0]["moment"] == "live" and tiles[0]["motion"]


def test_tiles_of_a_run_of_days_come_in_bounded_pages_newest_first(logged_in):
    # given a huge day (250 photos) between two others
    day_before = make_rows(2, start=START - timedelta(days=1))
    huge_day = make_rows(250, start=START, step=timedelta(seconds=30))
    make_rows(2, start=START + timedelta(days=1))
    # when walking the huge day and the one before it, 100 at a time
    ids, url, pages = [], "/api/timeline/tiles?from=2024-03-10&to=2024-03-09&limit=100", 0
    while url:
        answer = logged_in.get(url).json()
        ids += [tile["id"] for tile in answer["tiles"]]
        pages += 1
        assert len(answer["tiles"]) <= 100
        url = answer["next"] and (
            "/api/timeline/tiles?from=2024-03-10&to=2024-03-09&limit=100&" + f"after={answer['next']}"
            .replace("+", "%2B"))
    # then
    assert pages == 3
    assert ids == [photo.pk for photo in huge_day + day_before]


def test_a_tile_carries_what_the_viewer_needs(logged_in):
    # given
    video, = make_rows(1, kind=MediaKind.VIDEO, duration=75.4, width=1920, height=1080)
    # when
    tile, = logged_in.get("/api/timeline/tiles?from=2024-03-10&to=2024-03-10").json()["tiles"]
    # then
    assert tile == tile_record(Photo.objects.get(pk=video.pk), "/photo/")
    assert {key: tile[key] for key in ("id", "kind", "day", "time", "clock", "width", "height", "original", "placeholder",
                                       "favourite")} == {
        "id": video.pk, "kind": "video", "day": "2024-03-10", "time": "12:00", "clock": "1:15", "width": 1920, "height": 1080,
        "original": f"/photo/{video.pk}/original", "placeholder": None, "favourite": None}
    assert tile["play"] and tile["thumbnail"] and tile["preview"]


def test_the_api_needs_a_login(client):
    for url in ("/api/timeline/summary", "/api/timeline/tiles?from=2024-01-01&to=2024-01-01"):
        assert client.get(url).status_code == 302


@pytest.mark.parametrize("query", [
    "", "from=2024-01-01", "to=2024-01-01", "from=yesterday&to=2024-01-01", "from=2024-02-30&to=2024-01-01",
    "from=2024-01-01&to=2024-01-02", "from=2024-01-01&to=2024-01-01&limit=0",
    "from=2024-01-01&to=2024-01-01&limit=501", "from=2024-01-01&to=2024-01-01&limit=%D9%A1",
    "from=2024-01-01&to=2024-01-01&after=nonsense", "from=2024-01-01&to=2024-01-01&after=2024-01-01~x~1",
])
def test_bad_parameters_are_a_400_with_a_reason(logged_in, query):
    response = logged_in.get(f"/api/timeline/tiles?{query}")
    assert response.status_code == 400
    assert response.json()["error"]


def test_a_narrower_scope_has_its_own_summary_and_tiles(monkeypatch, logged_in):
    # given photos and one video, and a scope of the videos only (as an album or a search narrows it)
    make_rows(4, step=timedelta(days=1))
    video, = make_rows(1, start=START - timedelta(days=10), kind=MediaKind.VIDEO)
    whole = summary_days(logged_in)
    monkeypatch.setattr(timeline_api, "scope_for", lambda request: Photo.objects.in_library().filter(kind="video"))
    # when
    narrowed = summary_days(logged_in)
    tiles = logged_in.get("/api/timeline/tiles?from=2024-03-10&to=2024-02-01").json()["tiles"]
    # then
    assert len(whole) == 5
    assert narrowed == [(video.taken_on, 1)]
    assert [tile["id"] for tile in tiles] == [video.pk]


def test_the_days_kept_by_the_database_agree_with_a_count_of_the_photos(logged_in, media_dir):
    # given rows made every way: bulk, imported, trashed, a moment's partner, redated, deleted, a bulk update
    rows = make_rows(40, step=timedelta(hours=5))
    photo = import_jpeg(media_dir, "one.jpg", factories.a_date(2022, 6, 1, 10, 0))
    Photo.objects.filter(pk=rows[0].pk).update(trashed_at=timezone.now())
    Photo.objects.filter(pk=rows[1].pk).update(shown_with=rows[2])
    redate(Photo.objects.get(pk=photo.pk), timezone.make_aware(datetime(2021, 2, 3, 10, 0)))
    Photo.objects.get(pk=rows[3].pk).delete()
    Photo.objects.filter(pk__in=[row.pk for row in rows[10:20]]).update(taken_on=date(2020, 1, 1))
    Photo.objects.get(pk=rows[2].pk).delete()  # its partner becomes a tile of its own
    # when
    kept = day_counts(Photo.objects.in_library())
    # then
    counted = day_counts(Photo.objects.in_library().filter(pk__gt=0))  # a narrower scope: counted
    assert kept == counted
    assert (day_number(date(2020, 1, 1)), 10) in kept and (day_number(date(2021, 2, 3)), 1) in kept
