"""The facts of a JPEG XL file that its headers hold, without decoding it: the coded size, the
codestream's orientation, and the EXIF box.

pillow-jxl decodes every pixel when a file is opened, so the import (which promises no pixel
decoding) and the thumbnail generator (which must refuse a decompression bomb before decoding
it) read the header here. The size header and the orientation are bit fields at the start of
the codestream (ISO/IEC 18181-1, SizeHeader and ImageMetadata); the container (18181-2) is a
sequence of ISO-BMFF boxes holding the codestream (jxlc, or jxlp parts) and an optional Exif box,
which cjxl brotli-compresses by default (a brob box). Boxes are walked by seeking, so a large XMP
box before the codestream costs nothing, and only the first bytes of each part are read; at most
JXL_BOX_LIMIT boxes are looked at, so a file of tiny boxes costs no more than a real one."""
from dataclasses import dataclass
from typing import BinaryIO

import brotli

JXL_EXTENSION = "jxl"
# Far more of the codestream than SizeHeader and the orientation take (a few dozen bits).
CODESTREAM_HEAD_BYTES = 256
CODESTREAM_SIGNATURE = b"\xff\x0a"
CONTAINER_SIGNATURE = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
# SizeHeader's `ratio` field: width as a fraction of height.
RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}
DIMENSION_BITS = ((9, 1), (13, 1), (18, 1), (30, 1))
SIDEWAYS = {5, 6, 7, 8}
TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
# More than any EXIF block holds: a compressed box that unpacks past it is not read further.
EXIF_LIMIT = 1024 * 1024
# Real containers have a handful of boxes (signature, ftyp, jxll, Exif, xml, jumb, the codestream
# in one jxlc or a few jxlp parts): the walk stops here, with what it has found by then.
JXL_BOX_LIMIT = 64


class JxlHeaderError(ValueError):
    """Not a JPEG XL file, or its header is cut off or broken."""


@dataclass(frozen=True)
class JxlHeader:
    width: int
    height: int
    orientation: int
    exif: bytes | None

    def shown_orientation(self, exif_orientation) -> int:
        """The orientation a viewer applies: the codestream's, which decoders apply themselves (an
        EXIF orientation beside it is then the same, or stale); when the codestream has none, the
        EXIF's (the only one pillow-jxl writes)."""
        if self.orientation != 1:
            return self.orientation
        return exif_orientation if exif_orientation in range(1, 9) else 1

    def size_shown(self, orientation: int) -> tuple[int, int]:
        """Width and height once the picture is turned by `orientation`."""
        return (self.height, self.width) if orientation in SIDEWAYS else (self.width, self.height)


def read_jxl_header(file: BinaryIO) -> JxlHeader:
    """From a JPEG XL file opened for reading in binary (a bare codestream or a container)."""
    start = file.read(len(CONTAINER_SIGNATURE))
    if start.startswith(CODESTREAM_SIGNATURE):
        codestream, exif = start + file.read(CODESTREAM_HEAD_BYTES), None
    elif start == CONTAINER_SIGNATURE:
        codestream, exif = container_parts(file)
    else:
        raise JxlHeaderError("not a JPEG XL file")
    width, height, orientation = codestream_header(codestream)
    return JxlHeader(width, height, orientation, exif)


def container_parts(file: BinaryIO) -> tuple[bytes, bytes | None]:
    """(start of the codestream, EXIF as a TIFF structure or None) from the container's boxes.
    The codestream may be split over several jxlp boxes, its header too: their starts are joined."""
    codestream, exif = b"", None
    for _ in range(JXL_BOX_LIMIT):
        if len(codestream) >= CODESTREAM_HEAD_BYTES and exif is not None:
            break
        box = file.read(8)
        if len(box) < 8:
            break
        size, kind, header = int.from_bytes(box[:4], "big"), box[4:], 8
        if size == 1:
            size, header = int.from_bytes(file.read(8), "big"), 16
        if size != 0 and size < header:
            raise JxlHeaderError("broken JPEG XL box")
        body_end = None if size == 0 else file.tell() + size - header
        if kind in (b"jxlc", b"jxlp") and len(codestream) < CODESTREAM_HEAD_BYTES:
            part = file.read(body_length(file, body_end, CODESTREAM_HEAD_BYTES + 4))
            codestream += part[4:] if kind == b"jxlp" else part
        elif kind in (b"Exif", b"brob") and exif is None:
            exif = exif_box(kind, file.read(body_length(file, body_end, EXIF_LIMIT + 4)))
        if body_end is None:
            break
        file.seek(body_end)
    if not codestream.startswith(CODESTREAM_SIGNATURE):
        raise JxlHeaderError("no JPEG XL codestream")
    return codestream, exif


def body_length(file: BinaryIO, body_end: int | None, limit: int) -> int:
    """How much of the box body from here to read: at most `limit`, never into the next box."""
    return limit if body_end is None else max(0, min(body_end - file.tell(), limit))


def exif_box(kind: bytes, body: bytes) -> bytes | None:
    """The TIFF structure of an Exif box, or of a brob box holding one (None for another brob)."""
    if kind == b"Exif":
        return exif_payload(body)
    return exif_payload(unpacked(body[4:])) if body[:4] == b"Exif" else None


def exif_payload(body: bytes) -> bytes | None:
    """The TIFF structure of an Exif box: after its 4-byte offset field, as the standard has it,
    or at once (as pillow-jxl writes it)."""
    if body[:4] in TIFF_MAGIC:
        return body
    start = 4 + int.from_bytes(body[:4], "big")
    return body[start:] if body[start:start + 4] in TIFF_MAGIC else None


def unpacked(compressed: bytes) -> bytes:
    """A brob box's content, at most EXIF_LIMIT bytes of it (empty if it is not valid brotli)."""
    try:
        return brotli.Decompressor().process(compressed, output_buffer_limit=EXIF_LIMIT)[:EXIF_LIMIT]
    except brotli.error:
        return b""


def codestream_header(codestream: bytes) -> tuple[int, int, int]:
    bits = BitReader(codestream[2:])
    small = bits.read(1)
    height = (bits.read(5) + 1) * 8 if small else bits.u32(DIMENSION_BITS)
    ratio = bits.read(3)
    if ratio:
        numerator, denominator = RATIOS[ratio]
        width = height * numerator // denominator
    else:
        width = (bits.read(5) + 1) * 8 if small else bits.u32(DIMENSION_BITS)
    orientation = 1
    if not bits.read(1) and bits.read(1):  # not all_default, extra_fields
        orientation = bits.read(3) + 1
    return width, height, orientation


class BitReader:
    """JPEG XL's bit order: least significant bit of each byte first."""

    def __init__(self, data: bytes):
        self.data, self.position = data, 0

    def read(self, count: int) -> int:
        value = 0
        for index in range(count):
            byte = self.position // 8
            if byte >= len(self.data):
                raise JxlHeaderError("JPEG XL header cut off")
            value |= ((self.data[byte] >> (self.position % 8)) & 1) << index
            self.position += 1
        return value

    def u32(self, distributions) -> int:
        bits, offset = distributions[self.read(2)]
        return self.read(bits) + offset
