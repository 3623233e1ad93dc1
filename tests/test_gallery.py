"""The gallery's pages: day groups newest first, keyset pages that walk everything exactly once,
jumps to a month, the viewer page, and a constant number of queries whatever the page size."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from library.media.dates import dating, parse_exif_datetime
from library.models import MediaKind, Photo
from thumbnails.links import thumbnail_url

pytestmark = pytest.mark.django_db

START = timezone.make_aware(datetime(2024, 3, 10, 12, 0))


def make_rows(count, start=START, step=timedelta(hours=7), **fields):
    """Photo rows without files: the gallery pages never open a file."""
    first = Photo.objects.count()
    photos = [
        Photo(**{
            "sha256": f"{first + index:064x}", "kind": MediaKind.PHOTO, "original_name": f"IMG_{index}.jpg",
            "path": f"x/{first + index}.jpg", "size": 1, "format": "jpeg", "mime_type": "image/jpeg",
            "width": 4000, "height": 3000, **dating(start - index * step), "taken_at_source": "exif", **fields,
        })
        for index in range(count)
    ]
    return Photo.objects.bulk_create(photos)


def tile_ids(html):
    return [int(pk) for pk in re.findall(r'data-id="(\d+)"', html)]


def next_link(html):
    match = re.search(r'class="more" href="([^"]+)"', html)
    return match[1].replace("&amp;", "&") if match else None


def test_the_gallery_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_tiles_are_grouped_by_day_newest_first(logged_in):
    # given three photos on two days
    rows = make_rows(3, step=timedelta(hours=10))
    # when
    html = logged_in.get("/").content.decode()
    # then
    assert re.findall(r"<h2>([^<]+)</h2>", html) == ["Sunday 10 March 2024", "Saturday 9 March 2024"]
    assert tile_ids(html) == [photo.pk for photo in rows]


def test_tiles_carry_their_size_lazy_loading_and_video_badge(logged_in):
    # given
    video, = make_rows(1, kind=MediaKind.VIDEO, duration=75.4, width=1920, height=1080)
    # when
    html = logged_in.get("/").content.decode()
    # then
    assert 'loading="lazy"' in html
    assert 'width="1920" height="1080"' in html
    assert f'src="{thumbnail_url(video)}"' in html
    assert "▶ 1:15" in html


def test_pages_walk_every_photo_once_in_order(logged_in, settings):
    # given
    settings.PHOTOSITE_GALLERY_PAGE_SIZE = 4
    rows = make_rows(10)
    same_moment = make_rows(3, start=START - timedelta(hours=30), step=timedelta(0))  # ties broken by id
    expected = [photo.pk for photo in sorted(rows + same_moment, key=lambda p: (p.taken_at, p.pk), reverse=True)]
    # when
    seen, url = [], "/"
    while url:
        html = logged_in.get(url).content.decode()
        seen += tile_ids(html)
        url = next_link(html) and "/" + next_link(html) + "&fragment=1"
    # then
    assert seen == expected


def test_trashed_photos_are_not_shown(logged_in):
    kept, = make_rows(1)
    make_rows(1, start=START - timedelta(days=1), trashed_at=START)
    assert tile_ids(logged_in.get("/").content.decode()) == [kept.pk]


def test_jump_to_a_month_starts_at_its_last_photo(logged_in):
    # given one photo a day from 10 March back to late January
    make_rows(45, step=timedelta(days=1))
    # when
    html = logged_in.get("/?year=2024&month=2").content.decode()
    # then
    assert re.findall(r"<h2>([^<]+)</h2>", html)[0] == "Thursday 29 February 2024"
    assert '<option value="2024-2" selected>February 2024</option>' in html


@pytest.mark.parametrize("query", ["?after=yesterday", "?after=2024-01-01T00:00:00~x", "?year=2024&month=13"])
def test_a_bad_position_is_a_400(logged_in, query):
    assert logged_in.get("/" + query).status_code == 400


def test_an_empty_library_points_at_the_import_page(logged_in):
    assert 'href="/import/"' in logged_in.get("/").content.decode()


@pytest.mark.parametrize(("page_size", "url", "queries"), [
    # session, user, the page, its tiles' partners, their placeholders, the months with photos, the
    # day summary the grid starts from, the user's favourites among the tiles it carries
    (5, "/", 9), (100, "/", 9),  # with the search form's camera list
    (5, "/?fragment=1&after=2024-03-01~2024-03-01T00:00:00%2B00:00~999999", 5),
    (100, "/?fragment=1&after=2024-03-01~2024-03-01T00:00:00%2B00:00~999999", 5),
])
def test_gallery_pages_use_a_constant_number_of_queries(logged_in, settings, django_assert_num_queries,
                                                        page_size, url, queries):
    # given
    settings.PHOTOSITE_GALLERY_PAGE_SIZE = page_size
    make_rows(150, kind=MediaKind.VIDEO, duration=3)
    # when / then
    with django_assert_num_queries(queries):
        response = logged_in.get(url)
    assert len(tile_ids(response.content.decode())) == page_size


def test_the_photo_page_links_its_neighbours(logged_in):
    # given
    newest, middle, oldest = make_rows(3)
    # when
    html = logged_in.get(f"/photo/{middle.pk}/").content.decode()
    # then
    assert f'href="/photo/{newest.pk}/" rel="prev"' in html
    assert f'href="/photo/{oldest.pk}/" rel="next"' in html
    assert f"/photo/{middle.pk}/original?download=1" in html


def jump_options(html):
    jump = html[html.index('<select name="month"'):]
    return re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', jump[:jump.index("</select>")])


def test_jump_to_lists_only_months_with_photos_and_selects_the_one_shown(logged_in):
    # given photos in March 2024, January 2024 and June 2021 (none in between), and one in the trash
    for moment in (START, START - timedelta(days=60), timezone.make_aware(datetime(2021, 6, 5, 9))):
        make_rows(1, start=moment)
    make_rows(1, start=timezone.make_aware(datetime(2023, 5, 5)), trashed_at=START)
    # when / then: the newest month is selected on the first page
    assert jump_options(logged_in.get("/").content.decode()) == [
        ("2024-3", " selected", "March 2024"), ("2024-1", "", "January 2024"), ("2021-6", "", "June 2021")]
    # and the month jumped to after a jump
    assert ("2024-1", " selected", "January 2024") in jump_options(logged_in.get("/?month=2024-1").content.decode())


def test_the_day_is_the_cameras_day_not_the_utc_one(logged_in, settings):
    # given 21:30 at −05:00 on 1 January 2022 (02:30 UTC on the 2nd), on a UTC site
    settings.TIME_ZONE = "UTC"
    evening, = make_rows(1, start=parse_exif_datetime("2022:01:01 21:30:00", "-05:00"))
    # when
    html = logged_in.get("/").content.decode()
    photo_page = logged_in.get(f"/photo/{evening.pk}/").content.decode()
    # then
    assert re.findall(r"<h2>([^<]+)</h2>", html) == ["Saturday 1 January 2022"]
    assert 'data-time="21:30"' in html
    assert jump_options(html) == [("2022-1", " selected", "January 2022")]
    assert "Saturday 1 January 2022, 21:30" in photo_page and 'title="UTC−05:00"' in photo_page


def test_days_follow_the_cameras_clock_and_the_instant_orders_within_a_day(logged_in, settings):
    # given, on a UTC site: late evening of the 1st in New York (later in UTC than the next one),
    # early morning of the 2nd in London, and noon of the 1st at +09:00 (earlier than both)
    settings.TIME_ZONE = "UTC"
    new_york, = make_rows(1, start=parse_exif_datetime("2022:01:01 21:30:00", "-05:00"))  # 02:30Z on the 2nd
    london, = make_rows(1, start=parse_exif_datetime("2022:01:02 01:00:00", "+00:00"))  # 01:00Z on the 2nd
    tokyo, = make_rows(1, start=parse_exif_datetime("2022:01:01 23:00:00", "+09:00"))  # 14:00Z on the 1st
    # when
    html = logged_in.get("/").content.decode()
    # then
    assert re.findall(r"<h2>([^<]+)</h2>", html) == ["Sunday 2 January 2022", "Saturday 1 January 2022"]
    assert tile_ids(html) == [london.pk, new_york.pk, tokyo.pk]
    # and the photo page's neighbours follow the same order
    middle = logged_in.get(f"/photo/{new_york.pk}/").content.decode()
    assert f'href="/photo/{london.pk}/" rel="prev"' in middle and f'href="/photo/{tokyo.pk}/" rel="next"' in middle


def test_a_jump_to_a_month_goes_by_the_cameras_day(logged_in, settings):
    # given 21:30 at −05:00 on 31 January (1 February in UTC) and a photo of 2 February
    settings.TIME_ZONE = "UTC"
    january, = make_rows(1, start=parse_exif_datetime("2022:01:31 21:30:00", "-05:00"))
    make_rows(1, start=parse_exif_datetime("2022:02:02 10:00:00", None))
    # when
    html = logged_in.get("/?month=2022-1").content.decode()
    # then
    assert tile_ids(html) == [january.pk]


@pytest.mark.outside_database
@pytest.mark.parametrize(("seconds", "shown"), [
    (0.04, "0:00.1"), (0.4, "0:00.4"), (0.94, "0:00.9"), (0.96, "0:01"), (7.2, "0:07"), (205, "3:25"),
    (3723, "1:02:03"), (None, ""),
])
def test_a_duration_as_a_player_shows_it_never_0_00(seconds, shown):
    from library.tile_records import clock

    assert clock(seconds) == shown


def test_every_month_the_jump_to_offers_opens_even_at_the_ends_of_the_calendar(logged_in):
    # given photos dated (as a staff redate does) the last day there is and the first, and one in between
    last, first, between = make_rows(3)
    Photo.objects.filter(pk=last.pk).update(**dating(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)))
    Photo.objects.filter(pk=first.pk).update(**dating(datetime(1, 1, 1, 0, 0, 1, tzinfo=UTC)))
    offered = [value for value, _selected, _label in jump_options(logged_in.get("/").content.decode())]
    assert offered == ["9999-12", "2024-3", "1-1"]
    for value, day, photo in zip(offered, ["Friday 31 December 9999", "Saturday 9 March 2024", "Monday 1 January 0001"],
                                 [last, between, first], strict=True):
        # when
        response = logged_in.get(f"/?month={value}")
        # then: the month opens at its last photo
        assert response.status_code == 200, (value, response.content[:300])
        html = response.content.decode()
        assert re.findall(r"<h2>([^<]+)</h2>", html)[0] == day
        assert tile_ids(html)[0] == photo.pk
