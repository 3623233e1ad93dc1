"""Curation in the admin: staff only, previews that only link to thumbnails, filters and search,
and actions that move files (trash, restore, redate) or queue work (regenerate)."""
import pytest
from django_q.models import OrmQ

from library.admin import PhotoAdmin
from library.importing.pipeline import ImportPipeline
from library.models import DateSource, ImportSource, Photo
from thumbnails.links import playable_url, thumbnail_url
from thumbnails.models import Rendition, RenditionState

import factories

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/library/photo/"


@pytest.fixture
def imported(library_root, media_dir):
    """A photo and a video, imported for real."""
    factories.make_jpeg(media_dir / "IMG_1.jpg", taken=factories.a_date(2024, 1, 31), make="Canon", model="EOS R6")
    factories.make_video(media_dir / "VID_20240201_120000.mp4", seconds=1)
    pipeline = ImportPipeline.start(ImportSource.CLI)
    results = [pipeline.import_path(path) for path in sorted(media_dir.iterdir())]
    session = pipeline.finish()
    photo, video = (Photo.objects.get(pk=result.photo_id) for result in results)
    return photo, video, session


@pytest.fixture
def admin_client(client, django_user_model):
    """A staff superuser without a password (hashing one costs half a second per test)."""
    client.force_login(django_user_model.objects.create_superuser("curator", "c@example.com", None))
    return client


def run_action(client, action, photos, **extra):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [p.pk for p in photos], **extra})


def test_only_staff_reach_the_admin(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("someone"))
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_list_links_thumbnails_and_generates_nothing(admin_client, imported, library_root):
    # given
    photo, video, _ = imported
    # when
    html = admin_client.get(CHANGELIST).content.decode()
    # then
    assert thumbnail_url(photo).replace("&", "&amp;") in html
    assert "▶ 0:01" in html
    assert not (library_root / ".thumbnails").exists()


def test_the_change_page_has_a_large_preview(admin_client, imported):
    photo, video, _ = imported
    assert thumbnail_url(photo, "preview").replace("&", "&amp;") in admin_client.get(
        f"{CHANGELIST}{photo.pk}/change/").content.decode()
    assert f'src="/photo/{video.pk}/original"' in admin_client.get(f"{CHANGELIST}{video.pk}/change/").content.decode()


def test_the_preview_of_a_video_browsers_cannot_play_plays_its_rendition(admin_client, library_root, media_dir):
    # given: an iPhone's HEVC video, which the playback policy serves from a web rendition
    source = factories.make_camera_video(media_dir, "iphone-hevc", seconds=1)
    video = Photo.objects.get(pk=ImportPipeline.start(ImportSource.CLI).import_path(source).photo_id)
    # when
    html = admin_client.get(f"{CHANGELIST}{video.pk}/change/").content.decode()
    # then: the preview plays what the gallery plays, never the HEVC original
    assert f'src="{playable_url(video)}"'.replace("&", "&amp;") in html
    assert "/video" in playable_url(video) and f'src="/photo/{video.pk}/original"' not in html


@pytest.mark.parametrize(("query", "expected"), [
    ("kind__exact=video", ["VID_20240201_120000.mp4"]),
    ("camera=EOS R6", ["IMG_1.jpg"]),
    ("q=IMG_", ["IMG_1.jpg"]),
    ("thumbnail=missing", ["IMG_1.jpg", "VID_20240201_120000.mp4"]),
    ("thumbnail=failed", ["IMG_1.jpg"]),
    ("thumbnail=cached", ["VID_20240201_120000.mp4"]),
    ("taken_on__year=2024&taken_on__month=1", ["IMG_1.jpg"]),
    ("trash=yes", []),
])
def test_filters_and_search(admin_client, imported, query, expected):
    # given a failed grid thumbnail for the photo and a cached one for the video, in the format
    # browsers are served (the photo's JPEG, made for a client without WebP, does not count)
    photo, video, session = imported
    if query.startswith("thumbnail=") and query != "thumbnail=missing":
        Rendition.objects.create(photo=photo, spec="h400-webp-v1", state=RenditionState.FAILED)
        Rendition.objects.create(photo=photo, spec="h400-jpeg-v1", state=RenditionState.READY)
        Rendition.objects.create(photo=video, spec="h400-webp-v1", state=RenditionState.READY)
    # when
    response = admin_client.get(f"{CHANGELIST}?{query}")
    # then
    assert response.status_code == 200
    assert sorted(p.original_name for p in response.context["cl"].result_list) == expected


@pytest.mark.parametrize(("column", "expected"), [
    (None, ["VID_20240201_120000.mp4", "IMG_1.jpg"]),  # newest first
    ("taken", ["IMG_1.jpg", "VID_20240201_120000.mp4"]),  # oldest first
    ("-taken", ["VID_20240201_120000.mp4", "IMG_1.jpg"]),
    ("original_name", ["IMG_1.jpg", "VID_20240201_120000.mp4"]),
    ("-original_name", ["VID_20240201_120000.mp4", "IMG_1.jpg"]),
    ("in_trash", ["VID_20240201_120000.mp4", "IMG_1.jpg"]),  # not sortable: newest first
])
def test_sorting_by_a_column(admin_client, imported, column, expected):
    # given the list's `o=` parameter, which numbers the columns after the checkbox's
    sign, name = column[:1] if column and column[0] == "-" else "", (column or "").lstrip("-")
    order = f"o={sign}{['action_checkbox', *PhotoAdmin.list_display].index(name)}" if column else ""
    # when / then
    response = admin_client.get(f"{CHANGELIST}?{order}")
    assert [p.original_name for p in response.context["cl"].result_list] == expected


def test_search_by_hash_prefix(admin_client, imported):
    photo, _, _ = imported
    response = admin_client.get(f"{CHANGELIST}?q={photo.sha256[:10]}")
    assert list(response.context["cl"].result_list) == [photo]


def test_delete_action_moves_to_trash_and_restore_brings_back(admin_client, imported, library_root):
    # given
    photo, _, _ = imported
    original_path = photo.path
    # when
    run_action(admin_client, "trash_photos", [photo])
    # then
    photo.refresh_from_db()
    assert photo.trashed_at is not None and (library_root / ".trash" / original_path).is_file()
    # when
    run_action(admin_client, "restore_photos", [photo])
    # then
    photo.refresh_from_db()
    assert (photo.trashed_at, photo.path) == (None, original_path)
    assert (library_root / original_path).is_file()


def test_there_is_no_straight_deletion(admin_client, imported):
    photo, _, _ = imported
    assert "delete_selected" not in admin_client.get(CHANGELIST).content.decode()
    assert admin_client.get(f"{CHANGELIST}{photo.pk}/delete/").status_code == 403


def test_fix_date_asks_for_the_date_then_moves_the_file(admin_client, imported, library_root):
    # given
    photo, _, _ = imported
    # when the action is chosen, an intermediate page asks for the date
    page = run_action(admin_client, "fix_date_taken", [photo])
    assert page.status_code == 200 and 'type="datetime-local"' in page.content.decode()
    # when it is applied
    run_action(admin_client, "fix_date_taken", [photo], apply="1", taken_at="2019-06-15T12:30")
    # then
    photo.refresh_from_db()
    assert photo.path == f"2019-06-15/img_20190615_{photo.sha256[:16]}.jpg"
    assert photo.taken_at_source == DateSource.MANUAL
    assert (library_root / photo.path).is_file()


def test_regenerate_queues_a_task(admin_client, imported):
    photo, video, _ = imported
    OrmQ.objects.all().delete()
    run_action(admin_client, "regenerate_thumbnails", [photo, video])
    assert OrmQ.objects.count() >= 1


def test_import_sessions_are_read_only_with_per_file_outcomes(admin_client, imported):
    # given
    _, _, session = imported
    # when
    sessions = admin_client.get("/admin/library/importsession/").content.decode()
    outcomes = admin_client.get(f"/admin/library/importoutcome/?session__id__exact={session.pk}")
    # then
    assert f"?session__id__exact={session.pk}" in sessions
    assert "Add import session" not in sessions
    assert sorted(o.original_name for o in outcomes.context["cl"].result_list) == [
        "IMG_1.jpg", "VID_20240201_120000.mp4"]
    assert admin_client.get(f"/admin/library/importsession/{session.pk}/change/").status_code == 200


def test_django_q_task_admin_is_available_to_staff(admin_client):
    assert admin_client.get("/admin/django_q/").status_code == 200


def test_the_admin_shows_the_cameras_own_clock(admin_client, library_root, media_dir, settings):
    # given a photo taken at 15:47 with the camera's offset −05:00, on a UTC site (20:47 in UTC)
    settings.TIME_ZONE = "UTC"
    factories.make_jpeg(media_dir / "afternoon.jpg", taken=factories.a_date(2024, 3, 5, 15, 47), offset="-05:00")
    pipeline = ImportPipeline.start(ImportSource.CLI)
    photo = Photo.objects.get(pk=pipeline.import_path(media_dir / "afternoon.jpg").photo_id)
    pipeline.finish()
    # when
    listing = admin_client.get(CHANGELIST).content.decode()
    change = admin_client.get(f"{CHANGELIST}{photo.pk}/change/").content.decode()
    by_day = admin_client.get(CHANGELIST + "?taken_on__year=2024&taken_on__month=3&taken_on__day=5").content.decode()
    # then
    assert ">2024-03-05 15:47</time>" in listing and "20:47</" not in listing
    assert ">2024-03-05 15:47</time>" in change and 'title="UTC−05:00"' in change
    assert "afternoon.jpg" in by_day
