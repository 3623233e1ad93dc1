"""What a file really is, read from its content: the extension is only a tie-breaker (between
raw formats that all look like TIFF) and never trusted on its own.

First bytes decide almost everything, at no cost. LibRaw (libraw_header) is asked only where they
cannot: a TIFF-like container (a DNG, NEF or ARW, or a plain TIFF?), a maker's own raw signature
(confirmed, so a truncated header is refused here rather than later), and binary content no
signature knows (LibRaw knows some raws by their layout alone). A JPEG, PNG or video never pays
for it."""
from dataclasses import dataclass, replace
from pathlib import Path, PurePath

from django.db.models import TextChoices

from .errors import UnsupportedFileError
from .jxl_header import CODESTREAM_SIGNATURE, CONTAINER_SIGNATURE, JXL_EXTENSION
from .libraw_header import RawHeader, read_raw_header
from .raw_families import MAKER_EXTENSIONS, MAKER_SIGNATURES, RAW_MIME_TYPES, TIFF_BASED_RAW

HEAD_BYTES = 4096


class MediaKind(TextChoices):
    PHOTO = "photo", "Photo"
    VIDEO = "video", "Video"


@dataclass(frozen=True)
class FileFormat:
    kind: str
    name: str
    mime_type: str
    extension: str
    is_raw: bool = False


def _photo(name, mime, extension=None):
    return FileFormat(MediaKind.PHOTO, name, mime, extension or name)


def _raw(name, mime):
    return FileFormat(MediaKind.PHOTO, name, mime, name, is_raw=True)


def _video(name, mime, extension=None):
    return FileFormat(MediaKind.VIDEO, name, mime, extension or name)


JPEG = _photo("jpeg", "image/jpeg", "jpg")
PNG = _photo("png", "image/png")
GIF = _photo("gif", "image/gif")
WEBP = _photo("webp", "image/webp")
TIFF = _photo("tiff", "image/tiff", "tif")
HEIC = _photo("heic", "image/heic")
HEIF = _photo("heif", "image/heif")
AVIF = _photo("avif", "image/avif")
JXL = _photo(JXL_EXTENSION, "image/jxl")
MP4 = _video("mp4", "video/mp4")
MOV = _video("mov", "video/quicktime")
M4V = _video("m4v", "video/x-m4v")
THREE_GP = _video("3gp", "video/3gpp")
MKV = _video("mkv", "video/x-matroska")
WEBM = _video("webm", "video/webm")
AVI = _video("avi", "video/x-msvideo")
MTS = _video("mts", "video/mp2t")

RAW_FORMATS = {name: _raw(name, mime) for name, mime in RAW_MIME_TYPES.items()}
CR3 = RAW_FORMATS["cr3"]
TIFF_SIGNATURES = (b"II*\x00", b"MM\x00*")
JXL_SIGNATURES = (CODESTREAM_SIGNATURE, CONTAINER_SIGNATURE)

HEIF_BRANDS = {b"heic": HEIC, b"heix": HEIC, b"heim": HEIC, b"heis": HEIC, b"hevc": HEIC, b"hevx": HEIC,
               b"mif1": HEIF, b"msf1": HEIF, b"avif": AVIF, b"avis": AVIF}
VIDEO_BRANDS = {b"qt  ": MOV, b"M4V ": M4V, b"M4VH": M4V, b"M4VP": M4V, b"3gp4": THREE_GP, b"3gp5": THREE_GP,
                b"3gp6": THREE_GP, b"3g2a": THREE_GP, b"crx ": CR3}
QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
TS_PACKET = 188
UNRECOGNISED_BINARY = "unrecognised binary content"


def detect_format(head: bytes, original_name: str, path: Path) -> FileFormat:
    """Raises UnsupportedFileError, naming what the content looks like, when it is not ours.

    `head` is the file's first HEAD_BYTES; `path` the whole file, for LibRaw to judge."""
    extension = PurePath(original_name).suffix.lower().lstrip(".")
    for signature, family, others in MAKER_SIGNATURES:
        if head.startswith(signature):
            return _confirmed_raw(path, extension if extension in others else family)
    if head[:4] in TIFF_SIGNATURES:
        header = read_raw_header(path)
        if header is None:  # read as the TIFF it is, under the raw extension its owner gave it
            return replace(TIFF, extension=extension) if extension in RAW_FORMATS else TIFF
        return RAW_FORMATS[_tiff_raw_name(head, extension, header)]
    detected = _from_signature(head, extension)
    if detected is None:
        header = read_raw_header(path) if _unknown_binary(head) else None
        if header is None:
            raise UnsupportedFileError(f"not a supported photo or video ({describe_unknown(head)})")
        detected = RAW_FORMATS[extension if extension in RAW_FORMATS else _maker_raw_name(header)]
    return detected


def _confirmed_raw(path, name) -> FileFormat:
    if read_raw_header(path) is None:
        raise UnsupportedFileError(f"starts like a {name.upper()} raw file, but LibRaw cannot read it")
    return RAW_FORMATS[name]


def _tiff_raw_name(head, extension, header: RawHeader) -> str:
    if head[8:10] == b"CR":
        return "cr2"
    if extension in TIFF_BASED_RAW:
        return extension
    return "dng" if header.is_dng else _maker_raw_name(header)


def _maker_raw_name(header: RawHeader) -> str:
    maker = (header.normalized_make or header.make).strip().lower()
    return MAKER_EXTENSIONS.get(maker, "dng" if header.is_dng else "raw")


def _unknown_binary(head) -> bool:
    return describe_unknown(head) == UNRECOGNISED_BINARY


def _from_signature(head, extension):
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return AVI
    if head.startswith(JXL_SIGNATURES):
        return JXL
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return WEBM if b"webm" in head[:64] else MKV
    if head[4:8] == b"ftyp":
        return _from_iso_brands(head, extension)
    if head[4:8] in QUICKTIME_ATOMS:
        return MOV
    if _is_transport_stream(head):
        return MTS
    return None


def _from_iso_brands(head, extension):
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    compatible = [head[i:i + 4] for i in range(16, min(box_size, len(head)), 4)]
    for brand in (major, *compatible):
        if brand in HEIF_BRANDS:
            return HEIF_BRANDS[brand]
        if brand in VIDEO_BRANDS:
            return VIDEO_BRANDS[brand]
    return {"mov": MOV, "m4v": M4V, "3gp": THREE_GP}.get(extension, MP4)


def _is_transport_stream(head):
    """MPEG-TS (188-byte packets) or AVCHD's M2TS (192: a 4-byte timestamp first)."""
    for packet, offset in ((TS_PACKET, 0), (TS_PACKET + 4, 4)):
        positions = range(offset, min(len(head), packet * 4), packet)
        if len(positions) >= 3 and all(head[p] == 0x47 for p in positions):
            return True
    return False


def describe_unknown(head):
    stripped = head[:512].lstrip()
    if not stripped:
        return "content is blank"
    if stripped[:5].lower() in (b"<!doc", b"<html") or stripped[:1] == b"<":
        return "content looks like HTML or XML"
    if stripped[:4] == b"%PDF":
        return "content is a PDF document"
    if stripped[:2] == b"PK":
        return "content is a ZIP archive"
    try:
        stripped.decode("utf-8")
    except UnicodeDecodeError:
        return UNRECOGNISED_BINARY
    return "content looks like text"
