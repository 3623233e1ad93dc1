"""XMP sidecars (`IMG_0001.xmp`, `IMG_0001.JPG.xmp`) as darktable, Lightroom, digiKam and phone
apps write them: the facts a person added (title, description, keywords, rating, label,
favourite) and those the camera or app recorded (date taken, GPS).

The XML is the user's file and is parsed with defusedxml: no DTD, no entity (a billion-laughs
file or one naming `file:///etc/passwd` fails here, reading nothing), and only after its size is
known to be a sidecar's. A property may be an attribute of an `rdf:Description` or an element
inside it, with its values in an `rdf:Alt`/`Bag`/`Seq`; all spellings are read."""
import re
from datetime import datetime
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .dates import as_aware, parse_utc_offset, plausible
from .not_media import XMP_EXTENSION
from .sidecar_facts import (
    MAX_LABEL,
    MAX_TITLE,
    ParsedSidecar,
    SidecarError,
    SidecarFacts,
    clean_keywords,
    clean_position,
    clean_rating,
    clean_text,
)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
XMP = "http://ns.adobe.com/xap/1.0/"
EXIF = "http://ns.adobe.com/exif/1.0/"
PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
FSTOP = "http://www.fstopapp.com/xmp/"
# Most trustworthy first: the shutter's moment, then what the app says it was created.
DATE_PROPERTIES = ((EXIF, "DateTimeOriginal"), (PHOTOSHOP, "DateCreated"), (XMP, "CreateDate"))
XMP_DATE = re.compile(r"(\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?)?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
# GPS as XMP spells it: "52,27.5814N" (degrees, decimal minutes), "52,27,34.9N", or plain "47.6754" with a Ref.
GPS_COORDINATE = re.compile(r"(\d{1,3})(?:,(\d{1,2}(?:\.\d+)?))?(?:,(\d{1,2}(?:\.\d+)?))?([NSEW])?$")


def read_xmp(data: bytes) -> ParsedSidecar:
    """Raises SidecarError, saying why, when `data` is no XMP a person could have meant."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise SidecarError("XMP sidecar not read: it declares a DTD or entities, which no XMP has") from error
    except (ParseError, ValueError) as error:
        raise SidecarError(f"XMP sidecar not read: not well-formed XML ({error})") from error
    descriptions = list(root.iter(f"{{{RDF}}}Description"))
    if not descriptions:
        raise SidecarError("XMP sidecar not read: no XMP properties (rdf:Description) in it")
    found = Properties(descriptions)
    facts = SidecarFacts(
        taken_at=next(filter(None, (xmp_datetime(found.first(*name)) for name in DATE_PROPERTIES)), None),
        title=clean_text(found.first(DC, "title"), MAX_TITLE), description=clean_text(found.first(DC, "description")),
        keywords=clean_keywords(found.all(DC, "subject")), rating=clean_rating(found.first(XMP, "Rating")),
        label=clean_text(found.first(XMP, "Label"), MAX_LABEL), favorite=found.first(FSTOP, "favorite") == "1",
        **gps_position(found),
    )
    return ParsedSidecar(XMP_EXTENSION, facts, data.decode("utf-8", "replace"))


class Properties:
    """The values of each property across the packet's descriptions."""

    def __init__(self, descriptions):
        self.descriptions = descriptions

    def all(self, namespace, name) -> list[str]:
        tag, values = f"{{{namespace}}}{name}", []
        for description in self.descriptions:
            if tag in description.attrib:
                values.append(description.attrib[tag])
            for element in description.findall(tag):
                items = [item.text or "" for item in element.iter(f"{{{RDF}}}li")]
                values.extend(items or [element.text or ""])
        return [value.strip() for value in values if value and value.strip()]

    def first(self, namespace, name) -> str:
        values = self.all(namespace, name)
        return values[0] if values else ""


def xmp_datetime(text: str) -> datetime | None:
    """XMP's ISO 8601 dates; without a zone they are the camera's wall clock, read in TIME_ZONE."""
    match = XMP_DATE.match(text)
    if not match:
        return None
    when, fraction, zone = match.groups()
    try:
        naive = datetime.fromisoformat(when + (fraction or "")[:7])
    except ValueError:
        return None
    if plausible(naive) is None:
        return None
    if zone == "Z":
        return naive.replace(tzinfo=parse_utc_offset("+00:00"))
    offset = parse_utc_offset(zone) if zone else None
    return naive.replace(tzinfo=offset) if offset else as_aware(naive)


def gps_position(found: Properties) -> dict:
    latitude = coordinate(found.first(EXIF, "GPSLatitude"), found.first(EXIF, "GPSLatitudeRef"))
    longitude = coordinate(found.first(EXIF, "GPSLongitude"), found.first(EXIF, "GPSLongitudeRef"))
    altitude = number(found.first(EXIF, "GPSAltitude"))
    if altitude is not None and found.first(EXIF, "GPSAltitudeRef") == "1":
        altitude = -altitude
    return clean_position(latitude, longitude, altitude)


def coordinate(text: str, reference: str) -> float | None:
    plain = number(text)
    if plain is not None:
        return -plain if reference.upper() in ("S", "W") else plain
    match = GPS_COORDINATE.match(text.replace(" ", ""))
    if not match:
        return None
    degrees, minutes, seconds, direction = match.groups()
    value = int(degrees) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
    return -value if (direction or reference.upper()) in ("S", "W") else value


def number(text: str) -> float | None:
    """'63.63', '0/100' (a rational), or None."""
    numerator, slash, denominator = text.partition("/")
    try:
        value = float(numerator) / (float(denominator) if slash else 1.0)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value == value and abs(value) < 1e7 else None  # not NaN, not absurd
