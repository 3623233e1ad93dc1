"""Raw and JPEG XL files made in the test itself.

A DNG (what LibRaw reads like any maker's raw) with a Bayer mosaic, an optional embedded JPEG
preview, an orientation, and EXIF (make, model, date); a JPEG XL encoded by pillow-jxl with
EXIF, like factories.make_jpeg.

Written by hand, a page of TIFF, so nothing beyond Pillow and numpy is needed: tifffile would
want imagecodecs just to store an already-encoded JPEG preview. The layout is what cameras
write: IFD0 is the preview (NewSubfileType 1) and carries the camera's tags, the raw mosaic is
a SubIFD (NewSubfileType 0), the dates are in the EXIF IFD."""
import io
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pillow_jxl  # noqa: F401 - registers the JPEG XL plugin with Pillow
from PIL import Image

import factories

ASCII, SHORT, LONG, RATIONAL, SRATIONAL, BYTE = 2, 3, 4, 5, 10, 1
_TYPE_FORMATS = {BYTE: "B", ASCII: "B", SHORT: "H", LONG: "I", RATIONAL: "II", SRATIONAL: "ii"}
WHITE_LEVEL = 4095
IDENTITY_MATRIX = (1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1)


def make_dng(path: Path, width=600, height=400, *, preview_size=(600, 400), preview=None, orientation=1,
             make="Photosite", model="DNG Factory", taken="2023:04:05 06:07:08", seed=0, gps=None,
             exif=None) -> Path:
    """A DNG of `width`×`height` sensor pixels (even numbers) with a JPEG preview of `preview_size`
    (None for no preview), or the picture `preview`; a made preview has a red top left quarter,
    as the mosaic has, both as stored (before the orientation turns them). `gps`: a GPS IFD's
    entries as {tag: (TIFF type, values)}; `exif`: more EXIF entries, the same way."""
    mosaic = bayer_mosaic(width, height, seed)
    if preview is not None:
        preview_size = preview.size
        preview = jpeg_of(preview)
    elif preview_size:
        preview = marked_preview_jpeg(*preview_size)
    path.write_bytes(dng_bytes((width, height), mosaic, preview, preview_size, orientation, make, model, taken, gps,
                               exif))
    return path


def bayer_mosaic(width, height, seed=0) -> bytes:
    """RGGB sensor values: a red top left quarter on a grey scene with a little noise."""
    values = np.full((height, width), 1200, dtype=np.uint16)
    values[: height // 2 : 2, : width // 2 : 2] = WHITE_LEVEL  # red sites of the top left quarter
    values[: height // 2, : width // 2][1::2, 1::2] = 100  # its blue sites
    values[: height // 2, : width // 2][0::2, 1::2] = 100  # and green
    values[: height // 2, : width // 2][1::2, 0::2] = 100
    noise = np.random.default_rng(seed).integers(0, 60, (height, width), dtype=np.uint16)
    return (values + noise).clip(0, WHITE_LEVEL).astype("<u2").tobytes()


def marked_preview_jpeg(width, height) -> bytes:
    image = Image.new("RGB", (width, height), (128, 128, 128))
    image.paste((220, 20, 20), (0, 0, width // 2, height // 2))
    return jpeg_of(image)


def jpeg_of(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def dng_bytes(size, mosaic, preview, preview_size, orientation, make, model, taken, gps=None, exif=None) -> bytes:
    width, height = size
    raw_ifd = {
        254: (LONG, [0]), 258: (SHORT, [16]), 259: (SHORT, [1]), 262: (SHORT, [32803]),
        277: (SHORT, [1]), 284: (SHORT, [1]), 33421: (SHORT, [2, 2]), 33422: (BYTE, [0, 1, 1, 2]),
        50714: (LONG, [0]), 50717: (LONG, [WHITE_LEVEL]),
    }
    raw_ifd.update({256: (LONG, [width]), 257: (LONG, [height]), 278: (LONG, [height])})
    exif_ifd = {36867: (ASCII, taken), 36868: (ASCII, taken), **(exif or {})}
    main = {
        254: (LONG, [1]), 271: (ASCII, make), 272: (ASCII, model), 274: (SHORT, [orientation]),
        306: (ASCII, taken), 50706: (BYTE, [1, 4, 0, 0]), 50708: (ASCII, f"{make} {model}"),
        50721: (SRATIONAL, list(IDENTITY_MATRIX)), 50778: (SHORT, [21]),
    }
    if preview:
        main.update({256: (LONG, [preview_size[0]]), 257: (LONG, [preview_size[1]]), 258: (SHORT, [8, 8, 8]),
                     259: (SHORT, [7]), 262: (SHORT, [6]), 277: (SHORT, [3]), 278: (LONG, [preview_size[1]])})
    if gps:
        return _tiff([main, raw_ifd, exif_ifd, gps], strips={0: preview, 1: mosaic},
                     links={0: {330: 1, 34665: 2, 34853: 3}})
    return _tiff([main, raw_ifd, exif_ifd], strips={0: preview, 1: mosaic}, links={0: {330: 1, 34665: 2}})


def _tiff(ifds, strips, links) -> bytes:
    """Little-endian TIFF: the IFDs first, then their out-of-line values, then the strips.
    `strips[i]` is IFD i's single strip; `links[i][tag] = j` makes tag point at IFD j."""
    for index, pointers in links.items():
        for tag in pointers:
            ifds[index][tag] = (LONG, [0])
    for index, data in strips.items():
        if data:
            ifds[index][273], ifds[index][279] = (LONG, [0]), (LONG, [len(data)])
    ifd_offsets, position = [], 8
    for ifd in ifds:
        ifd_offsets.append(position)
        position += 2 + 12 * len(ifd) + 4
    for index, pointers in links.items():
        for tag, target in pointers.items():
            ifds[index][tag] = (LONG, [ifd_offsets[target]])
    values_start = position
    packed = {(i, tag): _pack(*ifds[i][tag]) for i, ifd in enumerate(ifds) for tag in ifd}
    strip_start = values_start + sum(len(v) + len(v) % 2 for v in packed.values() if len(v) > 4)
    for index, data in strips.items():
        if data:
            ifds[index][273] = (LONG, [strip_start])
            packed[(index, 273)] = _pack(LONG, [strip_start])
            strip_start += len(data) + len(data) % 2
    out, values = bytearray(b"II*\x00" + struct.pack("<I", 8)), bytearray()
    for i, ifd in enumerate(ifds):
        out += struct.pack("<H", len(ifd))
        for tag in sorted(ifd):
            kind, value = ifd[tag]
            data = packed[(i, tag)]
            count = len(value) + 1 if kind == ASCII else len(value) // (2 if kind in (RATIONAL, SRATIONAL) else 1)
            if len(data) <= 4:
                out += struct.pack("<HHI", tag, kind, count) + data.ljust(4, b"\x00")
            else:
                out += struct.pack("<HHII", tag, kind, count, values_start + len(values))
                values += data + b"\x00" * (len(data) % 2)
        out += struct.pack("<I", 0)
    out += values
    for index in sorted(strips):
        if strips[index]:
            out += strips[index] + b"\x00" * (len(strips[index]) % 2)
    return bytes(out)


def _pack(kind, value) -> bytes:
    if kind == ASCII:
        return value.encode("ascii") + b"\x00"
    return struct.pack("<" + _TYPE_FORMATS[kind] * (len(value) // (2 if kind in (RATIONAL, SRATIONAL) else 1)),
                       *value)


def make_jxl(path: Path, width=640, height=480, *, orientation=None, taken=None, make=None, model=None,
             mode="RGB") -> Path:
    """A JPEG XL whose displayed picture is `width`×`height` with a red top-left corner, stored
    turned for `orientation` (written in EXIF, as pillow-jxl does; its codestream says none)."""
    picture = factories.upright_marked_image(width, height)
    if orientation in factories.INVERSE_ORIENTATION:
        picture = picture.transpose(factories.INVERSE_ORIENTATION[orientation])
    if mode != "RGB":
        picture = picture.convert(mode)
    exif = factories.exif_bytes(taken=taken, orientation=orientation, make=make, model=model)
    picture.save(path, "JXL", exif=exif, quality=90, effort=3)
    return path


def make_avif(path: Path, width=640, height=480, *, bits=8) -> Path:
    """An AVIF still with a red top-left corner; 10-bit through ffmpeg's libaom (Pillow writes 8-bit)."""
    picture = factories.upright_marked_image(width, height)
    if bits == 8:
        picture.save(path, "AVIF", quality=80)
        return path
    source = path.with_suffix(".png")
    picture.save(source)
    subprocess.run([factories.ffmpeg_exe(), "-y", "-hide_banner", "-loglevel", "error", "-i", str(source),
                    "-c:v", "libaom-av1", "-pix_fmt", "yuv420p10le", "-still-picture", "1", "-cpu-used", "8",
                    str(path)], check=True, timeout=60, stdin=subprocess.DEVNULL)
    source.unlink()
    return path


def jxl_codestream(width, height, orientation):
    """A JPEG XL codestream's first bytes: SizeHeader (not small, U32 with 30 bits), then
    ImageMetadata with extra_fields and the orientation (bits least significant first)."""
    fields = [(0, 1), (3, 2), (height - 1, 30), (0, 3), (3, 2), (width - 1, 30), (0, 1), (1, 1),
              (orientation - 1, 3)]
    value, position = 0, 0
    for field, bits in fields:
        value |= field << position
        position += bits
    return b"\xff\x0a" + value.to_bytes((position + 7) // 8 + 8, "little")


def make_png_rgba64(path: Path, pixels: np.ndarray) -> Path:
    """A 16-bit-a-channel RGBA PNG of `pixels` (height × width × 4, uint16), which Pillow reads
    but cannot write."""
    height, width, _ = pixels.shape
    rows = np.ascontiguousarray(pixels, ">u2").reshape(height, width * 4).view(np.uint8)
    scanlines = np.hstack([np.zeros((height, 1), np.uint8), rows])  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + factories.png_chunk(b"IHDR", header)
                           + factories.png_chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 1))
                           + factories.png_chunk(b"IEND", b""))
    return Path(path)
