"""Motion photos: a JPEG or HEIC still that carries its short video inside the same file.

Google (Pixel) and Samsung phones append an MP4 to the picture and say where it is: Google's XMP
gives the video's length counted from the end of the file (`GCamera:MicroVideoOffset`, or the
`Container:Directory` items of a Motion Photo); Samsung's trailer (`SEFH`…`SEFT`) lists a
`MotionPhoto_Data` block, and its HEIC files keep the video in a top-level `mpvd` box. The file is
imported as it is, byte for byte; all the import records is where the video lies, so that the
thumbnails app can extract it as a rendition. Only the head's XMP (already read with the EXIF)
and a few bytes near the end are looked at, never the whole file.

The XMP is the uploader's text, read during the upload request, so each look at it is bounded:
at most XMP_SCAN_BYTES of it are read, and every pattern's open-ended part is one negated
character class that stops at the byte that starts (or ends) the next candidate, so no byte is
examined more than a few times whatever the text repeats (a lazy `.*?` was quadratic on a
repeated `<Container:Item `, with the GIL held: docs/measured-choices.md). No XML parser runs, so
there are no entities or DTDs to expand either."""
import os
import re
import struct
from dataclasses import dataclass

MOTION_PHOTO_FORMATS = ("jpeg", "heic", "heif")
MICRO_VIDEO = re.compile(rb'MicroVideo(?:="|>)\s*1')
# Real packets are a few KB (a JPEG segment holds 64 KB at most); a longer one is read this far.
XMP_SCAN_BYTES = 256 * 1024
# More digits than any file length has (a terabyte has 13); longer numbers are not lengths.
LENGTH_DIGITS = 15
MICRO_VIDEO_OFFSET = re.compile(rb'MicroVideoOffset(?:="|>)\s*(\d{1,%d})(?!\d)' % LENGTH_DIGITS)
# An item's attributes end at its tag's `>`; `[^<>]` never runs past the next tag's `<`.
CONTAINER_ITEM = re.compile(rb"<Container:Item\b([^<>]*)>")
ITEM_ATTRIBUTE = re.compile(rb'Item:(Mime|Semantic|Length|Padding)="([^"]*)"')
SAMSUNG_TRAILER_END = b"SEFT"
SAMSUNG_MOTION_BLOCK = 0x0A30
SAMSUNG_DIRECTORY_LIMIT = 0x10000
HEIF_MOTION_BOX = b"mpvd"
HEIF_BOX_LIMIT = 64


@dataclass(frozen=True)
class EmbeddedVideo:
    offset: int
    length: int


def find_embedded_video(still, format_name: str, xmp) -> EmbeddedVideo | None:
    """Where the video inside a motion photo (`still`, a binary file open for reading) is, or None
    for an ordinary still. A place that does not hold an MP4 (a `ftyp` box) is not believed,
    whatever the metadata says."""
    if format_name not in MOTION_PHOTO_FORMATS:
        return None
    size = os.fstat(still.fileno()).st_size
    for found in candidates(still, format_name, to_bytes(xmp), size):
        if found is not None and holds_mp4(still, found, size):
            return found
    return None


def candidates(still, format_name, xmp: bytes, size: int):
    if xmp:
        yield from_google_xmp(xmp, size)
    yield from_samsung_trailer(still, size)
    if format_name != "jpeg":
        yield from_heif_box(still, size)


def to_bytes(xmp) -> bytes:
    """The packet's first XMP_SCAN_BYTES, as bytes."""
    if isinstance(xmp, str):
        return xmp[:XMP_SCAN_BYTES].encode("utf-8", "replace")[:XMP_SCAN_BYTES]
    return bytes((xmp or b"")[:XMP_SCAN_BYTES])


def from_google_xmp(xmp: bytes, size: int) -> EmbeddedVideo | None:
    """`GCamera:MicroVideoOffset` (the older form) or the Motion Photo's `Container:Directory`,
    whose items follow the primary picture in order: the video's end is what the items after it take."""
    offset = MICRO_VIDEO_OFFSET.search(xmp)
    if offset and MICRO_VIDEO.search(xmp):
        length = int(offset.group(1))
        return EmbeddedVideo(size - length, length) if 0 < length < size else None
    items = [dict(ITEM_ATTRIBUTE.findall(item)) for item in CONTAINER_ITEM.findall(xmp)]
    for index, item in enumerate(items):
        if item.get(b"Semantic") == b"MotionPhoto" or item.get(b"Mime", b"").startswith(b"video/"):
            length = to_int(item.get(b"Length"))
            after = sum(to_int(later.get(b"Length")) + to_int(later.get(b"Padding")) for later in items[index + 1:])
            start = size - after - length
            return EmbeddedVideo(start, length) if length > 0 and start > 0 else None
    return None


def to_int(text) -> int:
    return int(text) if text and text.isdigit() and len(text) <= LENGTH_DIGITS else 0


def from_samsung_trailer(still, size: int) -> EmbeddedVideo | None:
    """Samsung's trailer ends with its directory's length and `SEFT`; the directory (`SEFH`) lists
    blocks by their distance back from it, each a small header and its name before the data."""
    if size < 16:
        return None
    still.seek(size - 8)
    directory_length, marker = struct.unpack("<I4s", still.read(8))
    if marker != SAMSUNG_TRAILER_END or not 12 <= directory_length < min(SAMSUNG_DIRECTORY_LIMIT, size - 8):
        return None
    directory_start = size - 8 - directory_length
    still.seek(directory_start)
    directory = still.read(directory_length)
    if directory[:4] != b"SEFH":
        return None
    count = struct.unpack_from("<I", directory, 8)[0]
    for entry in range(12, min(12 + 12 * count, directory_length - 11), 12):
        block_type, distance, block_size = struct.unpack_from("<HII", directory, entry + 2)
        if block_type == SAMSUNG_MOTION_BLOCK and 8 <= block_size <= distance <= directory_start:
            still.seek(directory_start - distance + 4)
            name_length = struct.unpack("<I", still.read(4))[0]
            data_length = block_size - 8 - name_length
            return EmbeddedVideo(directory_start - distance + 8 + name_length, data_length) if data_length > 0 else None
    return None


def from_heif_box(still, size: int) -> EmbeddedVideo | None:
    """Samsung's HEIC motion photos keep the MP4 in a top-level `mpvd` box."""
    position = 0
    for _ in range(HEIF_BOX_LIMIT):
        still.seek(position)
        header = still.read(16)
        if len(header) < 8:
            return None
        box_size, box_type = struct.unpack(">I4s", header[:8])
        header_length = 8
        if box_size == 1 and len(header) == 16:
            box_size, header_length = struct.unpack(">Q", header[8:])[0], 16
        elif box_size == 0:
            box_size = size - position
        if box_type == HEIF_MOTION_BOX:
            return EmbeddedVideo(position + header_length, box_size - header_length)
        if box_size < header_length or position + box_size >= size:
            return None
        position += box_size
    return None


def holds_mp4(still, found: EmbeddedVideo, size: int) -> bool:
    if found.offset <= 0 or found.length < 8 or found.offset + found.length > size:
        return False
    still.seek(found.offset)
    return still.read(8)[4:8] == b"ftyp"
