"""What LibRaw makes of a file from its headers alone (no sensor data is unpacked): whether it is a
raw LibRaw reads, its size and flip, and the camera, clock and GPS position it records.

LibRaw is the arbiter of "is this a raw": TIFF-like containers (DNG, NEF, ARW, PEF, …) look alike
to a signature check and a plain TIFF is none of them; the makers' own formats are LibRaw's to
recognise. rawpy (LibRaw's binding) gives the sizes; the camera's make, model and LibRaw's
timestamp it exposes only after unpacking every sensor value (half a second on a 24 MP raw), so
they are read from the same LibRaw rawpy ships, through LibRaw's C API (`libraw_get_iparams`,
`libraw_get_imgother`), which fills them when the file is opened."""
import ctypes
import logging
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .gps import Position, position, sexagesimal, signed

logger = logging.getLogger("photosite.import")

# libraw_iparams_t (LibRaw 0.22, rawpy 0.28): char guard[4]; char make[64]; char model[64];
# char software[64]; char normalized_make[64]; char normalized_model[64]; unsigned maker_index;
# unsigned raw_count; unsigned dng_version; ...  libraw_imgother_t: float ×4, then time_t timestamp.
MAKE_AT, MODEL_AT, NORMALIZED_MAKE_AT, DNG_VERSION_AT, TEXT_LENGTH = 4, 68, 196, 332, 64
TIMESTAMP_AT = 16
# libraw_imgother_t goes on: time_t timestamp; unsigned shot_order; unsigned gpsdata[32]; then
# libraw_gps_info_t: float latitude[3], longitude[3], gpstimestamp[3], altitude; char altref,
# latref, longref, gpsstatus, gpsparsed. LibRaw fills it from the maker's records too (CR3's).
GPS_LATITUDE_AT, GPS_LONGITUDE_AT, GPS_ALTITUDE_AT, GPS_REFS_AT = 156, 168, 192, 196
IMGOTHER_BYTES = GPS_REFS_AT + 5
IPARAMS_BYTES = DNG_VERSION_AT + 4
# LibRaw's flip (dcraw's bits: 1 mirror left-right, 2 upside down, 4 transpose; from the EXIF
# orientation by dcraw's "50132467") → the EXIF orientation that turns the stored picture upright.
FLIP_ORIENTATION = {0: 1, 1: 2, 3: 3, 2: 4, 4: 5, 6: 6, 7: 7, 5: 8}
SIDEWAYS_FLIPS = {4, 5, 6, 7}


@dataclass(frozen=True)
class RawHeader:
    width: int
    height: int
    flip: int
    make: str
    normalized_make: str
    model: str
    timestamp: int
    is_dng: bool
    position: Position | None = None

    @property
    def orientation(self) -> int:
        return FLIP_ORIENTATION.get(self.flip, 1)

    @property
    def displayed_size(self) -> tuple[int, int]:
        """Width and height as shown, after the raw's flip."""
        return (self.height, self.width) if self.flip in SIDEWAYS_FLIPS else (self.width, self.height)


def read_raw_header(path: Path) -> RawHeader | None:
    """LibRaw's reading of the file's headers; None when LibRaw does not take it for a raw."""
    import rawpy  # here, not at the top: rawpy brings numpy, and only raw files need them

    try:
        with rawpy.imread(str(path)) as raw:
            sizes = raw.sizes
    except (rawpy.LibRawError, OSError, ValueError) as error:
        logger.debug("LibRaw does not read %s: %s", path.name, error)
        return None
    if sizes.width <= 0 or sizes.height <= 0:
        return None
    iparams, imgother = camera_records(path)
    return RawHeader(
        width=sizes.width, height=sizes.height, flip=sizes.flip,
        make=_text(iparams, MAKE_AT), normalized_make=_text(iparams, NORMALIZED_MAKE_AT),
        model=_text(iparams, MODEL_AT),
        timestamp=int.from_bytes(imgother[TIMESTAMP_AT:TIMESTAMP_AT + 8], "little", signed=True),
        is_dng=int.from_bytes(iparams[DNG_VERSION_AT:DNG_VERSION_AT + 4], "little") != 0,
        position=libraw_position(imgother),
    )


def libraw_position(imgother: bytes) -> Position | None:
    """LibRaw's parsed GPS, when it found one: (degrees, minutes, seconds) with their references."""
    altitude_ref, latitude_ref, longitude_ref, _status, parsed = imgother[GPS_REFS_AT:GPS_REFS_AT + 5]
    if not parsed:
        return None
    latitude = signed(sexagesimal(struct.unpack_from("<3f", imgother, GPS_LATITUDE_AT)), chr(latitude_ref), "S")
    longitude = signed(sexagesimal(struct.unpack_from("<3f", imgother, GPS_LONGITUDE_AT)), chr(longitude_ref), "W")
    (altitude,) = struct.unpack_from("<f", imgother, GPS_ALTITUDE_AT)
    return position(latitude, longitude, -altitude if altitude_ref == 1 else altitude)


def camera_records(path: Path) -> tuple[bytes, bytes]:
    """The raw bytes of LibRaw's iparams and imgother records for the file: zeros if it will not
    open, or where rawpy's LibRaw is not a shared library beside it (a build from source): EXIF
    then gives make, model and date alone."""
    empty = bytes(IPARAMS_BYTES), bytes(IMGOTHER_BYTES)
    library = _libraw()
    if library is None:
        return empty
    handle = library.libraw_init(0)
    if not handle:
        raise MemoryError("LibRaw could not allocate its state")
    try:
        if library.libraw_open_file(handle, str(path).encode()) != 0:
            return empty
        return (ctypes.string_at(library.libraw_get_iparams(handle), IPARAMS_BYTES),
                ctypes.string_at(library.libraw_get_imgother(handle), IMGOTHER_BYTES))
    finally:
        library.libraw_close(handle)


def _text(record: bytes, offset: int) -> str:
    return record[offset:offset + TEXT_LENGTH].split(b"\x00", 1)[0].decode("utf-8", "replace")


@cache
def _libraw() -> ctypes.CDLL | None:
    """The LibRaw shared library inside the rawpy wheel (the one rawpy itself calls); None, said
    once, where there is none."""
    import rawpy  # here, not at the top: rawpy brings numpy, and only raw files need them

    try:
        library = ctypes.CDLL(str(Path(rawpy.__file__).with_name("libraw_r.so")))
    except OSError as error:
        logger.warning("LibRaw's C API is not reachable beside rawpy (%s): raw files get EXIF facts only", error)
        return None
    library.libraw_init.restype = ctypes.c_void_p
    library.libraw_init.argtypes = [ctypes.c_uint]
    library.libraw_open_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    for getter in (library.libraw_get_iparams, library.libraw_get_imgother):
        getter.restype, getter.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
    library.libraw_close.argtypes = [ctypes.c_void_p]
    return library
