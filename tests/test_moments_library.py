"""A moment in the rest of the site: one tile (with its badge, its motion and its raw for the
viewer) in a constant number of queries; trash, restore and fix-date move the whole group; the
admin shows the group and links and unlinks by hand; `checklibrary` finds groups that no longer
hold together and mends them."""
import re
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from library.curation.file_moves import move_original
from library.curation.moments import link, members
from library.curation.redating import redate
from library.curation.trash import library_candidates, move_to_trash, restore_from_trash, trash_candidates
from library.media.dates import dating
from library.media.video_playback import Playback
from library.models import MediaKind, MoveReason, Photo
from library.services.timeline import Cursor, months_sql, months_with_photos, tiles_after
from thumbnails.links import embedded_video_url, playable_url

import factories
from moment_fixtures import TAKEN, import_all

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/library/photo/"


def tiles(html):
    return re.findall(r'<a class="tile"[^>]*>.*?</a>', html)


def test_a_moment_is_one_tile_with_its_badge_motion_and_raw(logged_in, live, raw_pair, media_dir, clip_path):
    # given a Live Photo, a RAW+JPEG pair and a motion photo
    (motion_photo,) = import_all(factories.make_google_motion_photo(media_dir / "PXL_1.MP.jpg", clip_path,
                                                                    taken=TAKEN - timedelta(hours=1)))
    (still, motion), (jpeg, raw) = live, raw_pair
    # when
    html = logged_in.get("/").content.decode()
    # then three tiles: each moment's face, each with what the viewer needs
    found = tiles(html)
    assert [int(re.search(r'data-id="(\d+)"', tile)[1]) for tile in found] == [jpeg.pk, still.pk, motion_photo.pk]
    assert f'data-raw="/photo/{raw.pk}/original?download=1"' in found[0] and ">RAW<" in found[0]
    assert f'data-motion="/photo/{motion.pk}/original"' in found[1] and ">LIVE<" in found[1]
    assert f'data-motion="{embedded_video_url(motion_photo)}"'.replace("&", "&amp;") in found[2]
    assert ">MOTION<" in found[2]


@pytest.fixture
def clip_path(tmp_path):
    return factories.make_video(tmp_path / "clip.mp4", seconds=1)


def make_moments(count):
    """`count` Live Photos, a still and its HEVC motion each, an hour apart (rows without files:
    pages never open one)."""
    start = timezone.make_aware(TAKEN)
    stills = Photo.objects.bulk_create([
        Photo(sha256=f"{2 * index:064x}", kind=MediaKind.PHOTO, original_name=f"IMG_{index}.JPG", path=f"x/{index}.jpg",
              format="jpeg", mime_type="image/jpeg", size=1, **dating(start - timedelta(hours=index)),
              taken_at_source="exif")
        for index in range(count)
    ])
    Photo.objects.bulk_create([
        Photo(sha256=f"{2 * index + 1:064x}", kind=MediaKind.VIDEO, original_name=f"IMG_{index}.MOV",
              path=f"x/{index}.mov", format="mov", mime_type="video/quicktime", size=1, duration=2,
              video_codecs="hevc yuv420p", playback=Playback.RENDITION, **dating(still.taken_at),
              taken_at_source="container", shown_with=still)
        for index, still in enumerate(stills)
    ])


@pytest.mark.parametrize("page_size", [60, 240])
@pytest.mark.parametrize(("url", "queries"), [
    # session, user, the page, its moments' partners, their placeholders, the months, the cameras, the
    # day summary the grid starts from, the user's favourites among the tiles it carries
    ("/", 9),
    ("/?fragment=1&after=2030-01-01~2030-01-01T00:00:00%2B00:00~1", 5),
])
def test_moments_cost_one_query_per_page_whatever_their_number(logged_in, settings, django_assert_num_queries,
                                                                page_size, url, queries):
    # given more Live Photos than a page holds
    settings.PHOTOSITE_GALLERY_PAGE_SIZE = page_size
    make_moments(250)
    # when / then: the page, plus one query for the motions of its moments
    with django_assert_num_queries(queries):
        html = logged_in.get(url).content.decode()
    assert len(tiles(html)) == page_size and html.count("data-motion=") == page_size


def query_plan(sql, params=()):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the plan is checked on SQLite")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " ".join(str(row) for row in cursor.fetchall())


@pytest.mark.parametrize("where", ["first page", "after a tile", "a month jump"])
def test_the_gallery_query_walks_the_tile_index(where):
    # given the gallery's query (the timeline's own), from the top, after a tile, after a month jump
    make_moments(30)
    tile = Photo.objects.gallery_tiles().order_by("-taken_on", "-taken_at", "-id")[10]
    cursor = {"first page": None, "after a tile": Cursor.of(tile),
              "a month jump": Cursor.for_month("2024", "4")}[where]
    # when the database explains it
    plan = query_plan(*tiles_after(cursor, Photo.objects.in_library())[:121].query.sql_with_params())
    # then it reads the partial index in order: no scan of the table, no sort
    assert "photo_gallery_tile_idx" in plan and "TEMP B-TREE" not in plan


def test_the_months_of_the_jump_to_probe_the_tile_index():
    # given Live Photos in two months
    make_moments(24 * 20)
    # when / then: each month is one probe of the tile index (no table scan, no sort)
    plan = query_plan(months_sql())
    assert "photo_gallery_tile_idx" in plan and "TEMP B-TREE" not in plan
    assert months_with_photos() == [(2024, 5), (2024, 4)]


def test_a_live_photo_whose_motion_is_hevc_plays_its_web_rendition(logged_in, library_root, media_dir):
    # given an iPhone's Live Photo: the motion is HEVC, which most browsers show no picture of
    still, motion = import_all(
        factories.make_live_still(media_dir / "IMG_0002.JPG", "LIVE-0002", taken=TAKEN),
        factories.make_live_motion(media_dir / "IMG_0002.MOV", "LIVE-0002", creation_time=TAKEN, hevc=True))
    assert motion.shown_with_id == still.pk and motion.playback == Playback.RENDITION
    # when
    tile = tiles(logged_in.get("/").content.decode())[0]
    # then the viewer plays its motion from the rendition, as it would the video on its own
    assert f'data-motion="{playable_url(motion)}"'.replace("&", "&amp;") in tile
    assert playable_url(motion).startswith(f"/api/photo/{motion.pk}/video?")


def test_trash_and_restore_move_the_whole_moment(live, library_root):
    # given
    still, motion = live
    # when the still goes to the trash
    move_to_trash(still)
    # then its motion goes with it
    assert all(photo.trashed_at and photo.path.startswith(".trash/") for photo in members(still))
    assert all((library_root / photo.path).exists() for photo in members(still))
    # when the motion is restored
    restore_from_trash(motion)
    # then the still comes back too
    assert all(photo.trashed_at is None and not photo.path.startswith(".trash/") for photo in members(still))


def test_fixing_the_date_moves_every_file_of_the_moment(live, library_root):
    # given
    still, motion = live
    new_date = timezone.make_aware(datetime(2019, 6, 15, 12, 30))
    # when
    redate(motion, new_date)
    # then both files moved to the new day and say so
    for photo in members(still):
        assert photo.taken_at == new_date and photo.path.startswith("2019-06-15/")
        assert (library_root / photo.path).exists()


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("curator", "c@example.com", None))
    return client


def test_the_admin_shows_the_group_and_unlinks_and_links_by_hand(admin_client, live):
    # given
    still, motion = live
    page = admin_client.get(f"{CHANGELIST}{still.pk}/change/").content.decode()
    assert f'/admin/library/photo/{motion.pk}/change/' in page and "motion of a Live Photo" in page
    # when unlinked
    admin_client.post(CHANGELIST, {"action": "unlink_moment", "_selected_action": [still.pk]})
    # then both are photos of their own again
    assert list(Photo.objects.order_by("id").values_list("shown_with", flat=True)) == [None, None]
    assert admin_client.get(f"{CHANGELIST}?moment=alone").content.decode().count('class="photo-thumbnail"') == 2
    # when linked again by hand (the video picked first)
    admin_client.post(CHANGELIST, {"action": "link_moment", "_selected_action": [motion.pk, still.pk]})
    # then
    motion.refresh_from_db()
    assert motion.shown_with_id == still.pk


def test_the_admin_refuses_a_link_that_makes_no_moment(admin_client, library_root, media_dir):
    # given two stills
    first, second = import_all(factories.make_jpeg(media_dir / "a.jpg", taken=TAKEN),
                               factories.make_jpeg(media_dir / "b.jpg", taken=TAKEN - timedelta(days=3)))
    # when
    response = admin_client.post(CHANGELIST, {"action": "link_moment", "_selected_action": [first.pk, second.pk]},
                                 follow=True)
    # then a message, and nothing linked
    assert "Not linked: choose a still and its video" in response.content.decode()
    assert not Photo.objects.exclude(shown_with=None).exists()


def run_check(*args):
    out = StringIO()
    try:
        call_command("checklibrary", *args, "--no-progress", "--stale-after", "0", stdout=out, stderr=StringIO())
    except CommandError as error:
        return False, out.getvalue() + str(error)
    return True, out.getvalue()


@pytest.mark.parametrize("cut_off", ["trash", "restore"])
def test_checklibrary_mends_a_moment_half_in_the_trash(live, cut_off):
    # given a Live Photo whose trash (or restore) was cut off after its still had moved
    still, motion = live
    if cut_off == "restore":
        move_to_trash(still)
        still.refresh_from_db()
        move_original(still, MoveReason.RESTORE, library_candidates(still))
    else:
        move_original(still, MoveReason.TRASH, trash_candidates(still.path))
    # when checked
    ok, report = run_check()
    # then it is reported
    assert not ok and "moments partly in the trash: 1" in report
    # when repaired
    ok, report = run_check("--repair")
    # then the motion followed its still
    assert ok, report
    motion.refresh_from_db()
    assert (motion.trashed_at is not None) == (cut_off == "trash")
    assert motion.path.startswith(".trash/") == (cut_off == "trash")


def test_link_refuses_a_second_file_in_a_taken_part(live, library_root, media_dir):
    # given a paired Live Photo and another clip
    still, motion = live
    (clip,) = import_all(factories.make_video(media_dir / "other.mp4", seconds=1, creation_time="2020-01-01T00:00:00Z"))
    # when / then: one motion per still, and a motion is no face
    assert not link(still, clip)
    assert not link(motion, clip)


def test_the_photo_page_links_the_motion_and_the_raw(logged_in, live, raw_pair):
    # given
    (still, motion), (jpeg, raw) = live, raw_pair
    # when
    live_page = logged_in.get(f"/photo/{still.pk}/").content.decode()
    pair_page = logged_in.get(f"/photo/{jpeg.pk}/").content.decode()
    # then
    assert f'<a href="/photo/{motion.pk}/original">Play the motion</a>' in live_page
    assert f'class="viewer-download-raw" href="/photo/{raw.pk}/original?download=1" download>Download RAW</a>' in pair_page
