"""Date parsing and the fallback rules that decide where a file is filed."""
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from library.media.dates import date_from_filename, parse_exif_datetime, parse_iso_datetime, wall_clock_date

pytestmark = pytest.mark.outside_database  # no database here: the SQLite pass of .ci/run runs it


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IMG_20240131_101500.jpg", datetime(2024, 1, 31, 10, 15, 0)),
        ("VID_20230405_080910123.mp4", datetime(2023, 4, 5, 8, 9, 10)),
        ("PXL_20221224_235959999.jpg", datetime(2022, 12, 24, 23, 59, 59)),
        ("2024-01-31 10.15.00.jpg", datetime(2024, 1, 31, 10, 15, 0)),
        ("Screenshot 2021-06-07 at 12.13.14.png", datetime(2021, 6, 7, 12, 13, 14)),
        ("IMG-20200101-WA0001.jpg", datetime(2020, 1, 1)),
        ("holiday 2019-08-15.jpg", datetime(2019, 8, 15)),
    ],
)
def test_dates_in_file_names(name, expected):
    assert date_from_filename(name).replace(tzinfo=None) == expected


@pytest.mark.parametrize("name", ["IMG_1234.jpg", "DSC_99999999.jpg", "IMG_20241399_101010.jpg", "00000000_000000.jpg", "photo.jpg"])
def test_no_date_in_these_names(name):
    assert date_from_filename(name) is None


@pytest.mark.parametrize(
    "value", ["0000:00:00 00:00:00", "    :  :     :  :  ", "9999:12:31 23:59:59", "1970:01:01 00:00:00", "", None, 42, "garbage"]
)
def test_invalid_exif_dates_are_ignored(value):
    assert parse_exif_datetime(value) is None


def test_exif_offset_is_honoured():
    moment = parse_exif_datetime("2024:01:31 23:30:00", "+05:30")
    assert moment.utcoffset() == timedelta(hours=5, minutes=30)
    assert wall_clock_date(moment) == date(2024, 1, 31)


def test_container_times_are_utc_and_filed_by_the_site_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    moment = parse_iso_datetime("2024-02-01T03:00:00.000000Z")
    assert moment == datetime(2024, 2, 1, 3, tzinfo=UTC)
    assert wall_clock_date(moment) == date(2024, 1, 31)


def test_apple_creation_date_keeps_its_offset():
    moment = parse_iso_datetime("2024-01-31T10:00:00+0100")
    assert moment.utcoffset() == timedelta(hours=1)
    assert moment.tzinfo == timezone(timedelta(hours=1))
