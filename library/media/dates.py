"""Turning the many spellings of 'when was this taken' into one timezone-aware datetime, and the
one rule for the wall clock a photo is shown and filed by.

Cameras write local wall-clock time without a zone; such times are read in the site's
TIME_ZONE. A moment keeps the zone it was read in (the camera's EXIF offset, TIME_ZONE for a
zoneless camera clock, Apple's local creation date), and that zone's wall clock is the one a
person saw: it names the photo's day folder and is what every page shows (`wall_clock`,
`dating`, `shown_time`). Only a bare instant (a video container's UTC, a file's modification
time: in the zone named UTC) has no wall clock of its own and is shown in TIME_ZONE.

Where the photo's GPS position gives its time zone, that zone takes TIME_ZONE's place: a camera
clock without offset is read in it (so the instant and the day are those of where the photo was
taken), a bare instant is shown in it. A camera's own offset always wins. Each row records where
its zone came from (`ZoneSource`).

Nonsense dates (`0000:00:00 00:00:00`, year 9999, a reset clock's 1904/1970 epochs) are treated
as absent, so the next source in the fallback chain gets its turn."""
import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from django.db.models import TextChoices
from django.utils import timezone as django_timezone


class DateSource(TextChoices):
    EXIF = "exif", "EXIF"
    CONTAINER = "container", "Video container"
    FILENAME = "filename", "File name"
    MTIME = "mtime", "File modification time"
    MANUAL = "manual", "Set by hand"
    SIDECAR = "sidecar", "Sidecar (XMP or Google Takeout)"


class ZoneSource(TextChoices):
    CAMERA = "camera", "The camera's UTC offset"
    GPS = "gps", "The time zone at the GPS position"
    SITE = "site", "The site's TIME_ZONE (no offset recorded)"
    UTC = "utc", "A UTC instant (video container, file time) shown in TIME_ZONE"


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
    # Named, so that a camera's "+00:00" is a wall clock of its own, not the bare instant UTC
    # (`timezone(timedelta(0))` would be the very object `UTC`).
    return timezone(-delta if sign == "-" else delta, f"UTC{sign}{hours}:{minutes}")


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


def placed(moment: datetime, zone: ZoneInfo | None = None) -> tuple[datetime, str]:
    """`moment` on the clock a person saw, and where that clock's zone came from (a ZoneSource).

    A clock read without an offset carries the zone it was read in (`as_aware`: TIME_ZONE, a
    ZoneInfo); with `zone`, the zone at the GPS position, it is read again there, which moves
    the instant. A bare instant is any other moment in the zone named "UTC" (`datetime.UTC`, a
    database's UTC): shown in `zone`, else in TIME_ZONE. A camera's offset ("+00:00" too, named
    "UTC+00:00" by `parse_utc_offset`) keeps its wall clock."""
    if isinstance(moment.tzinfo, ZoneInfo):
        return (moment, ZoneSource.SITE) if zone is None else (moment.replace(tzinfo=zone), ZoneSource.GPS)
    if moment.tzname() == "UTC":
        if zone is None:
            return django_timezone.localtime(moment), ZoneSource.UTC
        return moment.astimezone(zone), ZoneSource.GPS
    return moment, ZoneSource.CAMERA


def wall_clock(moment: datetime) -> datetime:
    """`moment` on the clock a person saw: its own zone, or TIME_ZONE for a bare UTC instant."""
    return placed(moment)[0]


def wall_clock_date(moment: datetime) -> date:
    """The calendar day a person would file this under (the photo's `YYYY-MM-DD/` folder)."""
    return wall_clock(moment).date()


def dating(moment: datetime, zone: ZoneInfo | None = None) -> dict:
    """The Photo fields that say when it was taken: the exact instant (the gallery's order within a
    day), the offset of its wall clock in minutes east of UTC (what pages show), that clock's
    day (the gallery's day groups and month jumps, indexed), and where its zone came from.
    `zone`: the zone at the photo's GPS position, if it has one. Every writer of a date uses this."""
    shown, zone_source = placed(moment, zone)
    return {
        "taken_at": shown,
        "taken_at_offset": round(shown.utcoffset().total_seconds() / 60),
        "taken_on": shown.date(),
        "zone_source": zone_source,
    }


def shown_time(taken_at: datetime, offset_minutes: int) -> datetime:
    """The wall-clock time to show for a stored instant and offset (the one reader of both).
    Naive on purpose: Django's templates and admin turn an aware datetime into TIME_ZONE."""
    return (taken_at.astimezone(UTC) + timedelta(minutes=offset_minutes)).replace(tzinfo=None)


def offset_label(offset_minutes: int) -> str:
    """'UTC−05:00', 'UTC+05:30', 'UTC' — the zone of a shown time, for people."""
    if not offset_minutes:
        return "UTC"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"UTC{'−' if offset_minutes < 0 else '+'}{hours:02d}:{minutes:02d}"
