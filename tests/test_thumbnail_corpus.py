"""Acceptance over the real camera files in ../shared/corpus/: every file the import takes
yields a thumbnail, or a failure we expect and that errors.log explains."""
import pytest
from PIL import ImageChops, ImageStat

from library.importing.pipeline import ImportPipeline
from library.models import Photo
from thumbnails import store, thumbnail_renditions
from thumbnails.errors import RenditionError
from thumbnails.specs import ThumbnailSpec

from test_thumbnail_support import picture

pytestmark = [pytest.mark.corpus, pytest.mark.django_db]

TILE = ThumbnailSpec.for_size("400", "jpeg")

MEDIA_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif", ".tiff", ".heic", ".heif", ".avif", ".mp4", ".mov"}
LARGEST_FILE_BYTES = 20 * 1024 * 1024
# A header-only MP4 whose media data was never written: ffmpeg rightly finds no frame.
EXPECTED_FAILURES = {"bipbop_nonfragment_header.mp4"}


def import_corpus(folder):
    pipeline = ImportPipeline.start("cli")
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in MEDIA_SUFFIXES and path.stat().st_size <= LARGEST_FILE_BYTES:
            pipeline.import_path(path)
    return {photo.original_name: photo for photo in Photo.objects.all()}


@pytest.fixture
def corpus_photos(corpus_dir, library_root):
    return import_corpus(corpus_dir)


def test_every_corpus_file_yields_a_thumbnail_or_an_expected_logged_failure(corpus_photos, library_root):
    # when
    failed = {}
    for name, photo in corpus_photos.items():
        try:
            thumbnail_renditions.ensure(photo, TILE)
        except RenditionError as error:
            failed[name] = str(error)
    # then
    assert len(corpus_photos) > 100
    assert set(failed) == EXPECTED_FAILURES, failed
    errors_log = (library_root / ".logs" / "errors.log").read_text()
    assert all(name in errors_log for name in failed)
    for name, photo in corpus_photos.items():
        if name not in failed:
            thumbnail = picture(store.Entry(photo, TILE).read())
            assert thumbnail.mode == "RGB" and thumbnail.height <= 400, name


@pytest.mark.parametrize("shape", ["Landscape", "Portrait"])
def test_every_orientation_example_looks_the_same_once_upright(corpus_dir, library_root, shape):
    # given the same picture stored with each EXIF orientation 0-8
    photos = import_corpus(corpus_dir / "exif-orientation-examples")
    thumbnails = []
    for orientation in range(9):
        photo = photos[f"{shape}_{orientation}.jpg"]
        thumbnail_renditions.ensure(photo, TILE)
        thumbnails.append(picture(store.Entry(photo, TILE).read()))
    # then each thumbnail matches the untransformed one, pixel for pixel (within JPEG noise)
    reference = thumbnails[0]
    for orientation, thumbnail in enumerate(thumbnails):
        assert thumbnail.size == reference.size, orientation
        difference = ImageStat.Stat(ImageChops.difference(thumbnail, reference)).mean
        assert max(difference) < 8, (orientation, difference)
