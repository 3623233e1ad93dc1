"""The gallery's pages: day groups newest first, keyset pages that walk everything exactly once,
jumps to a month, the viewer page, and a constant number of queries whatever the page size."""
import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

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
            "width": 4000, "height": 3000, "taken_at": start - index * step, "taken_at_source": "exif", **fields,
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
    assert '<option selected>2024</option>' in html


@pytest.mark.parametrize("query", ["?after=yesterday", "?after=2024-01-01T00:00:00~x", "?year=2024&month=13"])
def test_a_bad_position_is_a_400(logged_in, query):
    assert logged_in.get("/" + query).status_code == 400


def test_an_empty_library_points_at_the_import_page(logged_in):
    assert 'href="/import/"' in logged_in.get("/").content.decode()


@pytest.mark.parametrize(("page_size", "url", "queries"), [
    (5, "/", 6), (100, "/", 6),  # session, user, the page, its tiles' partners, newest and oldest year
    (5, "/?fragment=1&after=2024-03-01T00:00:00%2B00:00~999999", 4),
    (100, "/?fragment=1&after=2024-03-01T00:00:00%2B00:00~999999", 4),
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
