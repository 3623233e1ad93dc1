"""Search filters (library/services/search.py): read from the address, refused with a reason when
we did not write them, and combined on the tiles' own rows."""
from datetime import date, timedelta

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from test_gallery import START, make_rows

from library.curation import moments
from library.curation.favourites import set_favourite
from library.media.dates import dating
from library.models import GALLERY_TILE, MediaKind, Photo, PhotoName
from library.services import search
from library.services.search import BadFilterError, SearchFilters, camera_models, matching
from library.services.status import settle_tallies
from library.services.timeline import scope_of

pytestmark = pytest.mark.django_db


def filters(query: str) -> SearchFilters:
    return SearchFilters.from_query(QueryDict(query))


@pytest.mark.parametrize(("query", "first_day", "last_day"), [
    ("date=2019", date(2019, 1, 1), date(2019, 12, 31)),
    ("date=2019-02", date(2019, 2, 1), date(2019, 2, 28)),
    ("date=2020-02", date(2020, 2, 1), date(2020, 2, 29)),
    ("date=2019-12", date(2019, 12, 1), date(2019, 12, 31)),
    ("date=2019-06-14", date(2019, 6, 14), date(2019, 6, 14)),
    ("since=2019-06-01&until=2019-08-31", date(2019, 6, 1), date(2019, 8, 31)),
    ("date=2019&since=2019-03-01", date(2019, 3, 1), date(2019, 12, 31)),
    ("since=2019-06-01", date(2019, 6, 1), None),
])
def test_dates_are_read_as_a_range_of_days(query, first_day, last_day):
    assert (filters(query).first_day, filters(query).last_day) == (first_day, last_day)


@pytest.mark.parametrize(("query", "reason"), [
    ("date=19", "date must be"), ("date=2019-13", "date must be"), ("date=2019-02-30", "date must be"),
    ("date=２０１９", "date must be"), ("since=2019-6-1", "since must be a day"), ("until=yesterday", "until must be a day"),
    ("since=2019-08-31&until=2019-06-01", "since must not be after until"), ("kind=selfies", "kind must be one of"),
    ("name=" + "x" * 101, "name must be at most 100"), ("place=a%00b", "place must be at most"),
])
def test_what_we_did_not_write_is_refused_with_its_reason(query, reason):
    with pytest.raises(BadFilterError, match=reason):
        filters(query)


def test_the_address_round_trips():
    written = filters("date=2019-06&kind=video&camera=iPhone 12&place=Arezzo&name=IMG").query_string()
    assert written == "since=2019-06-01&until=2019-06-30&kind=video&camera=iPhone+12&place=Arezzo&name=IMG"
    assert filters(written) == filters("date=2019-06&kind=video&camera=iPhone 12&place=Arezzo&name=IMG")
    assert not filters("") and filters("kind=raw")


def names(queryset):
    return sorted(queryset.values_list("original_name", flat=True))


def test_filters_combine():
    make_rows(1, original_name="beach.jpg", camera_model="iPhone 12", place_city="Arezzo", place_country="Italy")
    make_rows(1, start=START - timedelta(days=400), original_name="old.jpg", camera_model="iPhone 12",
              place_country="Italy")
    make_rows(1, original_name="clip.mp4", kind=MediaKind.VIDEO, camera_model="Pixel 7", place_country="Italy")
    tiles = Photo.objects.filter(GALLERY_TILE)

    assert names(matching(tiles, filters("camera=iPhone 12&place=Italy"))) == ["beach.jpg", "old.jpg"]
    assert names(matching(tiles, filters(f"camera=iPhone 12&date={START.year}"))) == ["beach.jpg"]
    assert names(matching(tiles, filters("kind=video&place=Italy"))) == ["clip.mp4"]
    assert names(matching(tiles, filters("place=Arezzo"))) == ["beach.jpg"]
    assert names(matching(tiles, filters("name=BEA"))) == ["beach.jpg"]
    assert camera_models() == ["Pixel 7", "iPhone 12"]


def test_live_and_raw_kinds_count_what_a_tile_shows():
    still, plain, jpeg = make_rows(3)
    motion, raw = make_rows(2, kind=MediaKind.VIDEO)
    Photo.objects.filter(pk=raw.pk).update(kind=MediaKind.PHOTO, format="cr2")
    assert moments.link(still, motion) and moments.link(jpeg, raw)
    lone_raw, = make_rows(1, format="nef")
    motion_photo, = make_rows(1, embedded_video_offset=1000, embedded_video_length=500)
    tiles = Photo.objects.filter(GALLERY_TILE)

    assert set(matching(tiles, filters("kind=live"))) == {still, motion_photo}
    assert set(matching(tiles, filters("kind=raw"))) == {jpeg, lone_raw}
    assert plain in set(matching(tiles, filters("kind=photo"))) - set(matching(tiles, filters("kind=live")))


def test_a_pair_broken_up_or_made_again_changes_what_kind_raw_finds():
    # given a RAW+JPEG pair
    jpeg, raw = make_rows(2)
    Photo.objects.filter(pk=raw.pk).update(format="arw")
    moments.link(jpeg, raw)
    tiles = Photo.objects.filter(GALLERY_TILE)
    # when it is broken up, then the raw is a tile of its own and the JPEG no longer holds one
    moments.unlink(jpeg)
    assert set(matching(tiles, filters("kind=raw"))) == {raw}
    # when it is made again, then the JPEG shows the raw
    moments.link(jpeg, raw)
    assert set(matching(tiles, filters("kind=raw"))) == {jpeg}


def test_each_filter_alone_finds_its_tiles_and_only_them():
    # given tiles of two cameras (one named by its make), places at each level, kinds, and names
    make_rows(1, original_name="canon.jpg", camera_make="Canon", camera_model="EOS R6", place_city="Munich",
              place_region="Bavaria", place_country="Germany")
    make_rows(1, start=START - timedelta(days=3000), original_name="old.jpg", camera_make="SONY", camera_model="NEX-6",
              place_city="Luxembourg", place_region="Luxembourg", place_country="Luxembourg")
    make_rows(1, original_name="clip.mp4", kind=MediaKind.VIDEO, place_country="Luxembourg", title="Summer holiday")
    trashed, = make_rows(1, original_name="gone.jpg", camera_model="Z6", place_country="Iceland")
    Photo.objects.filter(pk=trashed.pk).update(trashed_at=START, sha256="fe" * 32)
    tiles = Photo.objects.filter(GALLERY_TILE)
    # when each filter is applied alone, then each finds its tiles, in the trash none
    expected = {
        "camera=EOS R6": ["canon.jpg"], "camera=Canon": ["canon.jpg"], "camera=SONY": ["old.jpg"],
        "camera=canon": [], "camera=Z6": [], "camera=Leica M11": [],
        "place=Munich": ["canon.jpg"], "place=Bavaria": ["canon.jpg"], "place=Germany": ["canon.jpg"],
        "place=Luxembourg": ["clip.mp4", "old.jpg"], "place=Iceland": [], "place=Atlantis": [],
        "kind=photo": ["canon.jpg", "old.jpg"], "kind=video": ["clip.mp4"],
        f"date={START.year}": ["canon.jpg", "clip.mp4"], f"date={START.year - 9}": ["old.jpg"],
        "name=SUMMER": ["clip.mp4"], "name=old": ["old.jpg"], "name=nothing like it": [],
        "name=fefefefe": [],
    }
    assert {query: names(matching(tiles, filters(query))) for query in expected} == expected


def test_a_hash_prefix_finds_its_tile():
    # given tiles whose hashes differ after their first digits; when a prefix of one is searched
    first, second = make_rows(2)
    Photo.objects.filter(pk=first.pk).update(sha256="ab12cd" + "0" * 58)
    Photo.objects.filter(pk=second.pk).update(sha256="ab12ce" + "0" * 58)
    tiles = Photo.objects.filter(GALLERY_TILE)
    # then only the tile whose hash starts with it is found, whatever the prefix's case
    assert list(matching(tiles, filters("name=AB12CD"))) == [first]
    assert set(matching(tiles, filters("name=ab12c"))) == set()  # under 6 digits: a name, not a hash


def names_copied() -> set:
    return set(PhotoName.objects.values_list("photo_id", "taken_on", "original_name", "title"))


def names_held() -> set:
    return set(Photo.objects.values_list("id", "taken_on", "original_name", "title"))


def test_the_copy_of_names_follows_every_change_of_a_photo():
    # given photos written in bulk and one by one
    first, second, third = make_rows(3)
    Photo.objects.create(**{field: getattr(first, field) for field in ("kind", "size", "format", "mime_type", "width",
                                                                     "height", "taken_at_source")},
                         sha256="e" * 64, path="x/single.jpg", original_name="single.jpg",
                         **dating(START - timedelta(days=9)))
    assert names_copied() == names_held()
    # when one is renamed, one titled, one redated (as a bulk update and a save) and one deleted
    Photo.objects.filter(pk=first.pk).update(original_name="renamed.jpg")
    second.title = "Summer holiday"
    second.save()
    Photo.objects.filter(pk=third.pk).update(**dating(START - timedelta(days=400)))
    Photo.objects.filter(original_name="single.jpg").delete()
    # then the copy holds what the photos hold, row for row
    assert names_copied() == names_held()
    assert len(names_copied()) == 3


def test_a_name_held_only_by_old_files_is_looked_for_on_their_days(monkeypatch):
    # given a year of new tiles and a few old ones named alike, many enough to be walked to
    make_rows(40, step=timedelta(days=9))
    old = make_rows(5, start=START - timedelta(days=3000), original_name="DSC_old.jpg")
    monkeypatch.setattr(search, "FEW_NAME_MATCHES", 0)
    tiles = Photo.objects.filter(GALLERY_TILE)
    # when they are searched for by a part of their name
    with CaptureQueriesContext(connection) as captured:
        scope = matching(tiles, filters("name=c_OL"))
    found = list(scope.order_by("-taken_on", "-taken_at", "-id"))
    # then they are found in the gallery's order, counted in the narrow copy of names, and the
    # gallery is walked only between the days of the oldest and the newest of them
    assert found == old
    assert any(PhotoName._meta.db_table in query["sql"] for query in captured.captured_queries)
    sql = str(scope.query)
    assert f'"taken_on" >= {old[-1].taken_on}' in sql and f'"taken_on" <= {old[0].taken_on}' in sql


def test_a_name_no_file_holds_reads_no_photo():
    # given tiles; when a name none holds is searched (alone and with dates)
    make_rows(3)
    tiles = Photo.objects.filter(GALLERY_TILE)
    for query in ("name=nothing like it", f"name=IMG_1&date={START.year - 5}"):
        with CaptureQueriesContext(connection) as captured:
            found = list(matching(tiles, filters(query)))
        # then nothing is found, and only the copy of names is asked
        assert found == []
        assert [query["sql"] for query in captured.captured_queries if Photo._meta.db_table + '"' in query["sql"]] == []


def test_a_recount_copies_the_names_again_after_writes_past_the_triggers():
    # given photos whose copy of names went wrong behind the triggers' back (as a bulk load does)
    make_rows(3)
    PhotoName.objects.all().delete()
    # when the library's counts are rebuilt (`librarystatus --recount`)
    settle_tallies(recount=True)
    # then the copy holds what the photos hold again
    assert names_copied() == names_held()


@pytest.mark.parametrize("other", ["favourites=1", "place=Arezzo", "kind=video", "date={year}", ""])
def test_a_name_dense_on_its_days_is_tested_on_each_tile_with_any_other_filter(other, monkeypatch, django_user_model):
    # given a year of new tiles and old ones all named alike on their days (as a camera numbers
    # them), many enough to be walked to; some of the old ones a person's favourites, in Arezzo, videos
    make_rows(20, step=timedelta(days=9))
    old = make_rows(12, start=START - timedelta(days=3000), original_name="DSC_old.jpg")
    person = django_user_model.objects.create_user("reader")
    set_favourite(person, [photo.pk for photo in old[::3]], True)
    Photo.objects.filter(pk__in=[photo.pk for photo in old[1::3]]).update(place_city="Arezzo", kind=MediaKind.VIDEO)
    monkeypatch.setattr(search, "FEW_NAME_MATCHES", 0)
    query = "&".join(filter(None, ["name=c_OL", other.format(year=old[0].taken_on.year)]))
    # when they are searched for by a part of their name with the other filter
    scope = scope_of(person, QueryDict(query))
    found = list(scope.filter(GALLERY_TILE).order_by("-taken_on", "-taken_at", "-id"))
    # then the page is the tiles matching both, in the gallery's order, the name tested on each
    # tile of their days (a CASE, which the planner does not take for a rare condition)
    expected = {"favourites=1": old[::3], "place=Arezzo": old[1::3], "kind=video": old[1::3]}.get(other, old)
    assert found == expected
    assert "CASE WHEN" in str(scope.query)
