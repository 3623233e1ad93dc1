"""ZIP downloads of a library on an object store (SeaweedFS, real), in process: each original is
streamed from its object into the archive (a JPEG's GPS position taken out on the way when asked),
and an object gone from the store is listed as left out, never a broken archive."""
import io
import zipfile

import pytest
from PIL import Image

from library.importing.pipeline import ImportPipeline
from library.models import Photo
from library.services.zip_download import zip_of

import factories
from test_zip_stream import collect

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


@pytest.fixture
def imported(originals_in_bucket, media_dir):
    """A JPEG with a GPS position and a video, imported into the bucket (nothing in the library folder)."""
    sources = [factories.make_jpeg(media_dir / "IMG_0042.jpg", 1200, 800, gps=factories.gps_exif(43.46, 11.88)),
               factories.make_video(media_dir / "clip.mp4")]
    pipeline = ImportPipeline.start("cli")
    photos = [Photo.objects.get(pk=pipeline.import_path(source).photo_id) for source in sources]
    pipeline.finish()
    return photos, sources


def test_a_zip_streams_the_originals_from_the_store(imported, library_root):
    # given
    photos, sources = imported
    assert not list(library_root.glob("20*/*")), "no original in the library folder"
    # when
    stream = zip_of(photos, keep_location=True)
    body = collect(stream)
    # then
    assert len(body) == stream.length
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["IMG_0042.jpg", "clip.mp4"]
        assert [archive.read(name) for name in archive.namelist()] == [source.read_bytes() for source in sources]


def test_a_zip_without_location_cleans_the_jpeg_read_from_the_store(imported):
    # given
    photos, sources = imported
    assert photos[0].latitude is not None
    # when
    stream = zip_of(photos, keep_location=False)
    body = collect(stream)
    # then
    assert len(body) == stream.length
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert Image.open(io.BytesIO(archive.read("IMG_0042.jpg"))).getexif().get_ifd(GPS_IFD) == {}
        assert archive.read("clip.mp4") == sources[1].read_bytes()


def test_an_object_gone_from_the_store_is_left_out_and_named(imported, object_store, bucket, originals_in_bucket):
    # given
    photos, sources = imported
    object_store.client().delete_object(Bucket=bucket, Key=f"{originals_in_bucket}/{photos[1].path}")
    # when
    with zipfile.ZipFile(io.BytesIO(collect(zip_of(photos, keep_location=True)))) as archive:
        # then
        assert archive.namelist() == ["IMG_0042.jpg", "NOT INCLUDED.txt"]
        assert archive.read("NOT INCLUDED.txt").decode() == "clip.mp4: its file is missing from the library\n"
