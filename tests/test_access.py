"""No one let in: every URL the site routes is walked (so routes added later are covered too)
and must refuse anonymous visitors, the admin refuses non-staff users, state-changing requests
need the CSRF token, an import session's events reach only its owner (and staff), an album
only its owner, the users it is shared with and staff, and a share link only its album's photos."""
from urllib.parse import urlsplit

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import resolve

from library.curation.albums import create_album
from library.importing.pipeline import ImportPipeline
from library.models import ImportSource
from library.services.share_links import create_link

from factories import make_jpeg
from routes import all_routes, concrete_url

pytestmark = pytest.mark.django_db

# Open to anonymous visitors by design: signing in and out, and the site's icon (the login page shows it).
PUBLIC_ROUTES = {"accounts/login/", "admin/login/", "accounts/logout/", "admin/logout/", "favicon.ico"}
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
REFUSED_STATUSES = {401, 403, 404, 405}
@pytest.fixture
def ids(library_root, media_dir, django_user_model):
    """A photo and a web import session owned by someone, so every id in a URL is real. The
    session stays open: the upload route refuses a finished one before it checks CSRF."""
    owner = django_user_model.objects.create_user("owner")
    pipeline = ImportPipeline.start(ImportSource.WEB, user=owner)
    photo_id = pipeline.import_path(make_jpeg(media_dir / "a.jpg")).photo_id
    album_id = create_album(owner, "Owner's album", [photo_id]).pk
    return {"photo_id": photo_id, "session_id": pipeline.session.pk, "object_id": photo_id, "id": owner.pk,
            "album_id": album_id, "uidb64": "MQ", "token": "set-password", "app_label": "library",
            "url": "library/photo/"}


def routes_except(public):
    return [(route, entry) for route, entry in all_routes() if route not in public]


def assert_refused(response, url):
    if response.status_code in (301, 302):
        location = urlsplit(response.headers["Location"]).path
        assert location.startswith(LOGIN_PATHS), f"{url} redirects to {location}, not to a login page"
    else:
        assert response.status_code in REFUSED_STATUSES, f"{url} answered {response.status_code} to a stranger"


def test_every_route_is_walked():
    routes = dict(all_routes())
    for expected in ("import/", "api/imports/<int:session_id>/events", "photo/<int:photo_id>/original",
                     "api/photo/<int:photo_id>/thumbnail", "accounts/login/", "albums/<int:album_id>/",
                     "api/albums/<int:album_id>/members", "api/favourites/", "api/trash/", "api/timeline/summary",
                     "api/timeline/tiles", "api/photos/<int:photo_id>/info", "download/",
                     "download/size"):
        assert expected in routes, sorted(routes)


@pytest.mark.parametrize("method", ["get", "head", "post", "put", "patch", "delete"])
def test_anonymous_visitors_are_refused_everywhere(ids, method):
    # given
    client = Client()
    for route, entry in routes_except(PUBLIC_ROUTES):
        url = concrete_url(route, entry, ids)
        assert resolve(url).func == entry.callback, f"{route} sampled as {url} resolves elsewhere"
        # when
        response = getattr(client, method)(url)
        # then
        assert_refused(response, f"{method.upper()} {url}")


def test_the_login_page_is_open(client):
    assert client.get("/accounts/login/").status_code == 200


def test_the_admin_is_for_staff_only(ids, django_user_model):
    # given a signed-in user who is not staff
    client = Client()
    client.force_login(django_user_model.objects.create_user("visitor"))
    admin_routes = [(route, entry) for route, entry in routes_except(PUBLIC_ROUTES) if route.startswith("admin/")]
    assert admin_routes
    for route, entry in admin_routes:
        url = concrete_url(route, entry, ids)
        # when
        response = client.get(url)
        # then
        assert_refused(response, f"GET {url} as non-staff")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_state_changing_requests_need_the_csrf_token(ids, django_user_model, method):
    # given a staff user's browser session, sending no CSRF token
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_superuser("boss", email=None, password=None))
    for route, entry in all_routes():
        url = concrete_url(route, entry, ids)
        # when
        response = getattr(client, method)(url, data=b"x=1", content_type="application/x-www-form-urlencoded")
        # then: the CSRF check (403), or no such method at all (405)
        assert response.status_code in (403, 405), f"{method.upper()} {url} without a CSRF token: {response.status_code}"


@pytest.mark.parametrize("headers", [{}, {"HTTP_RANGE": "bytes=0-10"}, {"HTTP_IF_NONE_MATCH": "*"}])
def test_originals_and_thumbnails_need_a_session(ids, headers):
    client = Client()
    for url in (f"/photo/{ids['photo_id']}/original", f"/photo/{ids['photo_id']}/original?download=1",
                f"/api/photo/{ids['photo_id']}/thumbnail", f"/api/photo/{ids['photo_id']}/thumbnail?size=preview"):
        response = client.get(url, **headers)
        assert_refused(response, url)
        assert b"\xff\xd8" not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_import_events_reach_only_their_owner(ids, django_user_model):
    # given another user, signed in
    stranger = Client()
    stranger.force_login(django_user_model.objects.create_user("stranger"))
    url = f"/api/imports/{ids['session_id']}/events"
    # when / then
    assert stranger.get(url).status_code == 404
    assert stranger.get(f"/api/imports/{ids['session_id']}").status_code == 404
    assert Client().get(url).status_code == 401


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_album_is_not_found_by_users_it_is_not_shared_with(ids, django_user_model, method):
    # given another user, signed in
    stranger = Client()
    stranger.force_login(django_user_model.objects.create_user("stranger"))
    album_routes = [(route, entry) for route, entry in all_routes() if "<int:album_id>" in route]
    assert len(album_routes) >= 4
    for route, entry in album_routes:
        url = concrete_url(route, entry, ids)
        # when
        response = getattr(stranger, method)(url, data={}, content_type="application/json")
        # then: no such album, or no such method
        assert response.status_code in (404, 405), f"{method.upper()} {url} as a stranger: {response.status_code}"


# The routes a share link's visitor may open with no photo id: the album's page under the link
# and its grid's API (checked apart: it lists the album's photos, never the one outside).
SHARE_ALBUM_ROUTES = {"s/<str:token>/", "s/<str:token>/api/summary", "s/<str:token>/api/tiles"}


@pytest.mark.parametrize("method", ["get", "head"])
def test_a_share_link_opens_its_album_s_page_and_nothing_else(ids, library_root, media_dir, django_user_model,
                                                             method):
    # given a visitor without an account who opened a link to the owner's album, and a photo outside it
    _, token = create_link(django_user_model.objects.get(username="owner"), ids["album_id"])
    visitor = Client()
    assert visitor.get(f"/s/{token}/").status_code == 200
    pipeline = ImportPipeline.start(ImportSource.CLI)
    outside = pipeline.import_path(make_jpeg(media_dir / "outside.jpg", 320, 240)).photo_id
    share_routes = [(route, entry) for route, entry in all_routes() if route.startswith("s/")]
    assert len(share_routes) >= 6
    for route, entry in routes_except(PUBLIC_ROUTES | SHARE_ALBUM_ROUTES):
        url = concrete_url(route, entry, {**ids, "token": token, "photo_id": outside, "object_id": outside})
        # when
        response = getattr(visitor, method)(url)
        # then
        assert_refused(response, f"{method.upper()} {url} through a share link")
    tiles = visitor.get(f"/s/{token}/api/tiles", {"from": "2999-12-31", "to": "1900-01-01", "limit": "500"}).json()
    assert outside not in {tile["id"] for tile in tiles["tiles"]}


@pytest.mark.parametrize("status, location", [(200, None), (302, "/somewhere-else/"), (500, None)])
def test_the_walk_would_catch_an_open_page(status, location):
    response = HttpResponse("secret", status=status, headers={"Location": location} if location else {})
    with pytest.raises(AssertionError):
        assert_refused(response, "/open-page/")
