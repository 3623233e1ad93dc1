"""Google Takeout's JSON beside each photo (`IMG_0001.jpg.json`): when it was taken
(`photoTakenTime`, seconds since the epoch: a bare instant), where (`geoData`, else
`geoDataExif`; 0,0 means nowhere), its description and whether it was a favourite.

Other JSON in an export (an album's `metadata.json`, an app's settings) is no photo's metadata
(PassedByError: the import passes it by). A photo's JSON whose fields have the wrong types
is refused as a whole (SidecarError), never half applied."""
import json
from datetime import UTC, datetime

from .dates import plausible
from .sidecar_facts import (
    MAX_TEXT,
    ParsedSidecar,
    PassedByError,
    SidecarError,
    SidecarFacts,
    clean_position,
    clean_text,
)

TAKEOUT = "takeout"
# Keys only a photo's own JSON has (an album's has `albumData`, or a title and a `date`).
PHOTO_KEYS = {"photoTakenTime", "geoData", "geoDataExif", "imageViews"}


def read_takeout(data: bytes) -> ParsedSidecar:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, RecursionError, ValueError) as error:
        raise SidecarError(f"Takeout JSON not read: not valid JSON ({error})") from error
    if not isinstance(document, dict) or not PHOTO_KEYS & document.keys():
        what = "an album's metadata" if isinstance(document, dict) and "albumData" in document else "a JSON file"
        raise PassedByError(f"not a photo or video: {what}, not a photo's sidecar")
    facts = SidecarFacts(
        taken_at=taken_time(document.get("photoTakenTime")),
        description=text_field(document, "description"), favorite=flag(document, "favorited"),
        for_name=text_field(document, "title"),
        **(place(document, "geoData") or place(document, "geoDataExif")),
    )
    return ParsedSidecar(TAKEOUT, facts)


def wrong(field, expected) -> SidecarError:
    return SidecarError(f"Takeout JSON not read: {field} is not {expected}")


def text_field(document, key) -> str:
    value = document.get(key, "")
    if not isinstance(value, str):
        raise wrong(key, "text")
    return clean_text(value, MAX_TEXT)


def flag(document, key) -> bool:
    value = document.get(key, False)
    if not isinstance(value, bool):
        raise wrong(key, "true or false")
    return value


def taken_time(value) -> datetime | None:
    if value is None:
        return None
    stamp = value.get("timestamp") if isinstance(value, dict) else None
    if isinstance(stamp, str) and stamp.strip().isdigit() and len(stamp.strip()) <= 12:
        stamp = int(stamp)
    if not isinstance(stamp, int) or isinstance(stamp, bool):
        raise wrong("photoTakenTime.timestamp", "a number of seconds")
    try:
        moment = datetime.fromtimestamp(stamp, UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise wrong("photoTakenTime.timestamp", "a time a photo can have") from error
    return plausible(moment)


def place(document, key) -> dict:
    value = document.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise wrong(key, "an object with latitude and longitude")
    numbers = {}
    for part in ("latitude", "longitude", "altitude"):
        number = value.get(part, 0.0)
        if isinstance(number, bool) or not isinstance(number, int | float) or not abs(number) < 1e7:
            raise wrong(f"{key}.{part}", "a number")
        numbers[part] = float(number)
    return clean_position(**numbers)
