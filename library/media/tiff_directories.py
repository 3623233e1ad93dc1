"""Whether Pillow can read a TIFF-structured block (a still's EXIF, a raw's head, a TIFF file's
own tags, a JPEG's EXIF and MP index) at a cost linear in its length, checked before Pillow reads it.

Pillow loads a directory by reading every entry's data, from the entry's offset for its count of
values, and keeps each entry's bytes. Entries may all point at the same bytes, so a block of N
bytes can make it read and hold N bytes per entry: 65,535 entries over 1 MB of EXIF (a PNG's or
WebP's, or a JPEG's in 17 segments) is 64 GB, and the process is killed for want of memory
long before. In an honest block no two entries
share data, so what its entries claim adds up to less than the block. Only the two directories
the import reads are walked: the first (IFD0) and the EXIF directory it points to.

A JPEG's blocks are parsed by Pillow while it opens the file (the EXIF for a resolution, the MP
index to tell an MPO), and Pillow joins every EXIF segment into one block, so a JPEG's header is
walked first, segment by segment to its first scan, with Pillow's own table of markers."""
import os
import struct
from collections.abc import Callable, Iterator

from PIL.JpegImagePlugin import MARKER

ReadAt = Callable[[int, int], bytes]
START_OF_SCAN = 0xFFDA
# Twice the block leaves room for one entry whose count was damaged; overlapping entries go far past.
CLAIM_FACTOR = 2
# A classic TIFF directory counts its entries in 16 bits; a BigTIFF claiming more is not believed.
ENTRY_LIMIT = 0xFFFF
EXIF_IFD = 0x8769
EXIF_PREFIX = b"Exif\x00\x00"
# Bytes per value of each TIFF field type (the types Pillow reads; it skips the others).
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8}
BYTE_ORDERS = {b"II": "<", b"MM": ">"}
JPEG_EXIF_SEGMENT = (0xFFE1, EXIF_PREFIX)
JPEG_MP_SEGMENT = (0xFFE2, b"MPF\x00")


class Layout:
    """Classic TIFF (magic 42: 16-bit entry counts, 12-byte entries, 4 bytes inline) or BigTIFF
    (magic 43: 64-bit counts, 20-byte entries, 8 bytes inline)."""

    def __init__(self, order: str, big: bool):
        self.order, self.big = order, big
        self.count_format = order + ("Q" if big else "H")
        self.entry_format = order + ("HHQ8s" if big else "HHI4s")
        self.offset_format = order + ("Q" if big else "I")
        self.entry_size = struct.calcsize(self.entry_format)
        self.inline = 8 if big else 4


def block_fits(block: bytes | None) -> bool:
    """For an EXIF block as Pillow receives it (perhaps after its `Exif\\0\\0` prefix)."""
    if not block:
        return True
    if block.startswith(EXIF_PREFIX):
        block = block[len(EXIF_PREFIX):]
    return directories_fit(lambda offset, count: block[offset:offset + count], len(block))


def file_fits(file) -> bool:
    """For a file opened in binary that starts with a TIFF header; leaves it at its start."""
    def read_at(offset, count):
        file.seek(offset)
        return file.read(count)

    try:
        return directories_fit(read_at, os.fstat(file.fileno()).st_size)
    finally:
        file.seek(0)


def jpeg_fits(file) -> bool:
    """For a JPEG opened in binary: its EXIF (all its EXIF segments joined, as Pillow joins them)
    and each MP index; leaves the file at its start."""
    exif = b""
    try:
        for marker, body in jpeg_header_segments(file):
            if (marker, body[:6]) == JPEG_EXIF_SEGMENT:
                exif += body[6:] if exif else body
            elif (marker, body[:4]) == JPEG_MP_SEGMENT and not block_fits(body[4:]):
                return False
    finally:
        file.seek(0)
    return block_fits(exif)


def jpeg_header_segments(file) -> Iterator[tuple[int, bytes]]:
    """(marker, body) of each segment before the first scan, stepping over bytes between segments
    the way Pillow's reader does (so that it reads no segment this does not)."""
    file.seek(2)
    byte = file.read(1)
    while byte:
        if byte != b"\xff":
            byte = file.read(1)
            continue
        second = file.read(1)
        marker = 0xFF00 | second[0] if second else START_OF_SCAN
        if marker == 0xFFFF:
            continue  # padding: this 0xFF may begin the marker
        if marker == START_OF_SCAN or (marker != 0xFF00 and marker not in MARKER):
            return
        if marker != 0xFF00 and MARKER[marker][2] is not None:
            length = int.from_bytes(file.read(2), "big")
            yield marker, file.read(max(0, length - 2))
        byte = file.read(1)


def directories_fit(read_at: ReadAt, length: int) -> bool:
    """False when IFD0 and the EXIF directory claim more than CLAIM_FACTOR × `length` bytes between
    them, or more entries than a directory holds; True for anything Pillow would not parse at all."""
    head = read_at(0, 16)
    layout = layout_of(head)
    if layout is None:
        return True
    offset = struct.unpack_from(layout.offset_format, head, 8 if layout.big else 4)[0]
    claimed = 0
    for _ in ("IFD0", "EXIF"):
        entries = directory_entries(read_at, offset, layout)
        if entries is None:
            return False
        claimed += sum(entry_claim(entry, layout, length) for entry in entries)
        offset = next((pointer(entry, layout) for entry in entries if entry[0] == EXIF_IFD), 0)
        if not offset:
            break
    return claimed <= CLAIM_FACTOR * length


def layout_of(head: bytes) -> Layout | None:
    order = BYTE_ORDERS.get(head[:2])
    if order is None or len(head) < 16:
        return None
    magic = struct.unpack_from(order + "H", head, 2)[0]
    return Layout(order, magic == 43) if magic in (42, 43) else None


def directory_entries(read_at: ReadAt, offset: int, layout: Layout) -> list[tuple] | None:
    """The directory's entries as (tag, type, count, value bytes); [] where there is none to read,
    None for a directory claiming more entries than any has."""
    count_bytes = read_at(offset, struct.calcsize(layout.count_format))
    if len(count_bytes) < struct.calcsize(layout.count_format):
        return []
    count = struct.unpack(layout.count_format, count_bytes)[0]
    if count > ENTRY_LIMIT:
        return None
    table = read_at(offset + len(count_bytes), count * layout.entry_size)
    usable = len(table) - len(table) % layout.entry_size
    return list(struct.iter_unpack(layout.entry_format, table[:usable]))


def entry_claim(entry: tuple, layout: Layout, length: int) -> int:
    """How many bytes Pillow reads for this entry: none when its values fit inline."""
    _, kind, count, _ = entry
    size = count * TYPE_SIZES.get(kind, 0)
    if size <= layout.inline:
        return 0
    return max(0, min(size, length - pointer(entry, layout)))


def pointer(entry: tuple, layout: Layout) -> int:
    return struct.unpack_from(layout.offset_format, entry[3])[0]
