"""The gallery of a library on an object store (SeaweedFS, real), live in Chromium, in both
serving modes: with `PHOTOSITE_S3_REDIRECT` the tiles' thumbnails come from the store through
presigned redirects, which the Content-Security-Policy allows; without, they come from the site,
from copies on its machine, which the thumbnail fast path then answers."""
import hashlib
from contextlib import closing
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from library.paths import THUMBNAIL_CACHE_DIR

import factories
from browser import GRID_SETTLED, log_in, screenshot, watched_context
from live_site import running_site

pytestmark = pytest.mark.slow

IMAGES_LOADED = "() => [...document.images].every((image) => image.complete && image.naturalWidth > 0)"
WEBP = "image/avif,image/webp,*/*"


@pytest.fixture(scope="module")
def site(tmp_path_factory, object_store):
    tmp = tmp_path_factory.mktemp("store-gallery")
    (tmp / "media").mkdir()
    photos = [factories.make_jpeg(tmp / "media" / f"IMG_{day}.jpg", 900, 600, taken=datetime(2024, 6, day, 12))
              for day in (1, 2, 3)]
    prefix = "gallery-" + hashlib.sha256(str(tmp).encode()).hexdigest()[:12]
    with running_site(tmp / "library", extra_env=object_store.environment(object_store.bucket, prefix=prefix),
                      imports=photos, start_web=False) as live:
        yield live


def serving(site, redirect: bool):
    """The site's web process, (re)started with browsers sent to the store or not."""
    site.stop()
    site.env["PHOTOSITE_S3_REDIRECT"] = "true" if redirect else "false"
    return site.start_web()


def tiles_seen(browser, site, name: str) -> list[tuple[str, int]]:
    """(origin, status) of every thumbnail response while the gallery's tiles load in a new
    session (the gallery the login lands on, watched from before it loads)."""
    seen = []
    context = watched_context(browser, base_url=site.base_url, viewport={"width": 1000, "height": 700})
    page = context.new_page()
    page.on("response", lambda response: seen.append(response) if "thumbnail" in response.url
            or "/.thumbnails/" in response.url else None)
    log_in(page, site)
    page.wait_for_function(GRID_SETTLED)
    page.wait_for_function(IMAGES_LOADED)
    assert page.locator("#gallery .tile img").count() == 3
    screenshot(page, name, full_page=False)
    context.close()
    context.csp.assert_none()
    return [(f"{urlsplit(response.url).scheme}://{urlsplit(response.url).netloc}", response.status)
            for response in seen]


def test_with_redirects_the_tiles_load_from_the_store_within_the_policy(browser, site, object_store):
    # given: the thumbnails made (or found) by a first visit
    serving(site, redirect=True)
    tiles_seen(browser, site, "object-store-gallery-redirect-first")

    # when: another session visits
    seen = tiles_seen(browser, site, "object-store-gallery-redirect")

    # then (each visit asserted that the policy refused nothing)
    assert sorted(seen) == sorted([(site.base_url, 302)] * 3 + [(object_store.endpoint_url, 200)] * 3)
    assert not (site.root / THUMBNAIL_CACHE_DIR).exists()


def test_without_redirects_the_tiles_and_the_fast_path_serve_copies_on_this_machine(browser, site):
    # given: the thumbnails made (or found) by a first visit
    serving(site, redirect=False)
    tiles_seen(browser, site, "object-store-gallery-stream-first")

    # when: another session visits, and a client asks the same thumbnail twice
    seen = tiles_seen(browser, site, "object-store-gallery-stream")
    with closing(site.client()) as client:
        photo_id = client.get("/").text.split('data-id="')[1].split('"')[0]
        url = f"/api/photo/{photo_id}/thumbnail"
        by_django = client.get(url, headers={"Accept": WEBP})
        by_fast_path = client.get(url, headers={"Accept": WEBP})
        revalidated = client.get(url, headers={"Accept": WEBP, "If-None-Match": by_django.headers["etag"]})

    # then: nothing fetched from the store by the browser
    assert seen == [(site.base_url, 200)] * 3
    assert by_django.status_code == by_fast_path.status_code == 200
    assert by_fast_path.headers.get("x-thumbnail-served-by") == "fast-path"
    assert by_fast_path.content == by_django.content and by_fast_path.content[8:12] == b"WEBP"
    assert by_fast_path.headers["etag"] == by_django.headers["etag"]
    assert revalidated.status_code == 304
    assert len(list((site.root / THUMBNAIL_CACHE_DIR).iterdir())) == 3
