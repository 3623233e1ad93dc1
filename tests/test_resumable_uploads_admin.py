"""Unfinished resumable uploads in the admin: listed with their owner, size, bytes received and
age, so staff see who holds the disk; deleted together with their bytes, by staff allowed to
delete them and by no one else."""
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from library.models import ResumableUpload
from library.services import resumable_uploads, web_import

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/library/resumableupload/"
MB = 1024 * 1024


@pytest.fixture
def upload(library_root, django_user_model):
    """carol's upload of 3 MB, begun two hours ago, its first 1 MB received."""
    carol = django_user_model.objects.create_user("carol")
    session = web_import.start_session(carol)
    upload = resumable_uploads.create(carol, session, "HOLIDAY.MOV", 3 * MB, "a" * 64)
    resumable_uploads.write_piece(upload, session, 0, io.BytesIO(b"x" * MB), MB)
    ResumableUpload.objects.filter(pk=upload.pk).update(created_at=timezone.now() - timedelta(hours=2, minutes=1))
    return upload


def staff_member(django_user_model, name, *permissions):
    user = django_user_model.objects.create_user(name, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    return user


def delete_with_the_action(client, upload):
    return client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [upload.pk], "post": "yes"})


def test_unfinished_uploads_are_listed_with_owner_size_received_and_age(client, django_user_model, upload):
    # given
    client.force_login(staff_member(django_user_model, "viewer", "view_resumableupload"))
    # when
    html = client.get(CHANGELIST).content.decode()
    # then
    for shown in ("HOLIDAY.MOV", "carol", "3.0\xa0MB", "1.0\xa0MB (33 %)", "2\xa0hours"):
        assert shown in html


def test_the_delete_action_removes_the_bytes_received(client, django_user_model, upload):
    # given
    client.force_login(staff_member(django_user_model, "keeper", "view_resumableupload", "delete_resumableupload"))
    held = resumable_uploads.temp_path(upload)
    assert held.stat().st_size == MB
    # when
    response = delete_with_the_action(client, upload)
    # then
    assert response.status_code == 302
    assert not ResumableUpload.objects.exists()
    assert not held.exists()


def test_its_own_delete_page_removes_the_bytes_too(client, django_user_model, upload):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", None))
    held = resumable_uploads.temp_path(upload)
    assert client.post(f"{CHANGELIST}{upload.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not ResumableUpload.objects.exists()
    assert not held.exists()


def test_staff_who_may_only_view_cannot_delete(client, django_user_model, upload):
    # given
    client.force_login(staff_member(django_user_model, "viewer", "view_resumableupload"))
    # when
    action = delete_with_the_action(client, upload)
    page = client.post(f"{CHANGELIST}{upload.pk}/delete/", {"post": "yes"})
    # then
    assert action.status_code in (200, 302) and page.status_code == 403
    assert ResumableUpload.objects.filter(pk=upload.pk).exists()
    assert resumable_uploads.temp_path(upload).stat().st_size == MB


def test_staff_without_the_view_permission_see_nothing(client, django_user_model, upload):
    client.force_login(staff_member(django_user_model, "other"))
    assert client.get(CHANGELIST).status_code == 403
