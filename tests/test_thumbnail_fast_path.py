"""The thumbnail fast path (thumbnails/fast_path.py): cache hits answered before Django, only for
sessions and thumbnails Django itself served recently, with the very response Django gives.

End to end over one real uvicorn-served site for the module (starting one per test would cost
seconds each), plus plain ASGI calls of the middleware for everything that must fall through."""
import os
import subprocess
import sys
import time
from contextlib import closing

import httpx
import pytest

from thumbnails import fast_path_tables
from thumbnails.fast_path import ThumbnailFastPath
from thumbnails.fast_path_tables import ExpiringLruTable, KnownHit, Principal, file_identity
from thumbnails.responses import OFFER_SCOPE_KEY, SESSION_OFFER_SCOPE_KEY, Offer, SessionOffer
from thumbnails.specs import ThumbnailSpec

import factories
from browser import run_coroutine
from live_site import PROJECT_DIR, running_site

FAST_PATH = "fast-path"
# Headers that differ between any two responses, or that only the fast path adds.
PER_RESPONSE_HEADERS = {"date", "server", "x-thumbnail-served-by"}
WEBP = "image/avif,image/webp,*/*"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One live site for the module, with two imported photos; like conftest's `live_site`."""
    tmp = tmp_path_factory.mktemp("fast-path")
    with running_site(tmp / "live-library") as site:
        for name, width in (("kept.jpg", 1600), ("trashed.jpg", 1200)):
            site.manage("import", "--no-progress", str(factories.make_jpeg(tmp / name, width, 900)))
        yield site


@pytest.fixture
def client(site):
    with closing(site.client()) as client:
        yield client


@pytest.fixture(scope="module")
def photo_ids(site):
    """Original name → id of the site's photos."""
    output = shell_output(site, "from library.models import Photo; "
                                "print(','.join(f'{p.original_name}={p.pk}' for p in Photo.objects.all()))")
    return {name: int(pk) for name, pk in (pair.split("=") for pair in output.split(","))}


def shell_output(site, code):
    """The last line `manage.py shell -c` printed (Django 5.2 first announces its auto-imports)."""
    return site.manage("shell", "-c", code).stdout.split()[-1]


def comparable(response):
    return {name: value for name, value in response.headers.items() if name not in PER_RESPONSE_HEADERS}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "query", "accept"),
    [
        ("GET", "", ""),
        ("GET", "?size=800", "image/png,*/*"),
        ("GET", "?v=stale", WEBP),
        ("HEAD", "", WEBP),
    ],
)
def test_a_second_request_is_served_by_the_fast_path_exactly_as_django_served_the_first(
        site, photo_ids, client, method, query, accept):
    # given a logged-in session's first request, answered by Django
    url = f"/api/photo/{photo_ids['kept.jpg']}/thumbnail{query}"
    by_django = client.request(method, url, headers={"Accept": accept})
    # when it asks again
    by_fast_path = client.request(method, url, headers={"Accept": accept})
    # then the fast path answers, with the same status, body and headers
    assert by_django.status_code == 200 and "x-thumbnail-served-by" not in by_django.headers
    assert by_fast_path.headers["x-thumbnail-served-by"] == FAST_PATH
    assert by_fast_path.status_code == 200
    assert by_fast_path.content == by_django.content
    assert comparable(by_fast_path) == comparable(by_django)


@pytest.mark.slow
def test_content_addressed_url_is_immutable_and_accept_picks_the_format(site, client):
    # given the gallery's content-addressed URL, warmed for both formats
    url = shell_output(site, "from library.models import Photo; from thumbnails.links import thumbnail_url; "
                            "print(thumbnail_url(Photo.objects.get(original_name='kept.jpg')))")
    for accept in ("", WEBP):
        client.get(url, headers={"Accept": accept})
    # when both are asked for again
    jpeg, webp = (client.get(url, headers={"Accept": accept}) for accept in ("", WEBP))
    # then both come from the fast path, forever-cacheable, each in its own format
    for response, content_type in ((jpeg, "image/jpeg"), (webp, "image/webp")):
        assert response.headers["x-thumbnail-served-by"] == FAST_PATH
        assert response.headers["content-type"] == content_type
        assert response.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert jpeg.content[:2] == b"\xff\xd8" and webp.content[8:12] == b"WEBP"
    assert jpeg.headers["etag"] != webp.headers["etag"]


@pytest.mark.slow
def test_if_none_match_gives_the_same_304_as_django(site, photo_ids, client):
    # given an ETag Django gave, and a 304 from Django for it
    url = f"/api/photo/{photo_ids['kept.jpg']}/thumbnail?size=preview"
    etag = client.get(url).headers["etag"]
    other_client = site.client()
    by_django = other_client.get(url, headers={"If-None-Match": etag})
    other_client.close()
    # when the warmed session revalidates
    by_fast_path = client.get(url, headers={"If-None-Match": f'W/"nope", {etag}'})
    # then the fast path says 304, as Django did
    assert by_django.status_code == by_fast_path.status_code == 304
    assert by_fast_path.headers["x-thumbnail-served-by"] == FAST_PATH
    assert not by_fast_path.content
    assert comparable(by_fast_path) == comparable(by_django)


@pytest.mark.slow
@pytest.mark.parametrize("cookies", [{}, {"sessionid": "made-up-session-key"}])
def test_anonymous_requests_never_get_a_thumbnail(site, photo_ids, client, cookies):
    # given a thumbnail the fast path knows, for a logged-in session
    url = f"/api/photo/{photo_ids['kept.jpg']}/thumbnail"
    client.get(url)
    assert client.get(url).headers["x-thumbnail-served-by"] == FAST_PATH
    # when someone without that session asks
    response = httpx.get(site.base_url + url, cookies=cookies)
    # then Django sends them to the login page
    assert response.status_code == 302 and "/accounts/login/" in response.headers["location"]


@pytest.mark.slow
def test_a_logged_out_session_is_refused_at_once(site, photo_ids, client):
    # given a session the fast path serves
    url = f"/api/photo/{photo_ids['kept.jpg']}/thumbnail"
    client.get(url)
    assert client.get(url).headers["x-thumbnail-served-by"] == FAST_PATH
    session_key = client.cookies["sessionid"]
    # when it logs out
    assert client.post("/accounts/logout/").status_code == 302
    # then its old cookie gets no thumbnail
    response = httpx.get(site.base_url + url, cookies={"sessionid": session_key})
    assert response.status_code == 302 and "/accounts/login/" in response.headers["location"]


@pytest.mark.slow
def test_a_trashed_photo_is_not_served_by_the_fast_path(site, photo_ids, client):
    # given a photo whose thumbnail the fast path serves
    photo = photo_ids["trashed.jpg"]
    url = f"/api/photo/{photo}/thumbnail"
    client.get(url)
    assert client.get(url).headers["x-thumbnail-served-by"] == FAST_PATH
    # when another process moves it to the trash (which deletes its thumbnails)
    site.manage("shell", "-c", "from library.models import Photo; from library.curation.trash import "
                               f"move_to_trash; move_to_trash(Photo.objects.get(pk={photo}))")
    # then the next request goes to Django
    assert "x-thumbnail-served-by" not in client.get(url).headers


@pytest.mark.slow
def test_a_new_device_gets_its_first_screen_from_the_fast_path(site, photo_ids, client):
    # given a thumbnail the site served to one device
    url = f"/api/photo/{photo_ids['kept.jpg']}/thumbnail"
    client.get(url)
    # when another device logs in and opens the gallery, then asks for that thumbnail
    with closing(site.client()) as new_device:
        assert new_device.get("/").status_code == 200
        first = new_device.get(url)
    # then the gallery page has taught the fast path its session: the first thumbnail comes from it
    assert first.status_code == 200 and first.headers["x-thumbnail-served-by"] == FAST_PATH


@pytest.mark.slow
def test_a_thumbnail_of_the_library_storage_is_still_known_once_its_session_expired(site, photo_ids, client):
    # given a session's first request, answered by Django, and then one only this test asks for (so Django answers it)
    older, newer = (f"/api/photo/{photo_ids['kept.jpg']}/thumbnail?size={size}" for size in ("800", "preview"))
    client.get(older)
    client.get(newer, headers={"Accept": WEBP})
    # when the TTL has passed since: the fast path stops answering the newer one (Django does, vouching anew)
    while client.get(newer, headers={"Accept": WEBP}).headers.get("x-thumbnail-served-by") == FAST_PATH:
        time.sleep(0.05)
    # then the older one, remembered before that, still comes from the fast path
    assert client.get(older).headers.get("x-thumbnail-served-by") == FAST_PATH


@pytest.mark.parametrize(("switch", "outermost_app"), [("1", "ThumbnailFastPath"), ("0", "StaticFiles")])
def test_the_switch_takes_the_fast_path_out_of_the_stack(tmp_path, switch, outermost_app):
    code = "from photosite.asgi import application; print(type(application).__name__)"
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True, timeout=60,
        env={**os.environ, "PHOTOSITE_LIBRARY_ROOT": str(tmp_path), "PHOTOSITE_THUMBNAIL_FAST_PATH": switch},
    )
    assert completed.stdout.split()[-1] == outermost_app


# -- the middleware alone, called as a plain ASGI app -------------------------------------------

SPEC = ThumbnailSpec.for_size("400", "jpeg")
SESSION = "a-trusted-session"
STAFF_SESSION = "a-staff-session"


class InnerApp:
    """Stands for Django: records that it was called and answers 418."""

    def __init__(self):
        self.called = False

    async def __call__(self, scope, receive, send):
        self.called = True
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def tables(monkeypatch):
    """Empty tables for the test, the process's own back afterwards."""
    monkeypatch.setattr(fast_path_tables, "sessions", ExpiringLruTable(fast_path_tables.MAX_SESSIONS))
    monkeypatch.setattr(fast_path_tables, "hits", ExpiringLruTable(fast_path_tables.MAX_HITS))
    return fast_path_tables


def remember_hit(tables, thumbnail, photo_id=7, in_trash=False, deleted_on_trash=True):
    tables.remember_hit(photo_id, SPEC, KnownHit(str(thumbnail), file_identity(thumbnail.stat()), '"etag-7"',
                                                 "image/jpeg", "abc-1", in_trash, deleted_on_trash))


@pytest.fixture
def known_thumbnail(tables, tmp_path):
    thumbnail = tmp_path / "thumbnail.jpg"
    thumbnail.write_bytes(b"\xff\xd8 thumbnail bytes")
    tables.remember_session(SESSION, Principal(is_staff=False))
    tables.remember_session(STAFF_SESSION, Principal(is_staff=True))
    remember_hit(tables, thumbnail)
    return thumbnail


def call(path="/api/photo/7/thumbnail", method="GET", query=b"", cookie=f"sessionid={SESSION}"):
    """(status, headers, body, whether the inner app was called) for one request."""
    inner, sent = InnerApp(), []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": method, "path": path, "query_string": query,
             "headers": [(b"cookie", cookie.encode())] if cookie else []}
    run_coroutine(ThumbnailFastPath(inner)(scope, receive, send))
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"], inner.called


def test_a_known_session_and_hit_are_served_without_the_inner_app(known_thumbnail):
    status, headers, body, inner_called = call(query=b"v=abc-1")
    assert (status, body, inner_called) == (200, known_thumbnail.read_bytes(), False)
    assert headers[b"cache-control"] == b"private, max-age=31536000, immutable"
    assert headers[b"x-thumbnail-served-by"] == b"fast-path"


@pytest.mark.parametrize(
    ("request_args", "why"),
    [
        ({"path": "/api/photo/7/thumbnail/"}, "another path"),
        ({"path": "/api/photo/8/thumbnail"}, "a thumbnail the view never served"),
        ({"path": f"/api/photo/{'9' * 5000}/thumbnail"}, "an id no photo has"),
        ({"query": b"size=\xff\xfe"}, "a query that is not UTF-8"),
        ({"method": "POST"}, "not a safe method"),
        ({"query": b"size=12"}, "a size outside the allow-list"),
        ({"query": b"size=800"}, "a size the view never served"),
        ({"cookie": ""}, "no session cookie"),
        ({"cookie": "sessionid=someone-else"}, "a session Django did not vouch for"),
    ],
)
def test_anything_else_falls_through_to_django(known_thumbnail, request_args, why):
    status, _, _, inner_called = call(**request_args)
    assert inner_called and status == 418, why


def test_an_expired_session_falls_through(tables, known_thumbnail, settings):
    settings.PHOTOSITE_THUMBNAIL_FAST_PATH_TTL = -1
    tables.remember_session("stale-session", Principal(is_staff=False))
    assert call(cookie="sessionid=stale-session")[3]


def test_a_copy_of_a_remote_stores_thumbnail_expires_with_the_ttl(tables, known_thumbnail, settings):
    # given this machine's copy of a remote store's thumbnail, which a trash elsewhere would not delete
    settings.PHOTOSITE_THUMBNAIL_FAST_PATH_TTL = -1
    remember_hit(tables, known_thumbnail, deleted_on_trash=False)
    # when its TTL has passed, Django answers
    assert call()[3]


def test_a_hit_on_the_librarys_own_storage_outlives_the_ttl(tables, known_thumbnail, settings):
    # given a hit on a file that trashing its photo deletes, remembered as if the TTL had passed since
    settings.PHOTOSITE_THUMBNAIL_FAST_PATH_TTL = -1
    remember_hit(tables, known_thumbnail, deleted_on_trash=True)
    settings.PHOTOSITE_THUMBNAIL_FAST_PATH_TTL = 5
    # when a session Django vouched for just now asks for it
    status, _, body, inner_called = call()
    # then the fast path answers (its file, checked on every answer, is what keeps it honest)
    assert (status, body, inner_called) == (200, known_thumbnail.read_bytes(), False)


def test_a_hit_on_the_librarys_own_storage_expires_after_the_hour(tables, known_thumbnail, monkeypatch):
    # given a hit on the library's own storage, remembered as if its hour had passed since (a bound, should a
    # trash fail to delete the file)
    monkeypatch.setattr(tables, "LASTING_HIT_SECONDS", -1)
    remember_hit(tables, known_thumbnail, deleted_on_trash=True)
    # when it is asked for, Django answers
    assert call()[3]


def test_a_trashed_photos_hit_is_served_to_staff_only(tables, known_thumbnail):
    # given a hit the view remembered for a staff member looking at a trashed photo
    remember_hit(tables, known_thumbnail, in_trash=True)
    # when an ordinary session and a staff session ask for it
    ordinary, staff = call(), call(cookie=f"sessionid={STAFF_SESSION}")
    # then Django answers the ordinary one, the fast path the staff one
    assert ordinary[3] and ordinary[0] == 418
    assert (staff[0], staff[3]) == (200, False)


def test_the_default_ttl_keeps_revocation_within_five_seconds():
    from django.conf import settings

    assert settings.PHOTOSITE_THUMBNAIL_FAST_PATH_TTL <= 5


@pytest.mark.parametrize("damage", ["deleted", "replaced by a folder", "deleted and made again"])
def test_a_file_gone_from_the_disk_falls_through_and_is_forgotten(tables, known_thumbnail, damage):
    if damage == "deleted and made again":  # a trashed photo's thumbnail, made again for staff
        remade = known_thumbnail.with_name("remade.part")  # as the cache writes: a new file renamed into place
        remade.write_bytes(known_thumbnail.read_bytes())
        remade.rename(known_thumbnail)
    else:
        known_thumbnail.unlink()
    if damage == "replaced by a folder":
        known_thumbnail.mkdir()
    assert call()[3]
    assert tables.known_hit(7, SPEC) is None


def test_tables_forget_the_least_recently_used_entry():
    table = ExpiringLruTable(max_size=2)
    table.put("a", 1)
    table.put("b", 2)
    table.get("a")
    table.put("c", 3)
    assert (table.get("a"), table.get("b"), table.get("c")) == (1, None, 3)


class OfferingApp:
    """Stands for Django serving a local hit: the view's offer in the scope, then its response."""

    def __init__(self, offer, headers):
        self.offer, self.headers = offer, headers

    async def __call__(self, scope, receive, send):
        scope[OFFER_SCOPE_KEY] = self.offer
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        await send({"type": "http.response.body", "body": b"bytes"})


def test_the_fast_path_learns_from_what_django_sent(tables, tmp_path):
    # given Django answering a request with the view's offer and its middleware's headers
    thumbnail = tmp_path / "thumbnail.jpg"
    thumbnail.write_bytes(b"\xff\xd8 thumbnail bytes")
    offer = Offer(SESSION, False, 7, SPEC, str(thumbnail), '"etag-7"', "image/jpeg", "abc-1", False, True)
    django_headers = [(b"Content-Type", b"image/jpeg"), (b"ETag", b'"etag-7"'), (b"Vary", b"Accept, Cookie"),
                      (b"X-Frame-Options", b"DENY"), (b"Set-Cookie", b"sessionid=x"), (b"Content-Length", b"5")]
    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/api/photo/7/thumbnail", "query_string": b"",
             "headers": [(b"cookie", f"sessionid={SESSION}".encode())]}
    run_coroutine(ThumbnailFastPath(OfferingApp(offer, django_headers))(scope, None, send))
    # when the same request comes again
    status, headers, body, inner_called = call()
    # then the fast path answers it, with Django's own headers but never its cookie
    assert (status, body, inner_called) == (200, thumbnail.read_bytes(), False)
    assert OFFER_SCOPE_KEY not in scope and sent[0]["headers"] == django_headers
    assert headers[b"vary"] == b"Accept, Cookie" and headers[b"x-frame-options"] == b"DENY"
    assert b"set-cookie" not in headers and headers[b"content-length"] == str(len(body)).encode()


class PageApp:
    """Stands for Django serving a gallery page: the page's session offer, then its response."""

    def __init__(self, status):
        self.status = status

    async def __call__(self, scope, receive, send):
        scope[SESSION_OFFER_SCOPE_KEY] = SessionOffer("a-new-device", False)
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        await send({"type": "http.response.body", "body": b"<html>"})


@pytest.mark.parametrize(("status", "learned"), [(200, True), (500, False)])
def test_a_gallery_pages_session_offer_is_learned_when_the_page_is_sent(tables, known_thumbnail, status, learned):
    # given a gallery page Django answers for a session the fast path has not met
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []}

    async def send(message):
        pass

    run_coroutine(ThumbnailFastPath(PageApp(status))(scope, None, send))
    # when that session asks for a known thumbnail, the fast path answers it (only after a page that was sent)
    assert call(cookie="sessionid=a-new-device")[3] is not learned
