"""A corpus of hostile files, built by the tests themselves: disguised, polyglot, truncated,
bit-flipped, bomb-like, and absurd-EXIF files, plus hostile names and filesystem tricks.

Each content case says what the import must do with it: import it correctly (a damaged but
readable photo is still somebody's photo) or fail it with a clear per-file error."""
import struct
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image

from factories import a_date, ffmpeg_exe, make_heic, make_jpeg, make_png, make_png_bomb, make_video

IMPORTED = "imported"
FAILED = "failed"


@dataclass(frozen=True)
class HostileCase:
    id: str
    file_name: str
    build: Callable[[Path], object]
    expect: str
    error: str = ""  # a piece of the per-file error a person would read

    def make(self, folder: Path) -> Path:
        path = folder / self.file_name
        self.build(path)
        return path


# -- builders -------------------------------------------------------------------------------
def write(data: bytes):
    return lambda path: path.write_bytes(data)


def jpeg_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (160, 120), (200, 30, 30)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()


def appended(base: Callable[[], bytes], tail: bytes):
    return lambda path: path.write_bytes(base() + tail)


def damaged(make: Callable[[Path], object], keep=None, flip_at=None):
    """Make a real file, then cut it to `keep` of its length or flip one byte at `flip_at`."""
    def build(path):
        make(path)
        data = bytearray(path.read_bytes())
        if keep is not None:
            data = data[: max(1, int(len(data) * keep))]
        if flip_at is not None:
            data[int(len(data) * flip_at)] ^= 0xFF
        path.write_bytes(bytes(data))
    return build


def jpeg_claiming_size(width, height):
    """A real JPEG whose frame header (SOF0) claims another size: a decompression bomb."""
    def build(path):
        data = bytearray(jpeg_bytes())
        sof = data.index(b"\xff\xc0")
        data[sof + 5: sof + 9] = struct.pack(">HH", height, width)
        path.write_bytes(bytes(data))
    return build


def jpeg_with_exif(entries: dict, sub_ifd: dict | None = None):
    def build(path):
        exif = Image.Exif()
        for tag, value in entries.items():
            exif[tag] = value
        if sub_ifd:
            exif[0x8769] = sub_ifd
        Image.new("RGB", (64, 48), (0, 90, 0)).save(path, "JPEG", exif=exif.tobytes())
    return build


def jpeg_with_raw_exif(tiff: bytes):
    def build(path):
        Image.new("RGB", (64, 48), (0, 0, 90)).save(path, "JPEG", exif=b"Exif\x00\x00" + tiff)
    return build


def looping_ifd_tiff() -> bytes:
    """IFD0 whose 'next IFD' points back at itself, with one entry that says 4 billion values."""
    entry_make = struct.pack("<HHI4s", 0x010F, 2, 4, b"abc\x00")
    entry_huge = struct.pack("<HHII", 0x0110, 2, 0xFFFFFFFF, 8)
    return b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 2) + entry_make + entry_huge + struct.pack("<I", 8)


def gif_js_polyglot(path):
    """A GIF whose header is also JavaScript (`GIF89a/*…*/=alert(1)`): the classic CSP bypass."""
    header = b"GIF89a" + b"/*" + struct.pack("<H", 10) + b"\x00\x00\x00"
    image = b"\x2c" + struct.pack("<HHHH", 0, 0, 1, 1) + b"\x00" + b"\x02\x02\x44\x01\x00"
    path.write_bytes(header + image + b"\x3b" + b"*/=alert(1);//")


def png_zero_size(path):
    make_png_bomb(path, width=0, height=0)


def mp4_without_moov(path):
    """A whole MP4 with its index box (moov) cut out: frames, but nothing says where they are."""
    make_video(path, seconds=0.5, width=160, height=120, extra_output_args=("-movflags", "+faststart"))
    data = path.read_bytes()
    start = data.index(b"moov") - 4
    size = int.from_bytes(data[start: start + 4], "big")
    path.write_bytes(data[:start] + data[start + size:])


def small_video(path):
    make_video(path, seconds=0.5, width=160, height=120)


# -- hostile metadata (issue 22: a quadratic XMP pattern stopped the whole site) -------------
# The most XMP one JPEG segment carries (64 KB less the segment's header and XMP's namespace).
JPEG_XMP_LIMIT = 65_504


def repeated_item_openers(size: int) -> bytes:
    """`size` bytes of `<Container:Item ` that never close: quadratic for a lazy `.*?` pattern."""
    return b"<Container:Item " * (size // 16)


def still_with_xmp(path, xmp: bytes, fmt="JPEG"):
    """A small still whose XMP packet is `xmp`: a JPEG holds at most JPEG_XMP_LIMIT of it, a HEIC
    (a metadata item) any amount."""
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    Image.new("RGB", (160, 120), (30, 120, 200)).save(path, fmt, xmp=xmp)
    return path


def video_claiming_hours(path, frames=4, hours_apart=1):
    """An MKV of `frames` frames an hour apart whose track says 20 frames a second: a few KB
    that claims 3 hours. A constant frame rate fills those hours with 216,000 copies."""
    scratch = path.with_name(path.stem + ".scratch.mkv")
    make_video(scratch, seconds=frames / 20, fps=20, width=160, height=120, extra_output_args=("-frames:v", str(frames)))
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(scratch), "-c", "copy",
                    "-bsf:v", f"setts=ts=N*{hours_apart * 3600}/TB", str(path)], check=True, timeout=60)
    scratch.unlink()
    return path


def mp4_box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def large_embedded_clip(path, megabytes=50):
    """An MP4 as a motion photo carries it, made large: a real clip (the import keeps only a
    motion ffmpeg can read), then a `free` box of zeros up to `megabytes`."""
    make_video(path, seconds=0.5, width=160, height=120)
    with open(path, "ab") as clip:
        clip.write(mp4_box(b"free", bytes(megabytes * 1024 * 1024 - path.stat().st_size - 8)))
    return path


# -- the corpus -----------------------------------------------------------------------------
LONG_TEXT = "x" * 60_000

CONTENT_CASES = [
    HostileCase("zero-bytes", "empty.jpg", write(b""), FAILED, "empty"),
    HostileCase("text-as-jpeg", "notes.jpg", write(b"Dear diary, this is not a photo.\n" * 20), FAILED, "text"),
    HostileCase("html-as-png", "page.png", write(b"<!DOCTYPE html><html><script>alert(1)</script></html>"), FAILED, "HTML"),
    HostileCase("svg-as-jpeg", "vector.jpg",
                write(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), FAILED, "HTML or XML"),
    HostileCase("playlist-as-mp4", "stream.mp4",
                write(b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\nfile:///etc/passwd\n"), FAILED, "not a supported"),
    HostileCase("zip-as-jpeg", "archive.jpg", lambda path: path.write_bytes(zip_bytes()), FAILED, "ZIP"),
    HostileCase("jpeg+zip-polyglot", "polyglot.jpg", appended(jpeg_bytes, zip_bytes()), IMPORTED),
    HostileCase("jpeg+html-polyglot", "polyglot2.jpg", appended(jpeg_bytes, b"<html><script>alert(1)</script>"), IMPORTED),
    HostileCase("gif+js-polyglot", "polyglot.gif", gif_js_polyglot, IMPORTED),
    HostileCase("jpeg-truncated-half", "half.jpg", damaged(lambda p: make_jpeg(p, taken=a_date()), keep=0.5), IMPORTED),
    HostileCase("jpeg-header-only", "stub.jpg", damaged(lambda p: make_jpeg(p), keep=0.01), FAILED, "cannot read"),
    HostileCase("jpeg-bit-flipped", "flipped.jpg", damaged(lambda p: make_jpeg(p), flip_at=0.6), IMPORTED),
    HostileCase("png-truncated", "half.png", damaged(lambda p: make_png(p), keep=0.5), FAILED, "truncated"),
    HostileCase("png-header-flipped", "flipped.png", damaged(lambda p: make_png(p), flip_at=0.2), FAILED, "cannot read"),
    HostileCase("heic-truncated", "half.heic", damaged(lambda p: make_heic(p), keep=0.5), FAILED, "cannot read"),
    HostileCase("heic-bit-flipped", "flipped.heic", damaged(lambda p: make_heic(p), flip_at=0.05), FAILED, "cannot read"),
    HostileCase("mp4-truncated", "half.mp4", damaged(small_video, keep=0.5), FAILED, "not a readable video"),
    HostileCase("mp4-without-index", "noindex.mp4", mp4_without_moov, FAILED, "not a readable video"),
    HostileCase("mp4-bit-flipped-header", "flipped.mp4", damaged(small_video, flip_at=0.0005), FAILED, "not a supported"),
    HostileCase("mp4-bit-flipped-frames", "flipped2.mp4", damaged(small_video, flip_at=0.5), IMPORTED),
    HostileCase("png-bomb", "bomb.png", make_png_bomb, FAILED, "megapixels"),
    HostileCase("jpeg-bomb", "bomb.jpg", jpeg_claiming_size(65_000, 65_000), FAILED, "megapixels"),
    HostileCase("png-zero-size", "zero.png", png_zero_size, FAILED, "cannot read"),
    HostileCase("exif-year-0", "year0.jpg", jpeg_with_exif({}, {0x9003: "0000:00:00 00:00:00"}), IMPORTED),
    HostileCase("exif-year-9999", "year9999.jpg", jpeg_with_exif({0x0132: "9999:12:31 23:59:59"}), IMPORTED),
    HostileCase("exif-nonsense", "nonsense.jpg",
                jpeg_with_exif({0x0112: 99, 0x010F: LONG_TEXT, 0x0110: "\x1b[31mred\x00"},
                               {0x9003: "2024:13:45 99:99:99", 0x9011: "+99:99", 0xA002: -5, 0xA003: 2**31}), IMPORTED),
    HostileCase("exif-looping-ifd", "loop.jpg", jpeg_with_raw_exif(looping_ifd_tiff()), IMPORTED),
]


# -- hostile names on disk (for the CLI: real files, bytes names) ---------------------------
HOSTILE_NAMES = [
    b"-rf --help.jpg",
    b"control\x01\x07\x1b[31mchars\x7f.jpg",
    b"new\nline.jpg",
    b"not utf-8 \xff\xfe\xc3(.jpg",
    b"%s%n{0}$(reboot).jpg",
    b"dots..in..the..name...jpg",
    b"y" * 251 + b".jpg",
    "emoji 📷 ünïcödé.jpg".encode(),
]

# Names as a browser could send them in an upload (never valid on disk). A name too long for a
# multipart header (Django's parser stops at 1 KiB of part headers) is refused with the request.
OVERLONG_UPLOAD_NAME = "a" * 5000 + ".jpg"
HOSTILE_UPLOAD_NAMES = [
    "../../../../etc/passwd.jpg",
    "/etc/cron.d/evil.jpg",
    "C:\\Windows\\System32\\evil.jpg",
    "..\\..\\evil.jpg",
    "nul\x00byte.jpg",
    "a" * 900 + ".jpg",
    ".hidden.jpg",
    "",
]
