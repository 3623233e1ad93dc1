"""What the browser is served is what the workers made (issue #13), tried as a person would: a
folder imported through /import/ in Chromium, the background workers left to finish, then the
gallery scrolled to its end. Not one thumbnail may be made on request: the count comes from the
rendition rows (each carries how many times it was made), not from timings. Screenshot:
tests/.artifacts/thumbnails-made-ahead-gallery.png."""
import json
import time
import uuid
from datetime import timedelta

import pytest

import factories
from browser import screenshot
from live_site import ADMIN_PASSWORD, ADMIN_USER, running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

PHOTOS = 20
PAGE_SIZE = 6  # several pages, so scrolling to the end goes through the infinite scroll
WAIT_MS = 60_000
WORKERS_TIMEOUT_SECONDS = 180
RENDITIONS = """
import json
from thumbnails.models import Rendition
print(json.dumps({f"{row.photo_id} {row.spec}": [row.state, row.generations] for row in Rendition.objects.all()}))
"""


@pytest.fixture
def site(tmp_path):
    env = {"PHOTOSITE_GALLERY_PAGE_SIZE": str(PAGE_SIZE), "PHOTOSITE_WORKERS": "2",
           "PHOTOSITE_QUEUE_NAME": f"test-{uuid.uuid4().hex[:12]}"}
    with running_site(tmp_path / "library", database_url="sqlite", extra_env=env) as live:
        live.start_workers()
        yield live


@pytest.fixture
def folder(tmp_path):
    """Twenty photos of a day out (landscape, portrait, rotated by the camera) and a clip."""
    folder = tmp_path / "card"
    folder.mkdir()
    shapes = [(1600, 1200, None), (1200, 1600, None), (1600, 1200, 6), (1600, 1200, 3), (1200, 1600, 8)]
    for index in range(PHOTOS):
        width, height, orientation = shapes[index % len(shapes)]
        factories.make_jpeg(folder / f"IMG_{index:04d}.JPG", width, height, orientation=orientation,
                            taken=factories.a_date() + timedelta(minutes=index))
    factories.make_video(folder / "VID_0001.mp4", seconds=1, width=640, height=360)
    return folder


def renditions(site) -> dict[str, list]:
    """{"<photo id> <spec>": [state, generations]} of every Rendition row."""
    return json.loads(site.manage("shell", "-c", RENDITIONS).stdout.strip().splitlines()[-1])


def wait_for_the_workers(site, expected: int) -> dict[str, list]:
    """The rows once the workers have recorded `expected` thumbnails as made."""
    deadline = time.monotonic() + WORKERS_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        rows = renditions(site)
        if sum(state == "ready" for state, _ in rows.values()) >= expected:
            return rows
        time.sleep(1)
    raise AssertionError(f"the workers made {rows} of {expected} thumbnails in {WORKERS_TIMEOUT_SECONDS} s")


def test_a_scrolled_gallery_shows_only_thumbnails_the_workers_made(site, browser, folder):
    # given: a person imports a folder through the import page and lets the workers finish
    context = browser.new_context(viewport={"width": 1100, "height": 700}, base_url=site.base_url)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto("/import/")
    page.fill("input[name=username]", ADMIN_USER)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/import/")
    page.set_input_files("#file-picker", sorted(folder.iterdir()))
    page.locator("#summary").wait_for(state="visible")
    assert f"{PHOTOS + 1} imported" in page.locator("#summary-text").text_content()
    made_ahead = wait_for_the_workers(site, PHOTOS + 1)
    served = []
    page.on("response", lambda response: "/thumbnail" in response.url and served.append(
        (response.status, response.headers.get("content-type"), response.headers.get("x-thumbnail-placeholder"))))
    # when: they scroll the gallery to its end
    page.goto("/")
    tiles = page.locator(".tile")
    for _ in range(30):
        if tiles.count() == PHOTOS + 1:
            break
        page.mouse.wheel(0, 2000)
        page.wait_for_timeout(300)
    for index in range(tiles.count()):
        tiles.nth(index).scroll_into_view_if_needed()
    page.wait_for_function("[...document.querySelectorAll('.tile img')].every(i => i.complete && i.naturalWidth > 0)")
    shown = tiles.count()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "thumbnails-made-ahead-gallery")
    context.close()
    # then: every tile shows a WebP picture, and not one thumbnail was made on request
    assert shown == PHOTOS + 1
    assert len(served) >= PHOTOS + 1
    assert {content_type for _, content_type, _ in served} == {"image/webp"}, served
    assert not any(placeholder for _, _, placeholder in served)
    assert renditions(site) == made_ahead, "thumbnails were made on request after the workers finished"
