"""Where a file says it was taken: GPS coordinates as EXIF, XMP and QuickTime (ISO 6709) spell
them, read into one Position (decimal degrees; metres above sea level, negative below).

Bad values are no position, never an error: NaN, a 0/0 rational, minutes past 60, a latitude
past the pole, and (0, 0), "null island", which phones write when they had no fix."""
import math
import re
import struct
from dataclasses import dataclass

GPS_IFD = 0x8825
LATITUDE_REF, LATITUDE, LONGITUDE_REF, LONGITUDE, ALTITUDE_REF, ALTITUDE = 1, 2, 3, 4, 5, 6
# Higher than any mountain, deeper than any trench: past these an altitude is noise, not a place.
ALTITUDE_RANGE = (-12_000.0, 100_000.0)
# Decimal places kept of a degree: 1e-7° is about a centimetre, finer than any GPS.
DEGREE_DIGITS = 7
# What Pillow raises on a GPS IFD whose pointer or entries are broken.
IFD_ERRORS = (OSError, ValueError, SyntaxError, EOFError, KeyError, TypeError, struct.error)
# XMP is text the camera or an app wrote; these read a bounded value, never scanning backwards.
XMP_VALUE = r"(?:=\s*[\"']([^\"'<>]{{1,64}})[\"']|>\s*([^<>]{{1,64}})</exif:{name}>)"
XMP_COORDINATE = re.compile(r"(\d{1,3}),(\d{1,2}(?:\.\d{1,12})?)(?:,(\d{1,2}(?:\.\d{1,12})?))?([NSEW])")
DECIMAL = re.compile(r"[+-]?\d{1,3}(?:\.\d{1,15})?")
RATIONAL = re.compile(r"(-?\d{1,12})/(\d{1,12})")
# ISO 6709 as QuickTime keeps it: "+35.6895+139.6917/", "+51.5074-000.1278+010.000/", or in
# degrees and minutes ("+4030.5-07400.25/") or degrees, minutes and seconds.
ISO6709 = re.compile(r"([+-])(\d{2,6}(?:\.\d{1,12})?)([+-])(\d{3,7}(?:\.\d{1,12})?)(?:([+-]\d{1,6}(?:\.\d{1,6})?))?")


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    altitude: float | None = None


def position(latitude, longitude, altitude=None) -> Position | None:
    """A Position when the numbers are a place on Earth, else None (an altitude out of range is
    dropped alone: the place is still right)."""
    latitude, longitude, altitude = number(latitude), number(longitude), number(altitude)
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    if latitude == 0 and longitude == 0:
        return None
    if altitude is not None and not ALTITUDE_RANGE[0] <= altitude <= ALTITUDE_RANGE[1]:
        altitude = None
    return Position(round(latitude, DEGREE_DIGITS), round(longitude, DEGREE_DIGITS), altitude)


def number(value) -> float | None:
    """A finite float from an int, float, Pillow rational or "n/d" text; None for anything else."""
    if isinstance(value, str):
        rational = RATIONAL.fullmatch(value.strip())
        value = int(rational.group(1)) / int(rational.group(2)) if rational and int(rational.group(2)) else value
    try:
        result = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return result if math.isfinite(result) else None


def exif_position(exif) -> Position | None:
    """From an EXIF block's GPS IFD (Pillow's `Image.Exif`): (degrees, minutes, seconds)
    rationals with N/S/E/W references, and an altitude whose reference 1 means below sea level."""
    try:
        gps = exif.get_ifd(GPS_IFD)
    except IFD_ERRORS:
        return None
    latitude = signed(sexagesimal(gps.get(LATITUDE)), gps.get(LATITUDE_REF), "S")
    longitude = signed(sexagesimal(gps.get(LONGITUDE)), gps.get(LONGITUDE_REF), "W")
    altitude = number(gps.get(ALTITUDE))
    if altitude is not None and reference(gps.get(ALTITUDE_REF)) in ("1", "\x01"):
        altitude = -altitude
    return position(latitude, longitude, altitude)


def sexagesimal(value) -> float | None:
    """(degrees, minutes, seconds) → degrees; a single number is degrees already."""
    if not isinstance(value, tuple | list):
        return number(value)
    parts = [number(part) for part in value[:3]]
    if not parts or None in parts or min(parts) < 0 or any(part >= 60 for part in parts[1:]):
        return None
    return sum(part / 60**index for index, part in enumerate(parts))


def signed(degrees: float | None, ref, negative: str) -> float | None:
    return -degrees if degrees is not None and reference(ref) == negative else degrees


def reference(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, int):
        value = str(value)
    return value.strip("\x00 ").upper()[:1] if isinstance(value, str) else ""


def xmp_position(xmp) -> Position | None:
    """From XMP packet text: exif:GPSLatitude "51,30.5N" (degrees, minutes and a direction),
    "51,30,30N", or a decimal with exif:GPSLatitudeRef; exif:GPSAltitude "10/1" with its Ref."""
    if isinstance(xmp, bytes):
        xmp = xmp.decode("utf-8", "replace")
    if not isinstance(xmp, str):
        return None
    latitude = xmp_coordinate(xmp_value(xmp, "GPSLatitude"), xmp_value(xmp, "GPSLatitudeRef"), "S")
    longitude = xmp_coordinate(xmp_value(xmp, "GPSLongitude"), xmp_value(xmp, "GPSLongitudeRef"), "W")
    altitude = number(xmp_value(xmp, "GPSAltitude"))
    if altitude is not None and xmp_value(xmp, "GPSAltitudeRef") == "1":
        altitude = -altitude
    return position(latitude, longitude, altitude)


def xmp_value(xmp: str, name: str) -> str:
    """The value of exif:`name`, as an attribute or an element."""
    match = re.search(r"\bexif:" + name + XMP_VALUE.format(name=name), xmp)
    return (match.group(1) or match.group(2)).strip() if match else ""


def xmp_coordinate(text: str, ref: str, negative: str) -> float | None:
    """XMP's GPSCoordinate ("DDD,MM.mmk" or "DDD,MM,SSk"), or a plain decimal with its Ref."""
    compact = text.replace(" ", "")
    match = XMP_COORDINATE.fullmatch(compact)
    if match:
        degrees, minutes, seconds, direction = match.groups()
        return signed(sexagesimal((degrees, minutes, seconds or "0")), direction, negative)
    if DECIMAL.fullmatch(compact):
        return signed(float(compact), ref, negative)
    return None


def iso6709_position(text) -> Position | None:
    """QuickTime's `©xyz` / Apple's `com.apple.quicktime.location.ISO6709`: "+35.6895+139.6917/"."""
    match = ISO6709.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return None
    lat_sign, lat_digits, lon_sign, lon_digits, altitude = match.groups()
    latitude, longitude = iso6709_degrees(lat_digits, 2), iso6709_degrees(lon_digits, 3)
    if latitude is None or longitude is None:
        return None
    return position(-latitude if lat_sign == "-" else latitude, -longitude if lon_sign == "-" else longitude, altitude)


def iso6709_degrees(digits: str, degree_width: int) -> float | None:
    """ISO 6709's three spellings by the integer part's width: DD.dd, DDMM.mm, DDMMSS.ss (DDD for longitudes)."""
    whole, _, fraction = digits.partition(".")
    split = [whole[:degree_width], *(whole[index:index + 2] for index in range(degree_width, len(whole), 2))]
    if len(whole) - degree_width not in (0, 2, 4) or not split[0]:
        return None
    split[-1] += f".{fraction}" if fraction else ""
    return sexagesimal(tuple(split))
