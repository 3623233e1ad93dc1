"""A ZIP archive written as it is sent, never built in memory or on disk first.

Every member is STORED (photos and videos are compressed already), so each header's length is
known before a byte is read, and with it the exact length of the whole archive: the browser can
show the size and the progress. The CRC-32 of a member is only known once it has been read, so it
follows the member in a data descriptor (general purpose flag bit 3) and is repeated in the central
directory, which is what readers trust. ZIP64 records are written only where a size, an offset
or the number of members needs them.

Python's zipfile can write to an unseekable stream too, but whether it adds ZIP64 records depends
on its own guesses (`file_size * 1.05`), so the archive's length could not be promised before it
is written. The records here are few and are checked against zipfile and `unzip -t` in the tests."""
import struct
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from photosite.ranged_responses import Runner, in_thread

FLAGS = 0x0808  # bit 3: sizes and CRC in a data descriptor; bit 11: names in UTF-8
STORED = 0
VERSION_PLAIN = 20
VERSION_ZIP64 = 45
MADE_BY_UNIX = 3 << 8
REGULAR_FILE_ATTRIBUTES = 0o100644 << 16
# What a classic record's 32- and 16-bit fields hold when the value is in a ZIP64 record instead.
IN_ZIP64_32 = 0xFFFFFFFF
IN_ZIP64_16 = 0xFFFF
# From these on, a size or an offset (a count of members) is written in ZIP64 records.
ZIP64_FROM_BYTES = IN_ZIP64_32
ZIP64_FROM_COUNT = IN_ZIP64_16
ZIP64_EXTRA = 0x0001
# What MS-DOS times can say: 1980-01-01 00:00:00 to 2107-12-31 23:59:58, as (time, date).
EARLIEST_DOS_TIME = (0, 1 << 5 | 1)
LATEST_DOS_TIME = (23 << 11 | 59 << 5 | 29, 127 << 9 | 12 << 5 | 31)

LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
DESCRIPTOR_32 = struct.Struct("<IIII")
DESCRIPTOR_64 = struct.Struct("<IIQQ")
CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
END_64 = struct.Struct("<IQHHIIQQQQ")
LOCATOR_64 = struct.Struct("<IIQI")
END = struct.Struct("<IHHHHIIH")


class MemberSizeError(OSError):
    """A member's content came shorter or longer than the size it was announced with."""


@dataclass(frozen=True)
class ZipMember:
    """A file in the archive: `chunks()` yields exactly `size` bytes (called in a worker thread)."""
    name: str
    size: int
    modified: datetime
    chunks: Callable[[], Iterator[bytes]]

    @property
    def needs_zip64(self) -> bool:
        return self.size >= ZIP64_FROM_BYTES


def dos_time(moment: datetime) -> tuple[int, int]:
    """(time, date) as MS-DOS stores them: two-second steps, years 1980-2107."""
    if moment.year < 1980:
        return EARLIEST_DOS_TIME
    if moment.year > 2107:
        return LATEST_DOS_TIME
    return (moment.hour << 11 | moment.minute << 5 | moment.second // 2,
            (moment.year - 1980) << 9 | moment.month << 5 | moment.day)


def local_header(member: ZipMember) -> bytes:
    name = member.name.encode()
    extra = struct.pack("<HHQQ", ZIP64_EXTRA, 16, 0, 0) if member.needs_zip64 else b""
    sizes = IN_ZIP64_32 if member.needs_zip64 else 0
    version = VERSION_ZIP64 if member.needs_zip64 else VERSION_PLAIN
    return LOCAL_HEADER.pack(0x04034B50, version, FLAGS, STORED, *dos_time(member.modified), 0, sizes, sizes,
                             len(name), len(extra)) + name + extra


def data_descriptor(member: ZipMember, crc: int) -> bytes:
    layout = DESCRIPTOR_64 if member.needs_zip64 else DESCRIPTOR_32
    return layout.pack(0x08074B50, crc, member.size, member.size)


def central_header(member: ZipMember, crc: int, offset: int) -> bytes:
    name = member.name.encode()
    big_size, big_offset = member.needs_zip64, offset >= ZIP64_FROM_BYTES
    fields = ([member.size, member.size] if big_size else []) + ([offset] if big_offset else [])
    extra = struct.pack(f"<HH{len(fields)}Q", ZIP64_EXTRA, 8 * len(fields), *fields) if fields else b""
    version = VERSION_ZIP64 if fields else VERSION_PLAIN
    size = IN_ZIP64_32 if big_size else member.size
    return CENTRAL_HEADER.pack(0x02014B50, MADE_BY_UNIX | version, version, FLAGS, STORED, *dos_time(member.modified),
                               crc, size, size, len(name), len(extra), 0, 0, 0, REGULAR_FILE_ATTRIBUTES,
                               IN_ZIP64_32 if big_offset else offset) + name + extra


def end_records(count: int, directory_offset: int, directory_size: int) -> bytes:
    """The end of central directory record, after a ZIP64 one (and its locator) when a count or
    an offset does not fit the classic record."""
    records = b""
    zip64 = count >= ZIP64_FROM_COUNT or directory_offset >= ZIP64_FROM_BYTES or directory_size >= ZIP64_FROM_BYTES
    if zip64:
        end_64_offset = directory_offset + directory_size
        records = (END_64.pack(0x06064B50, END_64.size - 12, MADE_BY_UNIX | VERSION_ZIP64, VERSION_ZIP64, 0, 0,
                               count, count, directory_size, directory_offset)
                   + LOCATOR_64.pack(0x07064B50, 0, end_64_offset, 1))
        count, directory_size, directory_offset = IN_ZIP64_16, IN_ZIP64_32, IN_ZIP64_32
    return records + END.pack(0x06054B50, 0, 0, count, count, directory_size, directory_offset, 0)


class ZipStream:
    """The archive of `members`, in their order; their names must be unique already."""

    def __init__(self, members: list[ZipMember]):
        self.members = members
        self.offsets = []
        offset = 0
        for member in members:
            self.offsets.append(offset)
            offset += len(local_header(member)) + member.size + len(data_descriptor(member, 0))
        self.directory_offset = offset

    @property
    def length(self) -> int:
        """The archive's exact length in bytes (CRCs change no record's length)."""
        directory = self.central_directory([0] * len(self.members))
        return self.directory_offset + len(directory) + len(end_records(len(self.members), self.directory_offset,
                                                                         len(directory)))

    def central_directory(self, crcs: list[int]) -> bytes:
        return b"".join(central_header(member, crc, offset)
                        for member, crc, offset in zip(self.members, crcs, self.offsets, strict=True))

    async def chunks(self, run: Runner = in_thread) -> AsyncIterator[bytes]:
        """The archive, a chunk at a time; each member's chunks are read in a thread (`run`).
        A member whose content is not its announced size raises MemberSizeError: the archive
        cannot be finished as promised."""
        crcs = []
        for member in self.members:
            yield local_header(member)
            reader = CheckedReader(member)
            while chunk := await run(reader.next_chunk):
                yield chunk
            crcs.append(reader.crc)
            yield data_descriptor(member, reader.crc)
        directory = self.central_directory(crcs)
        yield directory + end_records(len(self.members), self.directory_offset, len(directory))


class CheckedReader:
    """A member's chunks, with their CRC-32 and a check that they add up to its size."""

    def __init__(self, member: ZipMember):
        self.member = member
        self.crc = 0
        self.read = 0
        self.iterator = None

    def next_chunk(self) -> bytes:
        if self.iterator is None:
            self.iterator = self.member.chunks()
        chunk = next(self.iterator, b"")
        self.crc = zlib.crc32(chunk, self.crc)
        self.read += len(chunk)
        if self.read > self.member.size or (not chunk and self.read < self.member.size):
            self.close()
            raise MemberSizeError(f"{self.member.name}: {self.read} bytes where {self.member.size} were announced")
        return chunk

    def close(self):
        if hasattr(self.iterator, "close"):
            self.iterator.close()
