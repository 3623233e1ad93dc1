"""Where a photo was taken, left out of what a share link serves: a JPEG's GPS IFD and XMP GPS
properties are blanked in a copy as long as the original (every other byte the original's), and
files that cannot be cleaned safely are left out of the ZIP when they hold a position."""
import io
import struct
import zipfile

import pytest
from PIL import Image

from library.importing.pipeline import ImportPipeline
from library.media.location_stripping import is_strippable, jpeg_without_location
from library.models import Photo
from library.services.zip_download import zip_of

import factories
import format_factories
from test_zip_stream import collect

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
XMP_WITH_GPS = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
                b' exif:GPSLatitude="43,27.6N" exif:GPSLongitude=\'11,52.8E\' dc:format="image/jpeg">'
                b"<exif:GPSAltitude>300/1</exif:GPSAltitude><exif:GPSVersionID/>"
                b"<dc:title>Arezzo</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>")


def cleaned(path, chunk_bytes=1000):
    with open(path, "rb") as file:
        return b"".join(jpeg_without_location(file, chunk_bytes))


def with_xmp(path, packet):
    """The JPEG at `path` with an XMP APP1 segment after its SOI."""
    body = b"http://ns.adobe.com/xap/1.0/\x00" + packet
    data = path.read_bytes()
    path.write_bytes(data[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + data[2:])
    return path


@pytest.fixture
def located_jpeg(media_dir):
    return factories.make_jpeg(media_dir / "IMG_0042.jpg", taken=factories.a_date(), make="Canon", model="EOS R",
                               orientation=6, gps=factories.gps_exif(43.46, 11.88, 300))


def test_the_gps_ifd_is_gone_and_everything_else_intact(located_jpeg):
    # given
    original = Image.open(located_jpeg)
    assert original.getexif().get_ifd(GPS_IFD)
    # when
    data = cleaned(located_jpeg)
    # then
    assert len(data) == located_jpeg.stat().st_size
    stripped = Image.open(io.BytesIO(data))
    exif = stripped.getexif()
    assert GPS_IFD not in exif
    assert exif.get_ifd(GPS_IFD) == {}
    expected = {tag: value for tag, value in original.getexif().items() if tag != GPS_IFD}
    assert dict(exif) == expected
    assert exif.get_ifd(EXIF_IFD) == original.getexif().get_ifd(EXIF_IFD)
    assert stripped.tobytes() == original.tobytes()


def test_only_gps_bytes_change(located_jpeg):
    original = located_jpeg.read_bytes()
    data = cleaned(located_jpeg, chunk_bytes=7)
    changed = [index for index, (a, b) in enumerate(zip(original, data, strict=True)) if a != b]
    assert changed and changed[-1] < 400  # all within the EXIF block, none in the picture


def test_xmp_gps_properties_are_blanked_with_spaces(media_dir):
    # given
    path = with_xmp(factories.make_jpeg(media_dir / "xmp.jpg"), XMP_WITH_GPS)
    # when
    data = cleaned(path)
    # then
    assert len(data) == path.stat().st_size
    assert b"GPS" not in data
    assert b'dc:format="image/jpeg"' in data and b"<dc:title>Arezzo</dc:title>" in data
    assert Image.open(io.BytesIO(data)).tobytes() == Image.open(path).tobytes()


def test_an_unreadable_exif_block_is_zeroed_whole(media_dir, located_jpeg):
    # given an EXIF block whose IFD0 offset points past its end
    data = bytearray(located_jpeg.read_bytes())
    tiff = data.index(b"Exif\x00\x00") + 6
    data[tiff + 4:tiff + 8] = struct.pack("<I" if data[tiff:tiff + 2] == b"II" else ">I", 60000)
    broken = media_dir / "broken.jpg"
    broken.write_bytes(bytes(data))
    # when
    out = cleaned(broken)
    # then
    assert len(out) == len(data)
    assert Image.open(io.BytesIO(out)).getexif().get_ifd(GPS_IFD) == {}
    assert b"Canon" not in out


def test_a_jpeg_carrying_a_second_image_is_not_strippable(media_dir, located_jpeg):
    second = media_dir / "two.jpg"
    Image.open(located_jpeg).save(second, "MPO", save_all=True, append_images=[Image.new("RGB", (8, 8))],
                                  exif=Image.open(located_jpeg).getexif())
    with open(second, "rb") as file:
        assert not is_strippable(file)
    with open(located_jpeg, "rb") as file:
        assert is_strippable(file)


@pytest.mark.parametrize("data", [b"", b"\xff\xd8", b"\xff\xd8\xff\xe1\x00", b"not a jpeg at all"])
def test_broken_files_are_copied_as_they_are_and_not_strippable(media_dir, data):
    path = media_dir / "bad.jpg"
    path.write_bytes(data)
    assert cleaned(path) == data
    with open(path, "rb") as file:
        assert not is_strippable(file)


# -- in the ZIP ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_zip_without_location_strips_jpegs_and_leaves_out_what_it_cannot(library_root, media_dir, located_jpeg):
    # given a located JPEG, a raw with a position, and a video without one
    pipeline = ImportPipeline.start("cli")
    ids = [pipeline.import_path(path).photo_id for path in (
        located_jpeg, format_factories.make_dng(media_dir / "DSC_0001.DNG"), factories.make_video(media_dir / "clip.mp4"))]
    pipeline.finish()
    jpeg, raw, video = (Photo.objects.get(pk=photo_id) for photo_id in ids)
    assert jpeg.latitude is not None
    Photo.objects.filter(pk=raw.pk).update(latitude=1.5, longitude=2.5)
    raw.refresh_from_db()
    assert video.latitude is None
    # when
    stream = zip_of([jpeg, raw, video], keep_location=False)
    body = collect(stream)
    # then
    assert len(body) == stream.length
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == ["IMG_0042.jpg", "clip.mp4", "NOT INCLUDED.txt"]
        assert Image.open(io.BytesIO(archive.read("IMG_0042.jpg"))).getexif().get_ifd(GPS_IFD) == {}
        assert archive.read("clip.mp4") == (library_root / video.path).read_bytes()
        assert archive.read("NOT INCLUDED.txt").decode() == (
            "DSC_0001.DNG: its GPS position cannot be removed from this kind of file\n")
    # and with the location kept, everything goes in as it is
    with zipfile.ZipFile(io.BytesIO(collect(zip_of([jpeg, raw, video], keep_location=True)))) as archive:
        assert archive.read("IMG_0042.jpg") == (library_root / jpeg.path).read_bytes()
        assert archive.namelist() == ["IMG_0042.jpg", "DSC_0001.DNG", "clip.mp4"]
