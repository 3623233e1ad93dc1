"""`GET /api/photo/<id>/thumbnail` through Django's test client (the async view, real storage)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from thumbnails.links import content_version, thumbnail_url
from thumbnails.models import Rendition

import factories
from test_thumbnail_support import import_file, picture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("viewer", password="pw"))
    return client


@pytest.fixture
def photo(library_root, media_dir):
    return import_file(factories.make_jpeg(media_dir / "tile.jpg", 1600, 900))


def test_logged_out_visitors_are_sent_to_the_login_page(photo, client):
    client.logout()
    response = client.get(thumbnail_url(photo))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_photo_is_404(library_root, client):
    assert client.get("/api/photo/999999/thumbnail").status_code == 404


def test_a_photo_in_the_trash_is_shown_to_staff_only(photo, client, django_user_model):
    # given
    from library.curation.trash import move_to_trash

    move_to_trash(photo)
    # then
    assert client.get(thumbnail_url(photo)).status_code == 404
    client.force_login(django_user_model.objects.create_user("curator", password="pw", is_staff=True))
    assert client.get(thumbnail_url(photo)).status_code == 200


def test_unknown_size_is_400(photo, client):
    assert client.get(f"/api/photo/{photo.pk}/thumbnail?size=12").status_code == 400


def test_content_addressed_url_is_immutable(photo, client):
    # when
    response = client.get(thumbnail_url(photo))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response["ETag"] == f'"{photo.sha256}-h400-jpeg-v1"'
    assert "Accept" in response["Vary"]
    assert picture(response.content).size == (711, 400)


@pytest.mark.parametrize("query", ["", "?v=000000000000-1", "?v=stale"])
def test_bare_or_stale_urls_revalidate(photo, client, query):
    response = client.get(f"/api/photo/{photo.pk}/thumbnail{query}")
    assert response["Cache-Control"] == "private, no-cache"
    assert response["ETag"]


def test_if_none_match_gives_304(photo, client):
    etag = client.get(thumbnail_url(photo))["ETag"]
    response = client.get(thumbnail_url(photo), headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response["ETag"] == etag and not response.content


@pytest.mark.parametrize(
    ("size", "accept", "content_type", "dimensions"),
    [
        ("400", "image/avif,image/webp,*/*", "image/webp", (711, 400)),
        ("800", "image/png,*/*", "image/jpeg", (1422, 800)),
        ("preview", "", "image/jpeg", (1600, 900)),
    ],
)
def test_size_and_accept_pick_the_rendition(photo, client, size, accept, content_type, dimensions):
    response = client.get(thumbnail_url(photo, size), headers={"Accept": accept})
    assert response["Content-Type"] == content_type
    assert picture(response.content).size == dimensions


def test_a_thumbnail_deleted_from_the_storage_heals_itself(photo, client, library_root):
    first = client.get(thumbnail_url(photo)).content
    for cached in (library_root / ".thumbnails").rglob("*.jpg"):
        cached.unlink()
    response = client.get(thumbnail_url(photo))
    assert response.status_code == 200 and "X-Thumbnail-Placeholder" not in response
    assert picture(response.content).size == picture(first).size


def test_failure_serves_a_placeholder_then_retries_after_the_back_off(photo, client, library_root):
    # given a photo whose file has gone
    original = (library_root / photo.path).read_bytes()
    (library_root / photo.path).unlink()
    # when it is asked for twice
    first = client.get(thumbnail_url(photo))
    second = client.get(thumbnail_url(photo))
    # then two grey placeholders of the photo's aspect, never cached, and one line in errors.log
    for response in (first, second):
        assert response.status_code == 200
        assert response["X-Thumbnail-Placeholder"] == "1"
        assert response["Cache-Control"] == "no-store"
        assert "ETag" not in response
        placeholder = picture(response.content)
        assert placeholder.size == (711, 400)
        assert placeholder.getpixel((100, 100)) == pytest.approx((200, 200, 200), abs=3)
    errors_log = (library_root / ".logs" / "errors.log").read_text()
    assert errors_log.count("Thumbnail failed") == 1
    assert "missing" in errors_log and "Traceback" not in errors_log
    # when the file is back and the back-off has passed, the next request makes the real thumbnail
    (library_root / photo.path).write_bytes(original)
    Rendition.objects.filter(photo=photo).update(retry_after=timezone.now() - timedelta(seconds=1))
    response = client.get(thumbnail_url(photo))
    assert "X-Thumbnail-Placeholder" not in response
    assert picture(response.content).getpixel((5, 5))[0] > 200  # the red corner of the factory's picture


def test_placeholder_for_a_video_that_is_not_one(library_root, media_dir, client):
    # given an "mp4" that ffmpeg cannot read, imported before it got damaged
    video = import_file(factories.make_video(media_dir / "clip.mp4", seconds=1))
    (library_root / video.path).write_text("not a video")
    # when
    response = client.get(thumbnail_url(video))
    # then
    assert response["X-Thumbnail-Placeholder"] == "1"
    assert picture(response.content).size == (533, 400)


def test_link_helpers(photo):
    version = content_version(photo)
    assert version == f"{photo.sha256[:12]}-1"
    assert thumbnail_url(photo) == f"/api/photo/{photo.pk}/thumbnail?v={version}"
    assert thumbnail_url(photo, "800") == f"/api/photo/{photo.pk}/thumbnail?size=800&v={version}"


def test_template_tags(photo):
    from django.template import Context, Template

    rendered = Template('{% load thumbnails %}{% thumbnail_url photo "preview" %}').render(Context({"photo": photo}))
    assert rendered == thumbnail_url(photo, "preview").replace("&", "&amp;")


def test_a_storage_other_than_the_disk_is_served_too(photo, client, settings):
    # given thumbnails kept in memory (standing in for an object store)
    settings.STORAGES = {**settings.STORAGES, "thumbnails": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    # when: a miss, then a hit
    made = client.get(thumbnail_url(photo))
    served = client.get(thumbnail_url(photo))
    # then
    assert made.content == served.content
    assert picture(served.content).size == (711, 400)
    assert Rendition.objects.get(photo=photo).generations == 1
