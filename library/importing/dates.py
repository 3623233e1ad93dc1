"""Turning the many spellings of 'when was this taken' into one timezone-aware datetime.

Cameras write local wall-clock time without a zone; such times are read in the site's
TIME_ZONE. Nonsense dates (`0000:00:00 00:00:00`, year 9999, a reset clock's 1904/1970
epochs) are treated as absent, so the next source in the fallback chain gets its turn."""
import re
from datetime import UTC, datetime, timedelta, timezone

from django.utils import timezone as django_timezone

EARLIEST_YEAR = 1900
EPOCH_PLACEHOLDERS = {(1904, 1, 1), (1970, 1, 1)}

FILENAME_PATTERNS = [
    # IMG_20240131_101500, VID_20240131_101500123, PXL_20240131_101500123, 20240131_101500
    re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})[_-](\d{2})(\d{2})(\d{2})"),
    # 2024-01-31 10.15.00, 2024-01-31_10-15-00, Screenshot 2024-01-31 at 10.15.00
    re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[ _T]|\sat\s)(\d{2})[.:-](\d{2})[.:-](\d{2})"),
    # Dates alone: 2024-01-31, IMG-20240131-WA0001
    re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"),
    re.compile(r"(?<![\dA-Za-z])(?:IMG|VID|PXL|MVIMG|PANO|DSC)?[_-]?(\d{4})(\d{2})(\d{2})(?!\d)"),
]


def plausible(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    latest_year = datetime.now(UTC).year + 1
    if not EARLIEST_YEAR <= moment.year <= latest_year:
        return None
    if (moment.year, moment.month, moment.day) in EPOCH_PLACEHOLDERS:
        return None
    return moment


def as_aware(naive: datetime) -> datetime:
    return django_timezone.make_aware(naive, django_timezone.get_default_timezone())


def parse_exif_datetime(value, offset=None) -> datetime | None:
    """'2024:01:31 10:15:00' (+ optional '+01:00' from OffsetTimeOriginal) → aware datetime."""
    if not isinstance(value, str):
        return None
    text = value.strip().rstrip("\x00").strip()
    try:
        naive = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if plausible(naive) is None:
        return None
    zone = parse_utc_offset(offset)
    return naive.replace(tzinfo=zone) if zone else as_aware(naive)


def parse_utc_offset(value) -> timezone | None:
    match = re.fullmatch(r"\s*([+-])(\d{2}):?(\d{2})\s*", value or "") if isinstance(value, str) else None
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


def parse_iso_datetime(value) -> datetime | None:
    """Video containers: '2024-01-31T10:15:00.000000Z' (UTC) or Apple's '2024-01-31T10:15:00+0100'."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if plausible(moment) is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def date_from_filename(name: str) -> datetime | None:
    for pattern in FILENAME_PATTERNS:
        for match in pattern.finditer(name):
            parts = [int(part) for part in match.groups()]
            try:
                naive = datetime(*parts)
            except ValueError:
                continue
            if plausible(naive):
                return as_aware(naive)
    return None


def wall_clock_date(moment: datetime):
    """The calendar day a person would file this under: the photo's own offset when it has
    one (EXIF OffsetTime), otherwise the site's time zone."""
    if moment.tzinfo is UTC or moment.utcoffset() == timedelta(0):
        return django_timezone.localtime(moment).date()
    return moment.date()
