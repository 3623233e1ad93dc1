"""The Content-Security-Policy (django-csp) over the live server: every HTML page carries it,
it allows no inline script or style, and Django's admin pages (the change list with its
actions, the intermediate re-date page, the change form and the thumbnail previews) work
under it in Chromium without a single violation. The gallery and import pages are driven under
the same watch in test_gallery_browser.py and test_web_import_browser.py."""
from contextlib import closing
from datetime import datetime

import httpx
import pytest

import factories
from browser import screenshot, watched_context
from live_site import ADMIN_PASSWORD, ADMIN_USER, running_site

pytestmark = [pytest.mark.slow, pytest.mark.outside_database]

POLICY = {
    "default-src": "'self'", "script-src": "'self' 'wasm-unsafe-eval'", "worker-src": "'self'", "style-src": "'self'",
    "img-src": "'self'",
    "media-src": "'self'", "object-src": "'none'", "base-uri": "'self'", "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# Functions, not bare expressions: Playwright polls an expression with eval(), which the policy refuses.
IMAGES_LOADED = "() => [...document.images].every((image) => image.complete && image.naturalWidth > 0)"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("csp")
    (root / "media").mkdir()
    factories.make_jpeg(root / "media" / "IMG_1.jpg", 640, 480, taken=datetime(2024, 5, 1, 12))
    factories.make_video(root / "media" / "clip.mp4", seconds=1, creation_time="2024-05-02T12:00:00Z")
    with running_site(root / "library") as live:
        live.manage("import", "--no-progress", str(root / "media"))
        yield live


@pytest.fixture(scope="module")
def client(site):
    with closing(site.client()) as logged_in:
        yield logged_in


@pytest.fixture(scope="module")
def photo_ids(client):
    html = client.get("/").text
    return [int(part.split('"')[0]) for part in html.split('data-id="')[1:]]


def policy_of(response):
    header = response.headers["content-security-policy"]
    return dict(directive.strip().split(" ", 1) for directive in header.split(";"))


@pytest.mark.parametrize("path", [
    "/", "/?year=2024&month=5", "/?after=nonsense", "/photo/{photo}/", "/import/", "/admin/",
    "/admin/library/photo/", "/admin/library/photo/{photo}/change/", "/admin/library/importsession/",
])
def test_every_html_page_carries_the_policy(client, photo_ids, path):
    # when
    response = client.get(path.format(photo=photo_ids[0]))
    # then
    assert response.headers["content-type"].startswith("text/html")
    assert policy_of(response) == POLICY


def test_the_login_page_carries_the_policy(site):
    response = httpx.get(site.base_url + "/accounts/login/")
    assert response.headers["content-type"].startswith("text/html")
    assert policy_of(response) == POLICY


def test_static_files_carry_their_own_policy(site):
    """A worker runs under its script's policy: the hashing worker may load the site's scripts and
    compile WebAssembly, nothing more (no network, no eval)."""
    response = httpx.get(site.base_url + "/static/library/hash_worker.js")
    assert response.status_code == 200
    assert policy_of(response) == {"default-src": "'none'", "script-src": "'self' 'wasm-unsafe-eval'"}


@pytest.mark.browser
def test_the_hashing_worker_hashes_under_its_policy_and_can_eval_nothing(site, browser):
    # given: the import page's origin, and a probe worker served under the static files' policy
    context = watched_context(browser, base_url=site.base_url)
    page = context.new_page()
    page.goto("/accounts/login/")
    context.route("**/static/library/eval-probe.js", lambda route: route.fulfill(
        status=200, content_type="text/javascript",
        headers={"Content-Security-Policy": "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'"},
        body="let ran = false; try { eval('ran = true'); } catch (error) {} postMessage(ran);"))
    # when: the hashing worker hashes a blob, and the probe tries eval()
    digest = page.evaluate("""() => new Promise((resolve) => {
        const worker = new Worker("/static/library/hash_worker.js");
        worker.onmessage = ({ data }) => resolve(data.sha256 || data.error || data.unavailable);
        worker.postMessage({ id: 1, file: new Blob(["abc"]) });
    })""")
    evaluated = page.evaluate("""() => new Promise((resolve) => {
        const worker = new Worker("/static/library/eval-probe.js");
        worker.onmessage = ({ data }) => resolve(data);
    })""")
    # then
    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # SHA-256 of "abc"
    assert evaluated is False
    context.close()


def test_the_watch_catches_an_inline_script(site, browser):
    """The check the browser tests rely on: a page of the site's origin that breaks the policy is caught."""
    # given a page of this origin with an inline script and a style attribute, under the site's policy
    context = watched_context(browser, base_url=site.base_url)
    policy = "; ".join(f"{name} {value}" for name, value in POLICY.items())
    context.route("**/csp-probe", lambda route: route.fulfill(
        status=200, content_type="text/html", headers={"Content-Security-Policy": policy},
        body='<!doctype html><p style="color:red">probe</p><script>document.title = "ran"</script>'))
    page = context.new_page()
    # when
    page.goto("/csp-probe")
    page.wait_for_timeout(300)
    # then
    assert page.title() != "ran"
    assert any("script-src" in violation for violation in context.csp.violations)
    assert any("style-src" in violation for violation in context.csp.violations)
    context.close()


@pytest.fixture
def admin_page(site, browser):
    context = watched_context(browser, base_url=site.base_url, viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.goto("/admin/login/?next=/admin/")
    page.fill("input[name=username]", ADMIN_USER)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(site.base_url + "/admin/")
    yield page
    context.close()
    context.csp.assert_none()


@pytest.mark.browser
def test_the_admin_works_under_the_policy(admin_page, photo_ids):
    page = admin_page
    # given the change list: thumbnails shown, sized by the admin stylesheet
    page.goto("/admin/library/photo/")
    page.wait_for_function(IMAGES_LOADED)
    box = page.locator("img.photo-thumbnail").first.bounding_box()
    assert box["height"] == 64
    screenshot(page, "csp-admin-list")
    # when an action is chosen (actions.js counts the selection) and run up to its form
    page.check("#action-toggle")
    assert "2 of 2 selected" in page.locator(".action-counter").inner_text()
    page.select_option("select[name=action]", "fix_date_taken")
    page.click("button[name=index]")
    # then the intermediate page asks for the date
    assert page.locator("input[name=taken_at]").is_visible()
    # and the change form shows the large preview (a photo's, then a video's)
    page.goto(f"/admin/library/photo/{photo_ids[-1]}/change/")
    page.wait_for_function(IMAGES_LOADED)
    preview = page.locator("img.photo-preview").bounding_box()
    assert 100 < preview["height"] <= 480
    screenshot(page, "csp-admin-change")
    page.goto(f"/admin/library/photo/{photo_ids[0]}/change/")
    assert page.locator("video.photo-preview").is_visible()
