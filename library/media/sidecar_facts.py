"""What a sidecar (an XMP file, a Google Takeout JSON) says about its photo, in one shape for both,
so that matching and applying never ask which kind it came from.

Facts are kept in the database while a sidecar waits for its photo (`as_json`/`from_json`), so
they hold plain values only."""
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime

from .dates import parse_utc_offset
from .errors import ImportFileError
from .gps import position

# A sidecar is a few kilobytes (Lightroom's with a develop history: tens). Past this it is not read:
# parsing is in memory, and a file this big is no sidecar a camera or an app wrote.
MAX_SIDECAR_BYTES = 1024 * 1024
MAX_TEXT = 2000
MAX_TITLE = 255  # Photo.title's length
MAX_KEYWORDS = 200
MAX_KEYWORD_LENGTH = 100
MAX_LABEL = 32


class SidecarError(ImportFileError):
    """A file named like a sidecar that cannot be read as one (not XML/JSON, too big, wrong types)."""


class PassedByError(ValueError):
    """A file named like a sidecar that is none of a photo's (an album's JSON, iPhone's edit
    settings): not a failure, the import passes it by; the message says what it is."""


@dataclass(frozen=True)
class SidecarFacts:
    taken_at: datetime | None = None
    title: str = ""
    description: str = ""
    keywords: tuple[str, ...] = ()
    rating: int | None = None
    label: str = ""
    favorite: bool = False
    # Kept for the places (latitude/longitude/altitude) of the photo: `apply_sidecar_location`.
    latitude: float | None = None
    longitude: float | None = None
    altitude: float | None = None
    # The photo's full original name as the sidecar gives it (Takeout's `title`), for matching.
    for_name: str = ""

    def found(self) -> list[str]:
        """What the sidecar told, for people: 'date taken, rating, keywords'."""
        names = {"taken_at": "date taken", "latitude": "place", "favorite": "favourite"}
        told = [names.get(item.name, item.name) for item in fields(self)
                if item.name not in ("longitude", "altitude", "for_name") and getattr(self, item.name) not in
                (None, "", (), False)]
        return told

    def as_json(self) -> dict:
        """A bare instant (Takeout's) stays one; any other zone is kept as its offset, a wall clock."""
        values = asdict(self)
        values["taken_at"] = self.taken_at.isoformat() if self.taken_at else None
        values["taken_at_bare"] = bool(self.taken_at) and self.taken_at.tzname() == "UTC"
        values["keywords"] = list(self.keywords)
        return values

    @classmethod
    def from_json(cls, values: dict) -> "SidecarFacts":
        known = {item.name for item in fields(cls)}
        facts = cls(**{key: value for key, value in values.items() if key in known})
        taken_at = datetime.fromisoformat(facts.taken_at) if facts.taken_at else None
        if taken_at is not None and not values.get("taken_at_bare"):
            taken_at = taken_at.replace(tzinfo=parse_utc_offset(taken_at.strftime("%z")))
        return replace(facts, taken_at=taken_at, keywords=tuple(facts.keywords))


@dataclass(frozen=True)
class ParsedSidecar:
    """A sidecar read from its file: its kind ("xmp" or "takeout"), its facts, and for XMP the
    text kept beside the photo in the library."""

    kind: str
    facts: SidecarFacts = field(default_factory=SidecarFacts)
    content: str = ""


def clean_text(value, limit=MAX_TEXT) -> str:
    """Text as people wrote it, without control characters, and bounded."""
    if not isinstance(value, str):
        return ""
    text = "".join(ch for ch in value if ch >= " " or ch in "\n\t").strip()
    return text[:limit]


def clean_keywords(values) -> tuple[str, ...]:
    seen, kept = set(), []
    for value in values[:MAX_KEYWORDS]:
        keyword = clean_text(value, MAX_KEYWORD_LENGTH)
        if keyword and keyword.casefold() not in seen:
            seen.add(keyword.casefold())
            kept.append(keyword)
    return tuple(kept)


def clean_rating(value) -> int | None:
    """XMP's 0-5 stars; -1 ("rejected") and anything else is no rating."""
    try:
        rating = round(float(value))
    except (TypeError, ValueError, OverflowError):
        return None
    return rating if 0 <= rating <= 5 else None


def clean_position(latitude, longitude, altitude=None) -> dict:
    """Coordinates that are a place on Earth, by the rule a file's own GPS is read by
    (`gps.position`: (0, 0), which Takeout writes for 'no place', is none)."""
    found = position(latitude, longitude, altitude)
    return {} if found is None else {"latitude": found.latitude, "longitude": found.longitude,
                                     "altitude": found.altitude}
