"""Media the tests make for themselves: Pillow images with EXIF, ffmpeg-made videos, and
hostile files. Nothing here is mocked; every file is real and readable by real tools."""
import struct
import subprocess
import zlib
from datetime import datetime
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, ImageDraw, TiffImagePlugin

# The bytes of a JPEG segment at most: its marker (2) and a length (2) that counts itself.
JPEG_SEGMENT_MOST = 2 + 0xFFFF
# EXIF tag numbers (Pillow's ExifTags.Base) used below.
TAG_ORIENTATION = 0x0112
TAG_MAKE = 0x010F
TAG_MODEL = 0x0110
TAG_DATETIME = 0x0132
EXIF_IFD = 0x8769
TAG_DATETIME_ORIGINAL = 0x9003
TAG_DATETIME_DIGITIZED = 0x9004
TAG_OFFSET_TIME_ORIGINAL = 0x9011
GPS_IFD = 0x8825

# What Pillow's exif_transpose does for each orientation, inverted: applying this to an upright
# picture gives the pixels a camera would store with that orientation tag.
INVERSE_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
MARK_COLOUR = (255, 0, 0)
BACKGROUND_COLOUR = (40, 90, 200)


def gps_exif(latitude, longitude, altitude=None) -> dict:
    """A GPS IFD as cameras write it: unsigned (degrees, minutes, seconds) rationals with N/S/E/W
    references, and an altitude whose reference 1 means below sea level."""
    def sexagesimal(value):
        degrees, rest = divmod(abs(value) * 3600, 3600)
        minutes, seconds = divmod(rest, 60)
        return (TiffImagePlugin.IFDRational(int(degrees), 1), TiffImagePlugin.IFDRational(int(minutes), 1),
                TiffImagePlugin.IFDRational(round(seconds * 1000), 1000))

    gps = {1: "S" if latitude < 0 else "N", 2: sexagesimal(latitude),
           3: "W" if longitude < 0 else "E", 4: sexagesimal(longitude)}
    if altitude is not None:
        gps.update({5: b"\x01" if altitude < 0 else b"\x00", 6: TiffImagePlugin.IFDRational(round(abs(altitude) * 10), 10)})
    return gps


def exif_bytes(taken=None, offset=None, orientation=None, make=None, model=None, digitized=None, plain_datetime=None,
               gps=None):
    """`gps`: a GPS IFD's entries (`gps_exif`, or raw values a test wants to see written)."""
    exif = Image.Exif()
    if gps:
        exif[GPS_IFD] = gps
    if orientation is not None:
        exif[TAG_ORIENTATION] = orientation
    if make:
        exif[TAG_MAKE] = make
    if model:
        exif[TAG_MODEL] = model
    if plain_datetime:
        exif[TAG_DATETIME] = plain_datetime
    sub_ifd = {}
    if taken is not None:
        sub_ifd[TAG_DATETIME_ORIGINAL] = taken if isinstance(taken, str) else taken.strftime("%Y:%m:%d %H:%M:%S")
    if digitized is not None:
        sub_ifd[TAG_DATETIME_DIGITIZED] = digitized
    if offset is not None:
        sub_ifd[TAG_OFFSET_TIME_ORIGINAL] = offset
    if sub_ifd:
        exif[EXIF_IFD] = sub_ifd
    return exif.tobytes()


def upright_marked_image(width=640, height=480):
    """A picture whose top-left corner is red, so a test can check that a thumbnail is upright."""
    image = Image.new("RGB", (width, height), BACKGROUND_COLOUR)
    ImageDraw.Draw(image).rectangle([0, 0, width // 4, height // 4], fill=MARK_COLOUR)
    return image


def make_jpeg(path, width=640, height=480, *, taken=None, offset=None, orientation=None, make=None,
              model=None, quality=85, image=None, **exif_extra):
    """A JPEG whose *displayed* picture is `width`×`height` with a red top-left corner; with an
    orientation the stored pixels are transformed the way a camera would store them."""
    path = Path(path)
    picture = image or upright_marked_image(width, height)
    if orientation in INVERSE_ORIENTATION:
        picture = picture.transpose(INVERSE_ORIENTATION[orientation])
    exif = exif_bytes(taken=taken, offset=offset, orientation=orientation, make=make, model=model, **exif_extra)
    picture.save(path, "JPEG", quality=quality, exif=exif)
    return path


def make_noisy_jpeg(path, width=4000, height=3000, *, taken=None, orientation=None, seed=0, quality=92):
    """A photo-sized JPEG (12 MP, ~4-5 MB) whose noise keeps it from compressing to nothing."""
    import random

    random.seed(seed)
    small = Image.frombytes("RGB", (width // 8, height // 8), random.randbytes(width // 8 * height // 8 * 3))
    picture = small.resize((width, height), Image.Resampling.BILINEAR)
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    picture = Image.blend(picture, noise, 0.35)
    return make_jpeg(path, width, height, taken=taken, orientation=orientation, quality=quality, image=picture)


def padded_jpeg(path, size):
    """The JPEG at `path` made exactly `size` bytes long by comment segments after its start (a
    photo like any other to every reader): a new file of a size some other photo has."""
    data = path.read_bytes()
    missing = size - len(data)
    assert missing >= 4 or missing == 0, (path, missing)
    comments = b""
    while missing:
        taken = min(missing, JPEG_SEGMENT_MOST)
        if 0 < missing - taken < 4:  # a segment is at least its marker and length
            taken -= 4
        comments += b"\xff\xfe" + (taken - 2).to_bytes(2, "big") + b"\0" * (taken - 4)
        missing -= taken
    path.write_bytes(data[:2] + comments + data[2:])
    return path


def make_png(path, width=320, height=240, mode="RGB"):
    path = Path(path)
    colour = {"RGB": (0, 128, 0), "RGBA": (0, 128, 0, 128), "L": 128, "P": 3, "I;16": 30000, "LA": (128, 200)}[mode]
    Image.new(mode, (width, height), colour).save(path, "PNG")
    return path


def make_image(path, fmt, width=320, height=240, mode="RGB"):
    path = Path(path)
    Image.new(mode, (width, height), (10, 20, 30) if mode in ("RGB", "CMYK") else 100).save(path, fmt)
    return path


def make_heic(path, width=320, height=240, taken=None, **exif_extra):
    import pillow_heif

    pillow_heif.register_heif_opener()
    path = Path(path)
    upright_marked_image(width, height).save(path, "HEIF", exif=exif_bytes(taken=taken, **exif_extra))
    return path


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def make_png_bomb(path, width=100_000, height=100_000):
    """A valid PNG header claiming a huge picture, followed by almost no data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))
    return Path(path)


def truncate(path, keep_fraction=0.5):
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: int(len(data) * keep_fraction)])
    return Path(path)


def ffmpeg_exe():
    """The bundled ffmpeg (imageio-ffmpeg's): it can write a display-rotation matrix, which Debian's 5.1 cannot."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def make_video(path, seconds=1.0, width=320, height=240, *, rotation=None, creation_time=None,
               codec="libx264", fps=25, audio=False, pix_fmt="yuv420p", extra_output_args=(), audio_codec=None):
    """A real video from ffmpeg's test source. `rotation` writes a display matrix (as phones do)."""
    path = Path(path)
    args = [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000"]
    args += ["-t", str(seconds), "-c:v", codec, "-pix_fmt", pix_fmt]
    if audio:
        default_audio = "aac" if path.suffix.lower() in (".mp4", ".mov", ".m4v", ".3gp") else "libvorbis"
        args += ["-c:a", audio_codec or default_audio, "-shortest"]
    metadata = []
    if creation_time is not None:
        stamp = creation_time if isinstance(creation_time, str) else creation_time.strftime("%Y-%m-%dT%H:%M:%SZ")
        metadata = ["-metadata", f"creation_time={stamp}"]
    args += [*metadata, *extra_output_args]
    target = path.with_name(path.stem + ".unrotated" + path.suffix) if rotation is not None else path
    subprocess.run([*args, str(target)], check=True, timeout=120)
    if rotation is not None:
        subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-display_rotation:v:0", str(rotation), "-i", str(target),
                        "-c", "copy", *metadata, str(path)], check=True, timeout=120)
        target.unlink()
    return path


HEVC = {"codec": "libx265", "extra_output_args": ("-tag:v", "hvc1", "-x265-params", "log-level=error")}
# Tagged on the frames: ffmpeg 8 and later take a frame's colour tags over the output options.
HLG = ("-vf", "setparams=color_primaries=bt2020:color_trc=arib-std-b67:colorspace=bt2020nc")
# The videos phones and cameras make, by name: (file name, make_video's arguments). Each has sound.
CAMERA_VIDEOS = {
    "iphone-hevc": ("IMG_0001.MOV", {**HEVC, "rotation": -90}),
    "iphone-hevc-10bit-hdr": ("IMG_0002.MOV", {**HEVC, "pix_fmt": "yuv420p10le",
                                                "extra_output_args": HEVC["extra_output_args"] + HLG}),
    "avchd-mts": ("00001.MTS", {"audio_codec": "ac3", "extra_output_args": ("-f", "mpegts")}),
    "avchd-m2ts": ("00002.M2TS", {"audio_codec": "ac3", "extra_output_args": ("-f", "mpegts", "-mpegts_m2ts_mode", "1")}),
    "mpeg-ts": ("clip.ts", {"audio_codec": "aac", "extra_output_args": ("-f", "mpegts")}),
    "matroska": ("clip.mkv", {"audio_codec": "aac"}),
    "phone-3gp": ("VID_0002.3gp", {"extra_output_args": ("-ac", "1")}),
    "mjpeg-avi": ("MVI_0001.AVI", {"codec": "mjpeg", "pix_fmt": "yuvj422p", "audio_codec": "pcm_s16le"}),
    "vp9-webm": ("clip.webm", {"codec": "libvpx-vp9", "audio_codec": "libopus",
                               "extra_output_args": ("-deadline", "realtime", "-cpu-used", "8")}),
    "android-h264": ("VID_0001.mp4", {}),
}


def make_camera_video(folder, kind, seconds=2.0, width=320, height=240, fps=25):
    """One of CAMERA_VIDEOS in `folder` (rotated kinds store their pixels sideways, as phones do)."""
    name, options = CAMERA_VIDEOS[kind]
    return make_video(Path(folder) / name, seconds, width, height, fps=fps, audio=True, **options)


def ffmpeg_summary(path) -> str:
    """What `ffmpeg -i` says of a file's streams (it exits 1: no output is named)."""
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


def make_audio_only_mp4(path, seconds=1.0):
    path = Path(path)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000",
                    "-t", str(seconds), "-c:a", "aac", str(path)], check=True, timeout=60)
    return path


def make_text_file(path, text="This is not a photo.\n"):
    Path(path).write_text(text)
    return Path(path)


def a_date(year=2024, month=1, day=31, hour=10, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second)


# Live Photos and motion photos, as phones write them (see library/media/motion_photos.py).
TAG_MAKER_NOTE = 0x927C
APPLE_CONTENT_IDENTIFIER_TAG = 0x0011


def apple_maker_note(content_identifier: str) -> bytes:
    """An Apple maker note holding a Live Photo's content identifier (tag 0x11, an ASCII string):
    the `Apple iOS` header, then a big-endian IFD whose offsets count from the note's start."""
    text = content_identifier.encode("ascii") + b"\x00"
    header = b"Apple iOS\x00" + b"\x00\x01" + b"MM"
    if len(text) <= 4:  # a value of four bytes or fewer sits in the entry itself, as in any IFD
        entry = struct.pack(">HHI", APPLE_CONTENT_IDENTIFIER_TAG, 2, len(text)) + text.ljust(4, b"\x00")
        return header + struct.pack(">H", 1) + entry + struct.pack(">I", 0)
    value_offset = len(header) + 2 + 12 + 4
    ifd = struct.pack(">H", 1) + struct.pack(">HHII", APPLE_CONTENT_IDENTIFIER_TAG, 2, len(text), value_offset)
    return header + ifd + struct.pack(">I", 0) + text


def make_live_still(path, content_identifier=None, *, taken=None, width=640, height=480):
    """The still of a Live Photo: an iPhone JPEG whose maker note names its motion (or, without
    an identifier, an iPhone JPEG that only its name and time pair)."""
    exif = Image.Exif()
    exif[TAG_MAKE] = "Apple"
    exif[TAG_MODEL] = "iPhone 15"
    sub_ifd = {}
    if taken is not None:
        sub_ifd[TAG_DATETIME_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if content_identifier:
        sub_ifd[TAG_MAKER_NOTE] = apple_maker_note(content_identifier)
    exif[EXIF_IFD] = sub_ifd
    path = Path(path)
    upright_marked_image(width, height).save(path, "JPEG", quality=85, exif=exif.tobytes())
    return path


def make_live_motion(path, content_identifier=None, *, seconds=1.5, creation_time=None, width=320, height=240,
                     hevc=False):
    """The motion of a Live Photo: a short QuickTime movie with Apple's content identifier in its
    metadata. H.264 by default, which every browser plays as it is; `hevc` as an iPhone writes it
    (played from its web rendition)."""
    codec = HEVC if hevc else {"codec": "libx264", "extra_output_args": ()}
    extra = [*codec["extra_output_args"], "-movflags", "use_metadata_tags"]
    if content_identifier:
        extra += ["-metadata", f"com.apple.quicktime.content.identifier={content_identifier}"]
    return make_video(path, seconds=seconds, width=width, height=height, creation_time=creation_time,
                      codec=codec["codec"], extra_output_args=extra)


def google_motion_xmp(video_length: int) -> bytes:
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"'
        ' xmlns:Container="http://ns.google.com/photos/1.0/container/"'
        ' xmlns:Item="http://ns.google.com/photos/1.0/container/item/"'
        ' GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1" GCamera:MotionPhotoPresentationTimestampUs="0">'
        "<Container:Directory><rdf:Seq>"
        '<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary"'
        ' Item:Length="0" Item:Padding="0"/></rdf:li>'
        f'<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto"'
        f' Item:Length="{video_length}"/></rdf:li>'
        "</rdf:Seq></Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def make_google_motion_photo(path, video_path, *, taken=None, width=640, height=480):
    """A Google Motion Photo: a JPEG whose XMP's container directory gives the length of the MP4
    appended after the picture. Returns the path; the video's bytes are its last bytes."""
    path = Path(path)
    video = Path(video_path).read_bytes()
    upright_marked_image(width, height).save(
        path, "JPEG", quality=85, exif=exif_bytes(taken=taken, make="Google", model="Pixel 8"),
        xmp=google_motion_xmp(len(video)),
    )
    with open(path, "ab") as still:
        still.write(video)
    return path


def make_samsung_motion_photo(path, video_path, *, taken=None, width=640, height=480):
    """A Samsung motion photo of the older kind, with no XMP: the MP4 in a `MotionPhoto_Data`
    block of the trailer, whose `SEFH` directory (then its length and `SEFT`) ends the file."""
    path = Path(path)
    upright_marked_image(width, height).save(path, "JPEG", quality=85,
                                             exif=exif_bytes(taken=taken, make="samsung", model="SM-S911B"))
    video = Path(video_path).read_bytes()
    name = b"MotionPhoto_Data"
    block = struct.pack("<HHI", 0, 0x0A30, len(name)) + name + video
    directory = b"SEFH" + struct.pack("<II", 106, 1) + struct.pack("<HHII", 0, 0x0A30, len(block), len(block))
    with open(path, "ab") as still:
        still.write(block + directory + struct.pack("<I", len(directory)) + b"SEFT")
    return path

