"""`checklibrary` and the counts the database keeps by triggers (the gallery's tiles per day, the
status tallies of photos and renditions, the copy of names the search reads): a count made wrong behind the triggers' back is
reported under its kind and set right again by `--repair`, on SQLite and PostgreSQL alike."""
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from test_checklibrary import imported_photo, run_check

from library import photo_tally
from library.count_check import DAY_TILES, NAME_COPY, PHOTO_TALLIES
from library.models import GALLERY_TILE, DayTiles, Photo, PhotoName
from thumbnails import rendition_tally

pytestmark = pytest.mark.django_db(transaction=True)

EMPTY_DAY = "1999-01-01"
# Each a way a count goes wrong without its triggers, as raw SQL; and the kind that reports it.
CORRUPTIONS = {
    "a day counted too high": ("UPDATE library_daytiles SET tiles = tiles + 3", DAY_TILES),
    "the days' rows gone": ("DELETE FROM library_daytiles", DAY_TILES),
    "a day with no photo": (f"INSERT INTO library_daytiles (day, tiles) VALUES ('{EMPTY_DAY}', 2)", DAY_TILES),
    "a photo tally row too many": (
        "INSERT INTO library_phototally (trashed, kind, motion, playback, photos) VALUES (false, 'photo', false, '', 5)",
        PHOTO_TALLIES),
    "a rendition tally row too many": (
        "INSERT INTO thumbnails_renditiontally (spec, state, trashed, playback, renditions, bytes, unsized) "
        "VALUES ('400.webp', 'ready', false, '', 1, 1000, 0)", rendition_tally.DIFFERENT),
    "a name missing from the copy": ("DELETE FROM library_photoname WHERE photo_id = (SELECT MIN(id) FROM library_photo)",
                                     NAME_COPY),
}


@pytest.fixture
def photos(library_root, media_dir):
    """Three photos on two days."""
    first = imported_photo(media_dir, "a.jpg")
    imported_photo(media_dir, "b.jpg", width=641)
    later = imported_photo(media_dir, "c.jpg", width=642)
    Photo.objects.filter(pk=later.pk).update(taken_on=first.taken_on + timedelta(days=1))
    return Photo.objects.all()


def days_by_photos():
    return dict(Photo.objects.filter(GALLERY_TILE).values_list("taken_on").annotate(Count("id")).order_by())


def days_kept():
    return {day: tiles for day, tiles in DayTiles.objects.values_list("day", "tiles") if tiles}


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_a_count_made_wrong_is_reported_then_counted_again(photos, corruption):
    # given a library whose counts agree with its rows
    assert run_check()[0]
    assert days_kept() == days_by_photos() and len(days_by_photos()) == 2
    statement, kind = CORRUPTIONS[corruption]
    # when one goes wrong behind the triggers' back
    with connection.cursor() as cursor:
        cursor.execute(statement)
    # then checklibrary says so under its kind, and --repair sets it right
    ok, out = run_check()
    assert not ok and f"{kind}: " in out and "try --repair" in out
    ok, out = run_check("--repair")
    assert ok, out
    assert "repaired)" in out and "counted again" in out
    assert run_check()[0]
    assert days_kept() == days_by_photos()
    assert photo_tally.TALLY.differences() == [] and rendition_tally.TALLY.differences() == []
    assert set(PhotoName.objects.values_list("photo_id", "original_name")) == set(
        Photo.objects.values_list("id", "original_name"))


def test_a_wrong_day_is_named_with_both_counts(photos):
    # given
    day = photos.order_by("taken_on").first().taken_on
    DayTiles.objects.filter(day=day).update(tiles=7)
    # when
    ok, out = run_check()
    # then
    assert not ok
    assert f"{DAY_TILES}: 1 (0 repaired)" in out
    assert f"  {day.isoformat()} — DayTiles says 7 tile(s), the photos 2" in out
