"""Share links in a real browser (Playwright driving Debian's Chromium) against a real
uvicorn-served site: the album's owner makes a link on the album's page; a fresh browser context,
logged in as nobody, opens it, sees exactly the album's photos (the grid drawn from the link's
own API, every request under the link), opens the viewer (no info, no favourites), reloads the
viewer's address and finds the viewer open on that photo over the album, and reaches no
other photo by id, by thumbnail URL or by original URL (all 404), nor the site's own thumbnail
route (the fast path serves only sessions it knows). A link with a password asks for it first.
Screenshots (share-*.png) land in tests/.artifacts/."""
import re
from contextlib import closing, contextmanager
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from test_gallery_browser import ON_SCREEN_IMAGES_LOADED as IMAGES_LOADED

import factories
from browser import GRID_SETTLED, log_in, screenshot, watched_context
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

PHOTOS = [datetime(2024, 7, day, hour) for day in (3, 4) for hour in (9, 12, 15)]
OWNER, OWNER_PASSWORD = "nora", "nora-password-123"
DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
# The first three photos go in the album; the others stay out of it.
IN_ALBUM = 3


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("share-site")
    media = root / "media"
    media.mkdir()
    for index, taken in enumerate(PHOTOS):
        factories.make_jpeg(media / f"IMG_{index:02d}.jpg", 640, 480, taken=taken)
    with running_site(root / "library", database_url="sqlite", imports=[media]) as site:
        site.create_user(OWNER, OWNER_PASSWORD)
        yield site


@pytest.fixture(scope="module")
def photo_ids(site):
    """All the photos' ids, oldest first."""
    printed = site.manage("shell", "-c", "from library.models import Photo; "
                                         "print(list(Photo.objects.order_by('taken_at').values_list('pk', flat=True)))")
    return [int(found) for found in re.findall(r"\d+", printed.stdout.strip().splitlines()[-1])]


@pytest.fixture(scope="module")
def album_id(site, photo_ids):
    with closing(site.client(OWNER, OWNER_PASSWORD)) as owner:
        answer = owner.post("/api/albums/", json={"title": "Lake weekend", "ids": photo_ids[:IN_ALBUM]})
    return answer.json()["id"]


@contextmanager
def fresh_page(browser, site, viewport=DESKTOP):
    """A new browser context: no cookies, nobody logged in. CSP violations fail the test."""
    context = watched_context(browser, base_url=site.base_url, viewport=viewport)
    page = context.new_page()
    yield page
    context.close()
    context.csp.assert_none()


def make_link(browser, site, album_id, password=""):
    """The owner makes a link on the album's page, as a person does; returns its URL."""
    with fresh_page(browser, site) as page:
        log_in(page, site, OWNER, OWNER_PASSWORD)
        page.goto(f"/albums/{album_id}/")
        page.click(".share-link-panel summary")
        if password:
            page.fill(".share-link-form input[name=password]", password)
        page.click(".share-link-form button[type=submit]")
        made = page.locator(".share-link-made input")
        made.wait_for(state="visible")
        screenshot(page, "share-album-link-made" + ("-password" if password else ""))
        return made.input_value()


def tile_ids(page):
    return page.locator("#gallery .tile").evaluate_all("(tiles) => tiles.map((tile) => Number(tile.dataset.id))")


def status_of(page, url):
    """The status of a fetch from the page; a redirect to the login page counts as a 401."""
    return page.evaluate("""async (url) => {
      const response = await fetch(url);
      return new URL(response.url).pathname === "/accounts/login/" ? 401 : response.status;
    }""", url)


def test_a_visitor_with_the_link_sees_the_album_and_nothing_else(browser, site, photo_ids, album_id):
    # given a link the owner made
    url = make_link(browser, site, album_id)
    assert url.startswith(site.base_url + "/s/")
    base = url.removeprefix(site.base_url)
    with fresh_page(browser, site) as page:
        asked = []
        page.on("request", lambda request: asked.append(urlsplit(request.url).path))
        # when a visitor with no account opens it
        page.goto(url)
        page.wait_for_function("(count) => document.querySelectorAll('#gallery .tile').length >= count", arg=IN_ALBUM)
        page.wait_for_function(IMAGES_LOADED)
        # then the grid, drawn from the link's own API, shows exactly the album's photos, and no
        # tools of the site's users
        assert page.locator("#gallery").get_attribute("data-api") == base + "api/"
        assert sorted(tile_ids(page)) == sorted(photo_ids[:IN_ALBUM])
        assert page.locator(".site-header nav").count() == 0 and page.locator(".tile-check").count() == 0
        screenshot(page, "share-album")
        # the viewer opens on a photo, its preview served under the link, with no account's controls
        page.locator("#gallery .tile").first.click()
        page.locator("#viewer img").wait_for(state="visible")
        page.wait_for_function("() => document.querySelector('#viewer img').complete")
        assert page.locator("#viewer img").get_attribute("src").startswith(base)
        assert not page.locator(".viewer-download").is_visible(), "this link allows no downloads"
        assert not page.locator(".viewer-info-button").is_visible() and not page.locator(".viewer-favourite").is_visible()
        page.keyboard.press("i")
        assert page.locator(".viewer-info").is_hidden()
        screenshot(page, "share-viewer")
        first = page.locator("#viewer").get_attribute("data-photo-id")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(id) => document.querySelector('#viewer').dataset.photoId !== id", arg=first)
        shown = page.locator("#viewer").get_attribute("data-photo-id")
        page.wait_for_url(lambda url: urlsplit(url).path == f"{base}photo/{shown}/")
        # reloading the viewer's address opens the viewer on that photo, over the album's grid
        page.reload()
        page.wait_for_function(GRID_SETTLED)
        page.wait_for_function("(id) => document.querySelector('#viewer').open"
                               " && document.querySelector('#viewer').dataset.photoId === id", arg=shown)
        page.wait_for_function("() => document.querySelector('#viewer img')?.complete")
        assert page.locator("#viewer img").get_attribute("src").startswith(base)
        assert sorted(tile_ids(page)) == sorted(photo_ids[:IN_ALBUM])
        screenshot(page, "share-viewer-reloaded")
        # and steps on through the album, and closes onto the album's address
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("(id) => document.querySelector('#viewer').dataset.photoId !== id", arg=shown)
        page.keyboard.press("Escape")
        page.wait_for_function("() => !document.querySelector('#viewer').open")
        page.wait_for_url(lambda url: urlsplit(url).path == base)  # the address follows the viewer a moment later
        # everything the page asked for was under the link (or the site's static files)
        assert asked and all(path.startswith((base, "/static/")) for path in asked), asked
        # and no other photo is reachable, by its id under the link or by the site's own routes
        outside = photo_ids[IN_ALBUM]
        for route in ("", "thumbnail", "thumbnail?size=preview", "original", "original?download=1", "video"):
            assert status_of(page, f"{base}photo/{outside}/{route}") == 404, route
        for route in (f"/photo/{outside}/original", f"/api/photo/{outside}/thumbnail",
                      f"/api/photo/{photo_ids[0]}/thumbnail", f"/photo/{photo_ids[0]}/original"):
            assert status_of(page, route) in (401, 403, 404), route


def test_a_link_with_a_password_asks_for_it(browser, site, photo_ids, album_id):
    # given a link with a password
    url = make_link(browser, site, album_id, password="blue heron")
    with fresh_page(browser, site, viewport=PHONE) as page:
        # when a visitor opens it, nothing shows before the password
        response = page.goto(url)
        assert response.status == 403
        assert page.locator("#gallery").count() == 0
        page.fill("input[name=password]", "grey heron")
        page.click("button[type=submit]")
        page.locator(".error").wait_for()
        screenshot(page, "share-password-wrong")
        page.fill("input[name=password]", "blue heron")
        page.click("button[type=submit]")
        # then the album shows
        page.locator("#gallery .tile").first.wait_for()
        page.wait_for_function(IMAGES_LOADED)
        assert sorted(tile_ids(page)) == sorted(photo_ids[:IN_ALBUM])
        screenshot(page, "share-album-phone")
        # and this session, which has seen the album's thumbnails under the link, gets none from
        # the site's own route (which the thumbnail fast path answers for sessions it knows)
        for photo in photo_ids[:IN_ALBUM]:
            for size in ("", "?size=preview"):
                assert status_of(page, f"/api/photo/{photo}/thumbnail{size}") == 401


def test_the_owner_s_links_are_listed_and_revoked(browser, site, album_id):
    # given a link
    url = make_link(browser, site, album_id)
    with fresh_page(browser, site) as visitor:
        assert visitor.goto(url).status == 200
    with fresh_page(browser, site) as page:
        log_in(page, site, OWNER, OWNER_PASSWORD)
        page.goto("/shares/")
        rows = page.locator(".share-links tbody tr:not(.revoked)")
        before = rows.count()
        assert before >= 1
        screenshot(page, "share-list")
        # when the newest is revoked
        page.once("dialog", lambda dialog: dialog.accept())
        rows.first.locator("button[data-revoke]").click()
        page.wait_for_function("(count) => document.querySelectorAll('.share-links tbody tr:not(.revoked)').length "
                               "=== count", arg=before - 1)
    # then the link opens nothing
    with fresh_page(browser, site) as visitor:
        assert visitor.goto(url).status == 410
        screenshot(visitor, "share-revoked")
