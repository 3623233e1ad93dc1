"""The import page in a real browser (Playwright driving Debian's Chromium) against the real server."""
import json
from datetime import timedelta

import pytest

import factories
from browser import screenshot, watched_context
from live_site import ADMIN_PASSWORD, ADMIN_USER

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT_MS = 30_000


@pytest.fixture
def page(live_site, browser):
    context = watched_context(browser)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    # given: a person logging in through the form on their way to the import page
    page.goto(live_site.base_url + "/import/")
    page.fill("input[name=username]", ADMIN_USER)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/import/")
    yield page
    context.close()
    context.csp.assert_none()


def counter(page, name):
    return page.locator(f"[data-count={name}]")


def expect_counters(page, **expected):
    for name, value in expected.items():
        page.wait_for_function("([name, value]) => document.querySelector(`[data-count=${name}]`).textContent === value",
                               arg=[name, str(value)])


def test_a_dozen_files_through_the_picker(live_site, page, tmp_path):
    # given: ten photos, one of them twice under another name, and a text file posing as a photo
    photos = [factories.make_jpeg(tmp_path / f"IMG_{i:04d}.JPG", 320, 240, taken=factories.a_date() + timedelta(days=i))
              for i in range(10)]
    copy = tmp_path / "copy of IMG_0000.JPG"
    copy.write_bytes(photos[0].read_bytes())
    junk = factories.make_text_file(tmp_path / "notes.jpg")
    # when
    page.set_input_files("#file-picker", [*photos, copy, junk])
    # then
    page.locator("#summary").wait_for(state="visible")
    expect_counters(page, imported=10, duplicate=1, failed=1, remaining=0)
    assert "10 imported, 1 already in the library, 1 failed" in page.locator("#summary-text").text_content()
    assert "notes.jpg" in page.locator("#failures li").text_content()
    assert "not a supported photo or video" in page.locator("#failures li").text_content()
    duplicate_link = page.locator("#duplicates li a")
    assert "copy of IMG_0000.JPG" in duplicate_link.text_content()
    assert duplicate_link.get_attribute("href").startswith("/photo/")
    screenshot(page, "web-import-complete")
    assert page.evaluate("sessionStorage.length") == 0


def test_a_reloaded_page_reattaches_to_its_session(live_site, page, tmp_path):
    # given: a session of five files of which three reached the server before the page was reloaded
    photos = [factories.make_jpeg(tmp_path / f"IMG_{i:04d}.JPG", 160, 120, taken=factories.a_date(day=i + 1))
              for i in range(3)]
    session = page.request.post(live_site.base_url + "/api/imports/",
                                headers={"X-CSRFToken": csrf_token(page)}).json()
    for photo in photos:
        page.request.post(f"{live_site.base_url}/api/imports/{session['id']}/files",
                          headers={"X-CSRFToken": csrf_token(page)}, multipart={"file": path_payload(photo)})
    page.evaluate("saved => sessionStorage.setItem('photosite.import.session', saved)",
                  json.dumps({"id": session["id"], "events_url": session["events_url"], "queued": 5}))
    # when
    page.reload()
    # then
    expect_counters(page, imported=3, remaining=2)
    assert "interrupted" in page.locator("#import-status").text_content()
    screenshot(page, "web-import-reattached")
    page.click("#finish-button")
    page.locator("#summary").wait_for(state="visible")
    assert "3 imported" in page.locator("#summary-text").text_content()


def csrf_token(page):
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def path_payload(path):
    return {"name": path.name, "mimeType": "image/jpeg", "buffer": path.read_bytes()}


def test_an_ordinary_users_copy_of_a_trashed_photo_is_named_but_not_linked(live_site, browser, tmp_path):
    # given: a photo in the trash, and an ordinary user on the import page
    (tmp_path / "card").mkdir()
    photo = factories.make_jpeg(tmp_path / "card" / "IMG_TRASHED.JPG", 320, 240, taken=factories.a_date())
    live_site.manage("import", str(photo.parent), "--no-progress")
    live_site.manage("shell", "-c", "from library.models import Photo; from library.curation.trash import move_to_trash;"
                     "move_to_trash(Photo.objects.get())")
    live_site.create_user("carol", "carol-password-123")
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(live_site.base_url + "/import/")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", "carol-password-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/import/")
    # when: she picks its bytes
    page.set_input_files("#file-picker", [photo])
    # then: a duplicate, said to be in the trash, with no link or preview of the photo
    expect_counters(page, imported=0, duplicate=1, failed=0, remaining=0)
    page.locator("#duplicates").evaluate("details => { details.open = true; }")
    assert page.locator("#duplicates li").text_content() == "IMG_TRASHED.JPG — in the trash"
    assert page.locator("#duplicates li a, #duplicates li img").count() == 0
    screenshot(page, "web-import-duplicate-in-trash")
    context.close()


def test_the_page_says_so_when_its_login_session_ends(live_site, page):
    # given: the page following a session of one file, the stream open
    session = page.request.post(live_site.base_url + "/api/imports/", headers={"X-CSRFToken": csrf_token(page)}).json()
    page.evaluate("saved => sessionStorage.setItem('photosite.import.session', saved)",
                  json.dumps({"id": session["id"], "events_url": session["events_url"], "queued": 1}))
    page.reload()
    expect_counters(page, remaining=1)
    # when: the login session is deleted (as a logout in another tab or a password change would)
    live_site.manage("shell", "-c", "from django.contrib.sessions.models import Session; Session.objects.all().delete()")
    # then: the stream ends, and the page says why rather than going on showing progress
    page.wait_for_function("() => document.getElementById('import-status').textContent.includes('login session ended')",
                           timeout=10_000)
    assert "Progress stream closed: your login session ended" in page.locator("#import-status").text_content()
    screenshot(page, "web-import-login-ended")


def test_sidecars_and_litter_are_skipped_apart_from_failures(live_site, page, tmp_path):
    # given a Lightroom-style export: photos with their XMP sidecars, a folder's litter, and one broken photo
    import sidecar_factories

    folder = tmp_path / "lightroom-export"
    folder.mkdir()
    for i in range(3):
        factories.make_jpeg(folder / f"DSC_{i:04d}.jpg", 320, 240, taken=factories.a_date() + timedelta(days=i))
        sidecar_factories.make_xmp(folder / f"DSC_{i:04d}.xmp", rating=i + 2, keywords=["export"])
    sidecar_factories.make_folder_litter(folder)
    factories.make_text_file(folder / "broken.jpg")
    # when the folder is picked
    page.set_input_files("#folder-picker", str(folder))
    # then the sidecars and litter are counted apart from the one failure
    page.locator("#summary").wait_for(state="visible")
    expect_counters(page, imported=3, duplicate=0, skipped=7, failed=1, remaining=0)
    assert "3 imported, 0 already in the library, 1 failed, 7 skipped (not photos or videos)" in \
        page.locator("#summary-text").text_content()
    assert page.locator("#failures li").count() == 1
    assert "lightroom-export/broken.jpg" in page.locator("#failures li").text_content()
    page.locator("#skipped summary").click()  # a closed list: opened as a person would
    skipped = page.locator("#skipped li").all_inner_texts()
    assert len(skipped) == 7
    assert any("lightroom-export/DSC_0000.xmp — sidecar of DSC_0000.jpg: keywords, rating applied" in line
               for line in skipped), skipped
    assert any("lightroom-export/Thumbs.db — not a photo or video: system file" in line for line in skipped), skipped
    # and nothing about them is in the failure's red
    red = "rgb(220, 38, 38)"
    assert page.locator(".counter.skipped dd").evaluate("element => getComputedStyle(element).color") != red
    assert page.locator("#skipped").evaluate("element => getComputedStyle(element).color") != red
    screenshot(page, "web-import-skipped")
