"""Every HTML page of the running site says `Cache-Control: private, no-store` (a page shows one
user's library and carries the CSRF token: no shared cache or browser disk may keep it), for an
anonymous visitor, a logged-in user and staff, error pages included; answers that are not pages
keep their own caching (originals, thumbnails, static files: kept a year when asked by the
version the pages name, else revalidated)."""
import re
from contextlib import closing

import httpx
import pytest

from factories import a_date, make_jpeg
from live_site import running_site
from routes import all_routes, concrete_url

pytestmark = [pytest.mark.slow]

NOT_STORED = {"private", "no-store"}
# The logout routes would end the walking client's session.
SKIPPED = {"accounts/logout/", "admin/logout/"}


def directives(response) -> set:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running_site(tmp_path_factory.mktemp("page-caching") / "library") as live:
        live.create_user("ordinary", "ordinary-password-1")
        yield live


@pytest.fixture(scope="module")
def ids(site, tmp_path_factory):
    """Real ids for every URL parameter, so pages render rather than 404."""
    picture = make_jpeg(tmp_path_factory.mktemp("page-caching-photo") / "a.jpg", 64, 48, taken=a_date(2022))
    with closing(site.client()) as staff:
        session = staff.post("/api/imports/").json()["id"]
        uploaded = staff.post(f"/api/imports/{session}/files",
                              files=[("file", ("a.jpg", picture.read_bytes(), "image/jpeg"))]).json()
    photo_id = uploaded["results"][0]["photo_id"]
    return {"photo_id": photo_id, "session_id": session, "object_id": photo_id, "id": 1, "app_label": "library",
            "url": "library/photo/"}


def html_responses(client, ids):
    """(url, response) for every route's GET answer that is a page, and some error pages."""
    urls = [concrete_url(route, entry, ids) for route, entry in all_routes() if route not in SKIPPED]
    urls += ["/?after=not-a-position", "/?month=2024-13", "/admin/library/photo/?o=x"]
    for url in urls:
        with client.stream("GET", url) as response:  # headers only: the event stream never ends
            if response.headers.get("Content-Type", "").startswith("text/html"):
                yield url, response


@pytest.mark.parametrize("role", ["anonymous", "ordinary", "staff"])
def test_every_html_page_is_private_and_not_stored(site, ids, role):
    # given
    clients = {"anonymous": lambda: httpx.Client(base_url=site.base_url, timeout=60),
               "ordinary": lambda: site.client("ordinary", "ordinary-password-1"), "staff": site.client}
    with closing(clients[role]()) as client:
        # when
        pages = dict(html_responses(client, ids))
    # then
    assert len(pages) >= {"anonymous": 2, "ordinary": 4, "staff": 40}[role], sorted(pages)
    for url, response in pages.items():
        assert directives(response) >= NOT_STORED, f"{url} ({response.status_code}): {response.headers}"


def test_answers_that_are_not_pages_keep_their_own_caching(site, ids):
    with closing(site.client()) as staff:
        original = staff.get(f"/photo/{ids['photo_id']}/original")
        thumbnail = staff.get(f"/api/photo/{ids['photo_id']}/thumbnail")
        static = staff.get("/static/library/site.css")
    assert directives(original) == {"private", "max-age=86400"}
    assert "no-store" not in directives(thumbnail) and directives(thumbnail)
    assert directives(static) == {"no-cache"} and static.headers["ETag"]  # kept, and asked whether it changed


def test_a_page_names_its_static_files_by_version_and_those_are_kept_a_year(site):
    # given the gallery's page
    with closing(site.client()) as staff:
        page = staff.get("/").text
        addresses = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
        # when each static file it names is fetched as named
        answers = {address: staff.get(address) for address in addresses}
    # then each is this version's, kept for a year, with its type and the static files' policy
    assert len(answers) >= 10, addresses
    for address, response in answers.items():
        version = address.partition("?v=")[2]
        assert version and response.headers["ETag"] == f'"{version}"', address
        assert directives(response) == {"public", "max-age=31536000", "immutable"}, address
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert answers[next(a for a in addresses if "gallery.js" in a)].headers["Content-Type"] == "text/javascript"
    assert answers[next(a for a in addresses if "gallery.css" in a)].headers["Content-Type"] == "text/css"


def test_a_static_file_asked_again_with_its_tag_is_a_304_and_a_head_has_no_body(site):
    with httpx.Client(base_url=site.base_url, timeout=60) as visitor:
        first = visitor.get("/static/library/site.css?v=an-old-version")
        again = visitor.get("/static/library/site.css", headers={"If-None-Match": first.headers["ETag"]})
        head = visitor.head("/static/library/site.css")
        missing = visitor.get("/static/library/no-such-file.css")
    assert first.status_code == 200 and first.content and directives(first) == {"no-cache"}
    assert again.status_code == 304 and not again.content and again.headers["ETag"] == first.headers["ETag"]
    assert head.status_code == 200 and not head.content
    assert head.headers["Content-Length"] == str(len(first.content))
    assert missing.status_code == 404
