"""How a photo was exposed (aperture, shutter, ISO, focal length), from the EXIF the metadata
readers already hold, or from LibRaw's header for a raw: one rule for stills, JPEG XL and raws. A
value outside what a camera can record (a zero denominator, a negative shutter, text where a
number belongs) is no value: the uploader wrote these bytes."""
import math
from typing import NamedTuple


class Reading(NamedTuple):
    tag: int  # in the EXIF sub-IFD
    lowest: float  # what a camera can record, so that nonsense never reaches a page or overflows a column
    highest: float
    whole: bool


READINGS = {
    "f_number": Reading(0x829D, 0.5, 1024.0, whole=False),
    "exposure_time": Reading(0x829A, 1e-6, 100_000.0, whole=False),
    "iso": Reading(0x8827, 1, 10_000_000, whole=True),  # ISOSpeedRatings, PhotographicSensitivity in EXIF 2.3
    "focal_length": Reading(0x920A, 0.1, 100_000.0, whole=False),
    "focal_length_35mm": Reading(0xA405, 1, 32_767, whole=True),
}


def exposure_facts(sub_ifd) -> dict:
    """The exposure fields of MediaMetadata from an EXIF sub-IFD (Pillow's mapping)."""
    return {name: checked(name, sub_ifd.get(reading.tag)) for name, reading in READINGS.items()}


def with_fallbacks(found: dict, **others) -> dict:
    """`found`, with each missing value taken from `others` (checked the same way)."""
    return {**found, **{name: checked(name, value) for name, value in others.items() if found.get(name) is None}}


def checked(name: str, value) -> float | int | None:
    reading = READINGS[name]
    if isinstance(value, tuple | list):  # ISOSpeedRatings may list several: the first is the one used
        value = value[0] if value else None
    result = number(value)
    if result is None or not reading.lowest <= result <= reading.highest:
        return None
    return round(result) if reading.whole else result


def number(value) -> float | None:
    """A finite number from an EXIF value (an int, a float or Pillow's IFDRational), else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        result = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return result if math.isfinite(result) else None
