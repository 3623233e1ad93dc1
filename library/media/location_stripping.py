"""A JPEG without where it was taken, streamed from the original.

The GPS position is removed in place, so the copy is exactly as long as the original (a ZIP that
carries it can promise its length before reading it) and every byte outside the GPS data is the
original's: in the EXIF block the GPS IFD's pointer entry is taken out of IFD0 (the entries after
it move up, the freed twelve bytes become unused zeros) and the GPS IFD with its values is zeroed;
in an XMP packet every GPS property (`exif:GPSLatitude="…"` or `<exif:GPSLatitude>…</…>`) is
overwritten with spaces, which XML reads as the whitespace between attributes or elements.

An EXIF block that cannot be read safely (offsets out of bounds, an unknown byte order) is zeroed
whole: the photo loses its EXIF rather than keep its place. Only the segments before the image
data are looked at; a JPEG that carries further images (an MPF block: the second picture has an
EXIF block of its own, after the first picture's end) cannot be cleaned this way, and
`is_strippable` says so before anyone promises a length."""
import re
import struct
from collections.abc import Iterator
from typing import BinaryIO

EXIF_HEADER = b"Exif\x00\x00"
XMP_HEADERS = (b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp/extension/\x00")
MPF_HEADER = b"MPF\x00"
APP1, APP2, START_OF_SCAN, END_OF_IMAGE = 0xE1, 0xE2, 0xDA, 0xD9
# Markers that stand alone, without a length: TEM and the restart markers.
STANDALONE_MARKERS = {0x01, *range(0xD0, 0xD8)}
GPS_IFD_TAG = 0x8825
ENTRY_BYTES = 12
# Bytes per value of each TIFF field type (BYTE, ASCII, SHORT, LONG, RATIONAL, SBYTE, UNDEFINED,
# SSHORT, SLONG, SRATIONAL, FLOAT, DOUBLE, IFD).
TYPE_BYTES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
XMP_GPS_ATTRIBUTE = re.compile(rb"""\s[\w.-]+:gps\w*\s*=\s*(?:"[^"]*"|'[^']*')""", re.IGNORECASE)
XMP_GPS_ELEMENT = re.compile(rb"<([\w.-]+:gps\w*)\b(?:[^>]*/>|[^>]*>.*?</\1\s*>)", re.IGNORECASE | re.DOTALL)


class MalformedExifError(ValueError):
    """An EXIF block whose structure points outside itself."""


def jpeg_without_location(file: BinaryIO, chunk_bytes: int) -> Iterator[bytes]:
    """The JPEG read from `file`, its GPS position blanked, as long as the original. Anything
    unexpected in its segments (no marker where one should be) ends the cleaning: the rest is
    copied as it is, which is why callers ask `is_strippable` first."""
    for marker, body in header_segments(file):
        yield marker + (clean_app1(body) if marker[1:2] == bytes([APP1]) else body)
    while chunk := file.read(chunk_bytes):
        yield chunk


def is_strippable(file: BinaryIO) -> bool:
    """Whether `jpeg_without_location` removes every GPS position the JPEG holds: its segments read
    cleanly up to the image data, and it carries no further image (MPF)."""
    segments = header_segments(file)
    if next(segments)[0] != b"\xff\xd8":
        return False
    for marker, body in segments:
        if marker[1:2] == bytes([APP2]) and body.startswith(MPF_HEADER):
            return False
        if marker[1:2] == bytes([START_OF_SCAN]) and len(marker) == 4 and body:
            return True
    return False


def header_segments(file: BinaryIO) -> Iterator[tuple[bytes, bytes]]:
    """(marker and length bytes, body) of each segment up to and including the start of scan;
    what does not parse comes as one last (bytes, b"") pair, and the file is left just after it."""
    start = file.read(2)
    yield start, b""
    if start != b"\xff\xd8":
        return
    while True:
        marker = file.read(2)
        if len(marker) < 2 or marker[0] != 0xFF or marker[1] in (0x00, 0xFF):
            yield marker, b""
            return
        if marker[1] in STANDALONE_MARKERS or marker[1] == END_OF_IMAGE:
            yield marker, b""
            if marker[1] == END_OF_IMAGE:
                return
            continue
        length = file.read(2)
        if len(length) < 2 or struct.unpack(">H", length)[0] < 2:
            yield marker + length, b""
            return
        yield marker + length, file.read(struct.unpack(">H", length)[0] - 2)
        if marker[1] == START_OF_SCAN:
            return


def clean_app1(body: bytes) -> bytes:
    """An APP1 segment's body without GPS: EXIF or XMP; any other APP1 as it was."""
    if body.startswith(EXIF_HEADER):
        tiff = bytearray(body[len(EXIF_HEADER):])
        try:
            remove_gps_ifd(tiff)
        except MalformedExifError:
            tiff = bytearray(len(tiff))
        return EXIF_HEADER + bytes(tiff)
    if body.startswith(XMP_HEADERS):
        return blank_xmp_gps(body)
    return body


def blank_xmp_gps(packet: bytes) -> bytes:
    spaces = lambda match: b" " * len(match[0])  # noqa: E731 - one replacement for both patterns
    return XMP_GPS_ELEMENT.sub(spaces, XMP_GPS_ATTRIBUTE.sub(spaces, packet))


def remove_gps_ifd(tiff: bytearray) -> None:
    """Takes the GPS IFD pointer out of IFD0 and zeroes the GPS IFD and its values, in place."""
    order = {b"II": "<", b"MM": ">"}.get(bytes(tiff[:2]))
    if order is None or len(tiff) < 8:
        raise MalformedExifError("no TIFF header")
    read = lambda layout, offset: unpack_within(tiff, order + layout, offset)  # noqa: E731
    ifd0 = read("I", 4)
    count = read("H", ifd0)
    entries = [ifd0 + 2 + ENTRY_BYTES * index for index in range(count)]
    found = [entry for entry in entries if read("H", entry) == GPS_IFD_TAG]
    if not found:
        return
    gps = read("I", found[0] + 8)
    zero_ifd(tiff, order, gps)
    end = entries[-1] + ENTRY_BYTES + 4  # the entries and the next IFD's offset
    if end > len(tiff):
        raise MalformedExifError("IFD0 runs past the EXIF block")
    tiff[found[0]:end] = tiff[found[0] + ENTRY_BYTES:end] + bytes(ENTRY_BYTES)
    tiff[ifd0:ifd0 + 2] = struct.pack(order + "H", count - 1)


def zero_ifd(tiff: bytearray, order: str, offset: int) -> None:
    """Zeroes an IFD, its entries' values stored apart and its next-IFD offset."""
    count = unpack_within(tiff, order + "H", offset)
    for index in range(count):
        entry = offset + 2 + ENTRY_BYTES * index
        kind, values = unpack_within(tiff, order + "HI", entry + 2)
        size = TYPE_BYTES.get(kind, 1) * values
        if size > 4:
            start = unpack_within(tiff, order + "I", entry + 8)
            zero_within(tiff, start, size)
    zero_within(tiff, offset, 2 + ENTRY_BYTES * count + 4)


def unpack_within(tiff: bytearray, layout: str, offset: int):
    size = struct.calcsize(layout)
    if offset < 0 or offset + size > len(tiff):
        raise MalformedExifError(f"offset {offset} outside the EXIF block")
    values = struct.unpack_from(layout, tiff, offset)
    return values[0] if len(values) == 1 else values


def zero_within(tiff: bytearray, start: int, size: int) -> None:
    if start < 8 or start + size > len(tiff):
        raise MalformedExifError(f"bytes {start}-{start + size} outside the EXIF block")
    tiff[start:start + size] = bytes(size)
