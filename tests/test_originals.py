"""Originals are served with HTTP Range (so a video can seek) and as downloads."""
import pytest

from library.curation.trash import move_to_trash
from library.importing.pipeline import ImportPipeline
from library.models import ImportSource, Photo

import factories

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume")]


@pytest.fixture
def video(library_root, media_dir):
    source = factories.make_video(media_dir / "VID_20240131_101500.mp4", seconds=1)
    pipeline = ImportPipeline.start(ImportSource.CLI)
    result = pipeline.import_path(source)
    pipeline.finish()
    photo = Photo.objects.get(pk=result.photo_id)
    return photo, (library_root / photo.path).read_bytes()


def get(client, photo, **headers):
    response = client.get(f"/photo/{photo.pk}/original", headers=headers)
    body = b"".join(response) if response.streaming else response.content
    return response, body


def test_whole_file_says_it_accepts_ranges(logged_in, video):
    # given
    photo, content = video
    # when
    response, body = get(logged_in, photo)
    # then
    assert response.status_code == 200
    assert body == content
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert int(response["Content-Length"]) == len(content)


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=-50", -50, None),
        ("bytes=10-999999999", 10, None),
    ],
)
def test_a_range_gets_206_and_exactly_those_bytes(logged_in, video, header, first, last):
    # given
    photo, content = video
    start = first % len(content)
    end = len(content) - 1 if last is None else last
    # when
    response, body = get(logged_in, photo, Range=header)
    # then
    assert response.status_code == 206
    assert body == content[start:end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(content)}"
    assert int(response["Content-Length"]) == end - start + 1


def test_a_range_beyond_the_end_gets_416(logged_in, video):
    photo, content = video
    response, _ = get(logged_in, photo, Range=f"bytes={len(content)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(content)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-5", "bytes=9-3"])
def test_ranges_we_do_not_serve_get_the_whole_file(logged_in, video, header):
    photo, content = video
    response, body = get(logged_in, photo, Range=header)
    assert (response.status_code, body) == (200, content)


def test_a_stale_if_range_gets_the_whole_file(logged_in, video):
    photo, content = video
    response, body = get(logged_in, photo, Range="bytes=0-9", **{"If-Range": '"another-version"'})
    assert (response.status_code, body) == (200, content)


def test_download_uses_the_original_name(logged_in, video):
    photo, _ = video
    response = logged_in.get(f"/photo/{photo.pk}/original?download=1")
    assert response["Content-Disposition"] == 'attachment; filename="VID_20240131_101500.mp4"'


def test_originals_need_a_login(client, video):
    photo, _ = video
    response = client.get(f"/photo/{photo.pk}/original")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_trashed_original_is_only_for_staff(logged_in, video, django_user_model):
    # given
    photo, content = video
    move_to_trash(photo)
    # when / then
    assert logged_in.get(f"/photo/{photo.pk}/original").status_code == 404
    logged_in.force_login(django_user_model.objects.create_superuser("curator", "c@example.com", None))
    response, body = get(logged_in, photo)
    assert (response.status_code, body) == (200, content)
