"""A share link that removes location, with the originals in an object store (a real SeaweedFS,
in process): a located JPEG is read from the store, its GPS position taken out on the way, and
streamed whole, as from the library folder."""

import pytest
from django.test import Client
from test_object_store_curation import import_file
from test_share_links import assert_downloaded_without_position

from library.curation import albums
from library.models import Photo
from library.originals import local_path
from library.services import share_links

import factories

pytestmark = pytest.mark.django_db(transaction=True)


def shared_by_link(owner, photo) -> str:
    """The token of a link, downloads allowed and location removed, to an album of `photo`."""
    return share_links.create_link(owner, albums.create_album(owner, "Paris", [photo.pk]).pk, allow_download=True)[1]


def test_a_located_jpeg_in_the_store_downloads_without_its_position(originals_in_bucket, object_store, bucket,
                                                                     media_dir, django_user_model):
    # given a located JPEG imported into the bucket, in an album shared by a link that removes location
    source = factories.make_jpeg(media_dir / "located.jpg", taken=factories.a_date(day=11),
                                 gps=factories.gps_exif(48.8584, 2.2945))
    original = source.read_bytes()
    photo = Photo.objects.get(pk=import_file(source).photo_id)
    assert local_path(photo.path) is None, "the original is in the store"
    token = shared_by_link(django_user_model.objects.create_user("olivia"), photo)
    # when someone with the link downloads it
    downloaded = Client().get(f"/s/{token}/photo/{photo.pk}/original?download=1")
    # then: the same picture, as long as the original, with no GPS position, from the store's bytes
    assert_downloaded_without_position(downloaded, original)
    stored = object_store.client().get_object(Bucket=bucket, Key=f"{originals_in_bucket}/{photo.path}")["Body"].read()
    assert stored == original


def test_a_photo_missing_from_the_store_is_a_404(originals_in_bucket, object_store, bucket, media_dir,
                                                 django_user_model):
    # given a located JPEG whose object has gone from the bucket
    source = factories.make_jpeg(media_dir / "located.jpg", taken=factories.a_date(day=11),
                                 gps=factories.gps_exif(48.8584, 2.2945))
    photo = Photo.objects.get(pk=import_file(source).photo_id)
    object_store.client().delete_object(Bucket=bucket, Key=f"{originals_in_bucket}/{photo.path}")
    token = shared_by_link(django_user_model.objects.create_user("olivia"), photo)
    # when / then
    assert Client().get(f"/s/{token}/photo/{photo.pk}/original?download=1").status_code == 404
