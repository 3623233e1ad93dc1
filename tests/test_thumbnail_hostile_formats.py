"""Never a 5xx from `/api/photo/<id>/thumbnail`: a generated hostile corpus goes through the view.

For every photo format the library keeps (JPEG, PNG, GIF, WebP, TIFF, a CR2-marked TIFF, HEIC,
AVIF 8/10-bit, JPEG XL, DNG with and without preview, and the corpus raws when present): the
file cut off at several offsets, bit-flipped, its real magic followed by garbage, and its
dimensions patched to zero and to absurd values. The files are put in the library as bit rot
would leave them (rows made directly: the import would refuse many). Every answer must be 200
with a picture, the thumbnail or the placeholder; each failure is one errors.log line, and a
second request within the back-off adds none."""
import hashlib
import random
import re
import struct

import pytest
from django.utils import timezone

from library.media.dates import dating
from library.models import DateSource, MediaKind, Photo
from thumbnails.links import thumbnail_url

import factories
from conftest import CORPUS_DIR
from format_factories import dng_bytes, jxl_codestream, make_avif, make_dng, make_jxl
from test_thumbnail_support import picture

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH, HEIGHT = 320, 240
ABSURD = 0x7FFF_FFF0


def sources(folder):
    """One good file per format: (name with the extension the library gives it, bytes)."""
    made = {
        "jpeg.jpg": factories.make_jpeg(folder / "a.jpg", WIDTH, HEIGHT),
        "png.png": factories.make_png(folder / "a.png", WIDTH, HEIGHT),
        "gif.gif": factories.make_image(folder / "a.gif", "GIF", WIDTH, HEIGHT),
        "webp.webp": factories.make_image(folder / "a.webp", "WEBP", WIDTH, HEIGHT),
        "tiff.tif": factories.make_image(folder / "a.tif", "TIFF", WIDTH, HEIGHT),
        "heic.heic": factories.make_heic(folder / "a.heic", WIDTH, HEIGHT),
        "avif8.avif": make_avif(folder / "a8.avif", WIDTH, HEIGHT, bits=8),
        "avif10.avif": make_avif(folder / "a10.avif", WIDTH, HEIGHT, bits=10),
        "jxl.jxl": make_jxl(folder / "a.jxl", WIDTH, HEIGHT, orientation=6, taken="2022:01:02 03:04:05"),
        "dng.dng": make_dng(folder / "a.dng", WIDTH, HEIGHT, preview_size=(WIDTH, HEIGHT)),
        "dng-no-preview.dng": make_dng(folder / "b.dng", WIDTH, HEIGHT, preview_size=None),
    }
    files = {name: path.read_bytes() for name, path in made.items()}
    # What gave a CR2's "TypeError: Missing dimensions" (via n_frames): a second IFD without a
    # size, as a TIFF and as kept by an older import under .cr2
    files["second-ifd-sizeless.tif"] = files["second-ifd-sizeless.cr2"] = with_sizeless_second_ifd(files["tiff.tif"])
    for raw in ("FujiFilm.raf", "Panasonic.rw2", "Nikon.nef"):
        if (CORPUS_DIR / "raw" / raw).is_file():
            files[f"corpus-{raw.lower()}"] = (CORPUS_DIR / "raw" / raw).read_bytes()
    return files


def with_sizeless_second_ifd(tiff):
    first = struct.unpack("<I", tiff[4:8])[0]
    next_pointer = first + 2 + 12 * struct.unpack("<H", tiff[first:first + 2])[0]
    sizeless = struct.pack("<H", 1) + struct.pack("<HHII", 254, 4, 1, 0) + struct.pack("<I", 0)
    return tiff[:next_pointer] + struct.pack("<I", len(tiff)) + tiff[next_pointer + 4:] + sizeless


def mutations(name, data):
    """(label, bytes) of the hostile variants of one good file."""
    size = len(data)
    yield "whole", data
    for cut in (16, 100, size // 10, size // 2, size * 9 // 10, size - 1):
        yield f"cut-at-{cut}", data[:cut]
    for seed in range(3):
        yield f"bit-flips-{seed}", bit_flipped(data, seed)
    yield "magic-then-garbage", data[:16] + random.Random(name).randbytes(4096)
    for label, (width, height) in (("zero-size", (0, 0)), ("absurd-size", (ABSURD, ABSURD))):
        patched = with_dimensions(name, data, width, height)
        if patched is not None:
            yield label, patched


def bit_flipped(data, seed):
    rng = random.Random(seed)
    flipped = bytearray(data)
    for _ in range(max(8, len(data) // 200)):
        position = rng.randrange(min(16, len(data) - 1), len(data))
        flipped[position] ^= 1 << rng.randrange(8)
    return bytes(flipped)


def with_dimensions(name, data, width, height):
    """The file with its header claiming `width`×`height` (None where the format has no simple field)."""
    small_width, small_height = min(width, 0xFFFF), min(height, 0xFFFF)
    if name.endswith(".png"):
        return data[:16] + width.to_bytes(4, "big") + height.to_bytes(4, "big") + data[24:]
    if name.endswith(".gif"):
        return data[:6] + small_width.to_bytes(2, "little") + small_height.to_bytes(2, "little") + data[10:]
    if name.endswith(".jpg"):
        frame = data.find(b"\xff\xc0")
        return data[:frame + 5] + small_height.to_bytes(2, "big") + small_width.to_bytes(2, "big") + data[frame + 9:]
    if name.endswith((".heic", ".avif")):
        box = data.find(b"ispe")
        return data[:box + 8] + width.to_bytes(4, "big") + height.to_bytes(4, "big") + data[box + 16:]
    if name.endswith(".webp"):
        frame = data.find(b"\x9d\x01\x2a") + 3  # VP8 key frame: 14-bit width and height follow
        return data[:frame] + small_width.to_bytes(2, "little") + small_height.to_bytes(2, "little") + data[frame + 4:]
    if name.startswith("tiff"):
        return with_tiff_size(data, width, height)
    if name.endswith(".jxl"):
        return jxl_codestream(max(width, 1), max(height, 1), 1) + data[40:]
    if name.startswith("dng"):
        return dng_bytes((width, height), bytes(64), None, None, 1, "Photosite", "Hostile", "2023:04:05 06:07:08")
    return None


def with_tiff_size(tiff, width, height):
    """Pillow's little-endian TIFF with ImageWidth and ImageLength (first IFD) set as LONGs."""
    patched = bytearray(tiff)
    first = struct.unpack("<I", tiff[4:8])[0]
    for index in range(struct.unpack("<H", tiff[first:first + 2])[0]):
        entry = first + 2 + 12 * index
        tag = struct.unpack("<H", tiff[entry:entry + 2])[0]
        if tag in (256, 257):
            patched[entry + 2:entry + 12] = struct.pack("<HII", 4, 1, width if tag == 256 else height)
    return bytes(patched)


def hostile_photos(root, folder):
    day = root / "2024-01-01"
    day.mkdir()
    photos = []
    for name, data in sources(folder).items():
        for label, content in mutations(name, data):
            digest = hashlib.sha256(content + label.encode() + name.encode()).hexdigest()
            extension = name.rsplit(".", 1)[1]
            path = day / f"{name.rsplit('.', 1)[0]}-{label}.{extension}"
            path.write_bytes(content)
            photos.append(Photo(
                sha256=digest, kind=MediaKind.PHOTO, original_name=path.name, path=str(path.relative_to(root)),
                size=len(content), format=extension, mime_type="image/x-test", width=WIDTH, height=HEIGHT,
                **dating(timezone.now()), taken_at_source=DateSource.MTIME,
            ))
    return Photo.objects.bulk_create(photos)


def test_every_hostile_file_gets_a_picture_and_failures_are_logged_once(library_root, media_dir, logged_in):
    # given every format, cut, flipped, garbled and with impossible dimensions, in the library
    photos = hostile_photos(library_root, media_dir)
    # when each thumbnail is asked for twice (the second time within the back-off)
    answers = {}
    for photo in photos:
        for attempt in (1, 2):
            response = logged_in.get(thumbnail_url(photo, "400"), HTTP_ACCEPT="image/webp,*/*")
            answers[(photo.original_name, attempt)] = response
    # then every answer is a 200 with a picture Pillow can open
    failures = {name: response.status_code for (name, _), response in answers.items()
                if response.status_code != 200 or not response["Content-Type"].startswith("image/")}
    assert not failures
    for response in answers.values():
        assert picture(response.content).size[0] > 0
    placeholders = {name for (name, _), response in answers.items() if response.get("X-Thumbnail-Placeholder")}
    real = {name for (name, _), response in answers.items() if not response.get("X-Thumbnail-Placeholder")}
    # every whole file gave a real thumbnail, but the corpus NEF (no readable picture in it) and
    # the broken TIFFs (Pillow's TypeError; kept as .cr2, LibRaw rightly finds no raw in it)
    unreadable = {"corpus-nikon-whole.nef", "second-ifd-sizeless-whole.cr2", "second-ifd-sizeless-whole.tif"}
    assert {name for name in real if "-whole." in name} == {
        photo.original_name for photo in photos if "-whole." in photo.original_name} - unreadable
    # and each placeholder's cause is one errors.log line, not two, with no traceback
    errors_log = (library_root / ".logs" / "errors.log").read_text()
    assert "Traceback" not in errors_log
    for photo in photos:
        if photo.original_name in placeholders:
            lines = re.findall(rf"Thumbnail failed: photo {photo.pk} \(", errors_log)
            assert len(lines) == 1, (photo.original_name, lines)
    assert len(placeholders) > 50
