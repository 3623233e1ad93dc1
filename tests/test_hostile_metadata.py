"""Parsers of embedded metadata (XMP, EXIF and maker notes, ISO-BMFF and JPEG XL boxes, ffmpeg's
summary of QuickTime atoms) against metadata written to make them slow: each one does bounded
work, linear in its input, and real files still read as before (tests/test_motion_photos.py,
test_metadata.py, test_raw_and_jxl_metadata.py). The import reads them during the upload request.

The time limit is the kind that is milliseconds when linear and minutes when not: the XMP cases
took 34 s for 256 KB before (quadratic); Pillow, given the EXIF cases, reads and keeps the same
megabyte once per entry (65,535 times: the process runs out of memory; do not run these against
the old code on a shared machine)."""
import struct
import time
import zlib
from io import BytesIO

import pytest
from PIL import Image

from library.media import detection, raw_metadata, video_metadata
from library.media.errors import CorruptFileError
from library.media.jxl_header import CONTAINER_SIGNATURE, JXL_BOX_LIMIT, JxlHeaderError, read_jxl_header
from library.media.metadata import read_metadata
from library.media.motion_photos import find_embedded_video
from library.media.tiff_directories import block_fits
from library.models import DateSource

import factories
from format_factories import jxl_codestream

pytestmark = [pytest.mark.outside_database]

MEGABYTE = 1024 * 1024
# Linear work on these inputs takes milliseconds; what this file guards against takes minutes.
# Counted in CPU seconds of the test's thread, so that a busy machine does not make them longer.
BOUNDED_SECONDS = 1.0


def timed(work):
    """What `work()` returns, and the CPU seconds it took."""
    started = time.thread_time()
    result = work()
    return result, time.thread_time() - started


def repeated(piece: bytes, size=MEGABYTE) -> bytes:
    return piece * (size // len(piece))


# -- XMP ----------------------------------------------------------------------------------------
HOSTILE_XMP = {
    "open items": repeated(b"<Container:Item "),
    "open items without a space": repeated(b"<Container:Item"),
    "one item, open attributes": b"<Container:Item " + repeated(b'Item:Mime="'),
    "one item, attributes without quotes": b"<Container:Item " + repeated(b"Item:Length=1 "),
    "closed items": repeated(b'<Container:Item Item:Mime="image/jpeg" Item:Length="5"/>'),
    "micro video offset, then blanks": b'MicroVideo="1" MicroVideoOffset="' + repeated(b" "),
    "micro video offsets": repeated(b'MicroVideoOffset="  '),
    "tag openers": repeated(b"<"),
    "a length of a million digits": b'<Container:Item Item:Mime="video/mp4" Item:Length="' + repeated(b"9") + b'"/>',
}


@pytest.fixture
def still(tmp_path):
    path = factories.make_jpeg(tmp_path / "still.jpg", 64, 48)
    with open(path, "rb") as opened:
        yield opened


@pytest.mark.parametrize("xmp", HOSTILE_XMP.values(), ids=HOSTILE_XMP.keys())
@pytest.mark.parametrize("format_name", ["jpeg", "heic"])
def test_hostile_xmp_is_read_in_bounded_time(still, xmp, format_name):
    # given a megabyte of XMP built to make a pattern backtrack / when
    found, seconds = timed(lambda: find_embedded_video(still, format_name, xmp))
    # then
    assert found is None
    assert seconds < BOUNDED_SECONDS


def test_a_motion_photo_with_a_huge_packet_is_still_found(tmp_path):
    # given a real motion photo whose XMP packet goes on for a megabyte after its directory
    clip = factories.make_video(tmp_path / "clip.mp4", seconds=0.5)
    photo = factories.make_google_motion_photo(tmp_path / "PXL.MP.jpg", clip)
    xmp = factories.google_motion_xmp(clip.stat().st_size) + repeated(b"<Container:Item ")
    # when
    with open(photo, "rb") as still:
        found, seconds = timed(lambda: find_embedded_video(still, "jpeg", xmp))
    # then
    assert photo.read_bytes()[found.offset:found.offset + found.length] == clip.read_bytes()
    assert seconds < BOUNDED_SECONDS


# -- ISO-BMFF boxes of a HEIC ---------------------------------------------------------------------
def box(kind: bytes, body=b"", size=None) -> bytes:
    return struct.pack(">I4s", 8 + len(body) if size is None else size, kind) + body


def nested(depth: int) -> bytes:
    """`depth` boxes, each holding the next, around an `mpvd` box deep inside (not a top-level one)."""
    inner = box(b"mpvd", b"\x00" * 8)
    headers = [struct.pack(">I4s", len(inner) + 8 * level, b"meta") for level in range(depth, 0, -1)]
    return b"".join(headers) + inner


HOSTILE_BOXES = {
    "a zero-size box (to the end)": box(b"ftyp", b"heic") + box(b"free", size=0) + b"\x00" * MEGABYTE,
    "a box claiming less than its header": box(b"ftyp", b"heic") + box(b"free", size=3) + b"\x00" * 64,
    "a box claiming a 64-bit size past the end": box(b"ftyp", b"heic") + box(b"free", size=1) + struct.pack(">Q", 2**63),
    "a million empty boxes": box(b"ftyp", b"heic") + repeated(box(b"free")),
    "a box pointing at itself": box(b"ftyp", b"heic") + box(b"free", size=1) + struct.pack(">Q", 0),
    "ten thousand nested boxes": box(b"ftyp", b"heic") + nested(10_000),
}


@pytest.mark.parametrize("data", HOSTILE_BOXES.values(), ids=HOSTILE_BOXES.keys())
def test_hostile_heic_boxes_are_walked_in_bounded_time(tmp_path, data):
    # given
    path = tmp_path / "boxes.heic"
    path.write_bytes(data)
    # when
    with open(path, "rb") as opened:
        found, seconds = timed(lambda: find_embedded_video(opened, "heic", None))
    # then no video is believed, and the walk stopped early
    assert found is None
    assert seconds < BOUNDED_SECONDS


# -- JPEG XL boxes --------------------------------------------------------------------------------
def jxl_container(*boxes: bytes) -> bytes:
    return CONTAINER_SIGNATURE + box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ") + b"".join(boxes)


@pytest.mark.parametrize("before_the_codestream", [b"", box(b"free") * (JXL_BOX_LIMIT - 3), nested(10_000)],
                         ids=["nothing", "boxes up to the limit", "ten thousand nested boxes"])
def test_a_jxl_container_is_read_past_a_few_boxes(before_the_codestream):
    # given a real container whose codestream follows other boxes
    data = jxl_container(before_the_codestream, box(b"jxlc", jxl_codestream(640, 480, 6)))
    # when
    header, seconds = timed(lambda: read_jxl_header(BytesIO(data)))
    # then
    assert (header.width, header.height, header.orientation) == (640, 480, 6)
    assert seconds < BOUNDED_SECONDS


def test_a_jxl_codestream_split_into_tiny_parts_is_joined_without_reading_into_the_next_box():
    # given the codestream's first bytes in 2-byte jxlp parts (each after its 4-byte counter)
    codestream = jxl_codestream(640, 480, 6)
    parts = [box(b"jxlp", struct.pack(">I", index) + codestream[start:start + 2])
             for index, start in enumerate(range(0, len(codestream), 2))]
    # when
    header = read_jxl_header(BytesIO(jxl_container(*parts)))
    # then
    assert (header.width, header.height, header.orientation) == (640, 480, 6)


def test_a_jxl_container_of_a_million_boxes_is_refused_in_bounded_time():
    # given a codestream only after more boxes than a real container has
    data = jxl_container(repeated(box(b"free"), 8 * MEGABYTE), box(b"jxlc", jxl_codestream(64, 48, 1)))
    # when / then
    started = time.thread_time()
    with pytest.raises(JxlHeaderError, match="no JPEG XL codestream"):
        read_jxl_header(BytesIO(data))
    assert time.thread_time() - started < BOUNDED_SECONDS


# -- EXIF, TIFF tags and maker notes ----------------------------------------------------------------
def overlapping_ifd(total=MEGABYTE, entries=0xFFFF, kind=7) -> bytes:
    """A TIFF structure of `total` bytes whose IFD0 has `entries` entries, every one claiming all
    the bytes after the header: Pillow reads the block once per entry."""
    table = b"".join(struct.pack(">HHII", 0x100 + index % 0xF000, kind, total - 8, 8) for index in range(entries))
    head = b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", entries) + table + b"\x00" * 4
    return head + b"\x00" * (total - len(head))


def exif_pointing_at(sub_ifd: bytes) -> bytes:
    """A TIFF structure whose IFD0 holds only the pointer to an EXIF IFD that is `sub_ifd` (an
    overlapping_ifd, moved to start at 26)."""
    head = b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 1) + struct.pack(">HHII", 0x8769, 4, 1, 26) + b"\x00" * 4
    return head + sub_ifd[8:]


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
@pytest.mark.parametrize("where", ["IFD0", "EXIF IFD"])
def test_an_exif_block_of_overlapping_entries_is_ignored_at_once(tmp_path, fmt, where):
    # given a still whose megabyte of EXIF repeats one claim 65,535 times (Pillow: 64 GB)
    exif = overlapping_ifd() if where == "IFD0" else exif_pointing_at(overlapping_ifd())
    path = tmp_path / f"still.{fmt.lower()}"
    Image.new("RGB", (64, 48), "red").save(path, fmt, exif=exif)
    file_format = detection.detect_format(path.read_bytes()[:detection.HEAD_BYTES], path.name, path)
    # when
    found, seconds = timed(lambda: read_metadata(path, file_format, "IMG_20240102_030405.png"))
    # then the picture is imported as a picture, with no EXIF facts
    assert (found.width, found.height, found.camera_make) == (64, 48, "")
    assert found.taken_at_source == DateSource.FILENAME
    assert seconds < BOUNDED_SECONDS


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


PNG_LATE_EXIF = {
    "an eXIf chunk after the pixels": lambda block: png_chunk(b"eXIf", block),
    "ImageMagick's hex profile": lambda block: png_chunk(
        b"tEXt", b"Raw profile type exif\x00\nexif\n%8d\n" % len(block) + block.hex().encode()),
}


@pytest.mark.parametrize("chunk", PNG_LATE_EXIF.values(), ids=PNG_LATE_EXIF.keys())
def test_a_png_exif_where_pillow_finds_it_late_is_checked_too(tmp_path, chunk):
    # given a PNG whose EXIF (400 KB of overlapping entries) is where Pillow looks only on demand
    picture = BytesIO()
    Image.new("RGB", (64, 48), "red").save(picture, "PNG")
    data = picture.getvalue()
    path = tmp_path / "IMG_20240102_030405.png"
    path.write_bytes(data[:-12] + chunk(overlapping_ifd(total=400_000, entries=30_000)) + data[-12:])
    # when
    found, seconds = timed(lambda: read_metadata(path, detection.PNG, path.name))
    # then
    assert (found.width, found.height, found.taken_at_source) == (64, 48, DateSource.FILENAME)
    assert seconds < BOUNDED_SECONDS


def jpeg_with_segments(*segments: tuple[int, bytes], junk=b"") -> bytes:
    """A real JPEG without its JFIF segment (so Pillow looks in the EXIF for a resolution), with
    `segments` (marker, body) after its start, each preceded by `junk`."""
    picture = BytesIO()
    Image.new("RGB", (64, 48), "red").save(picture, "JPEG")
    data = picture.getvalue()
    rest = data[4 + int.from_bytes(data[4:6], "big"):] if data[2:4] == b"\xff\xe0" else data[2:]
    added = b"".join(junk + struct.pack(">HH", marker, len(body) + 2) + body for marker, body in segments)
    return data[:2] + added + rest


def exif_segments(block: bytes) -> list[tuple[int, bytes]]:
    """`block` as APP1 EXIF segments, cut where a segment is full (Pillow joins them again)."""
    step = 65_000
    return [(0xFFE1, b"Exif\x00\x00" + block[start:start + step]) for start in range(0, len(block), step)]


HOSTILE_JPEGS = {
    "a megabyte of EXIF over 17 segments": lambda: jpeg_with_segments(*exif_segments(overlapping_ifd())),
    "the same, behind junk between segments": lambda: jpeg_with_segments(*exif_segments(overlapping_ifd()),
                                                                         junk=b"\x00junk\xff\xff"),
    "an MP index of overlapping entries": lambda: jpeg_with_segments(
        (0xFFE2, b"MPF\x00" + overlapping_ifd(total=65_000, entries=5_000))),
}


@pytest.mark.parametrize("build", HOSTILE_JPEGS.values(), ids=HOSTILE_JPEGS.keys())
def test_a_jpeg_whose_exif_overlaps_is_refused_before_pillow_opens_it(tmp_path, build):
    # given a JPEG that Pillow, opening it, would read 64 GB of (its EXIF) or 300 MB (its MP index)
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(build())
    # when / then
    started = time.thread_time()
    with pytest.raises(CorruptFileError, match="EXIF claims far more data"):
        read_metadata(path, detection.JPEG, path.name)
    assert time.thread_time() - started < BOUNDED_SECONDS


def test_a_jpeg_whose_exif_spans_segments_honestly_is_read(tmp_path):
    # given a camera's EXIF cut over two segments, behind a JFIF-less start
    block = factories.exif_bytes(make="Canon", model="EOS R5").removeprefix(b"Exif\x00\x00")
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(jpeg_with_segments((0xFFE1, b"Exif\x00\x00" + block[:20]), (0xFFE1, b"Exif\x00\x00" + block[20:])))
    # when / then
    assert read_metadata(path, detection.JPEG, path.name).camera_model == "EOS R5"


def test_a_tiff_whose_tags_overlap_is_refused_at_once(tmp_path):
    # given a TIFF file (its own tags are TIFF structure) of 8 MB whose IFD0 repeats one claim
    path = tmp_path / "scan.tif"
    path.write_bytes(overlapping_ifd(total=8 * MEGABYTE, kind=1))
    # when / then a per-file error, said at once
    started = time.thread_time()
    with pytest.raises(CorruptFileError, match="claim far more data"):
        read_metadata(path, detection.TIFF, path.name)
    assert time.thread_time() - started < BOUNDED_SECONDS


def test_a_raw_whose_exif_overlaps_gets_libraws_facts_only(tmp_path):
    # given the head of a raw (4 MB are read for its EXIF) with overlapping entries
    path = tmp_path / "x.dng"
    path.write_bytes(overlapping_ifd(total=raw_metadata.EXIF_SCAN_BYTES))
    # when
    exif, seconds = timed(lambda: raw_metadata.raw_exif(path))
    # then
    assert len(exif) == 0
    assert seconds < BOUNDED_SECONDS


@pytest.mark.parametrize("block", [factories.exif_bytes(taken=factories.a_date(), make="Canon", model="EOS R5"),
                                   exif_pointing_at(overlapping_ifd(total=4096, entries=2, kind=2))],
                         ids=["a camera's", "two entries sharing one string"])
def test_honest_exif_is_read(block):
    assert block_fits(block)


# -- ffmpeg's summary of a video's atoms ------------------------------------------------------------
HOSTILE_SUMMARIES = {
    "a tag reading `Stream #` then a megabyte": "    title           : Stream #" + "a" * MEGABYTE,
    "a stream line without its size": "  Stream #0:0: Video: " + "a" * MEGABYTE,
    "a date of blanks": "    creation_time   : x" + " " * MEGABYTE + "y",
    "a million blank lines": " \n" * MEGABYTE,
    "rotations of blanks": ("rotate" + " " * 1000) * 1000,
    "durations": "Duration: " * (MEGABYTE // 10),
    "sizes": "  Stream #0:0: Video: h264, yuv420p" + ", 1x" * (MEGABYTE // 4),
}


@pytest.mark.parametrize("text", HOSTILE_SUMMARIES.values(), ids=HOSTILE_SUMMARIES.keys())
def test_a_hostile_ffmpeg_summary_is_parsed_in_bounded_time(text):
    _, seconds = timed(lambda: video_metadata.summary_facts("Input #0, mov\n" + text))
    assert seconds < BOUNDED_SECONDS


def test_video_metadata_past_the_output_limit_is_a_clean_error(tmp_path, monkeypatch):
    # given a real video, and a limit below what ffprobe prints for it
    path = factories.make_video(tmp_path / "clip.mp4", seconds=0.5)
    monkeypatch.setattr(video_metadata, "PROBE_OUTPUT_LIMIT", 1024)
    # when / then
    with pytest.raises(CorruptFileError, match="metadata runs past 1 KB"):
        video_metadata.read(path)
