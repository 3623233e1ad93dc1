"""Unfinished resumable uploads in the admin, in a real browser (Debian's Chromium over the real
uvicorn site): carol's upload, begun over tus, is listed with its owner, size, bytes received and
age, and the delete action removes it with its bytes. Screenshot:
tests/.artifacts/resumable-uploads-admin.png."""
import base64
import os
from contextlib import closing

import pytest

from browser import screenshot, signed_in_page
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

MB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def site(tmp_path):
    with running_site(tmp_path / "library", database_url="sqlite", extra_env={"PHOTOSITE_MIN_FREE_BYTES": "0"}) as live:
        live.create_user("carol", "carol-password-123")
        yield live


def begin_upload(site, name, length, sent):
    """carol's upload of `length` bytes with its first `sent` bytes received."""
    metadata = ",".join(f"{key} {base64.b64encode(value.encode()).decode()}"
                        for key, value in (("filename", name), ("sha256", "a" * 64)))
    with closing(site.client("carol", "carol-password-123")) as carol:
        session_id = carol.post("/api/imports/").json()["id"]
        location = carol.post(f"/api/imports/{session_id}/uploads", headers={
            **TUS, "Upload-Length": str(length), "Upload-Metadata": metadata}).headers["Location"]
        piece = carol.patch(location, content=os.urandom(sent), headers={
            **TUS, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"})
        assert piece.status_code == 204, piece.text


def test_staff_see_unfinished_uploads_and_delete_one_with_its_bytes(browser, site):
    # given
    begin_upload(site, "HOLIDAY.MOV", 40 * MB, 10 * MB)
    assert len(list((site.root / ".import_temp").iterdir())) == 1
    with signed_in_page(browser, site, viewport={"width": 1300, "height": 600}) as page:
        # when
        page.goto("/admin/library/resumableupload/")
        row = page.locator("#result_list tbody tr").first.inner_text()
        screenshot(page, "resumable-uploads-admin")
        page.locator("input[name=_selected_action]").first.check()
        page.select_option("select[name=action]", "delete_selected")
        page.click("button[name=index]")
        page.click("input[type=submit]")  # "Yes, I'm sure"
        message = page.locator(".messagelist").inner_text()
    # then
    for shown in ("HOLIDAY.MOV", "carol", "40.0\xa0MB", "10.0\xa0MB (25 %)", "minute"):
        assert shown in row
    assert "Successfully deleted 1" in message
    assert list((site.root / ".import_temp").iterdir()) == []
