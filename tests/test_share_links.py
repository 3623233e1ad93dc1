"""Share links: every route under `/s/<token>/` for a link that is open, expired, revoked or
password-protected; photos outside the album, in the trash or guessed are 404 on all of them;
downloads and location as the link says; who may make, list and revoke links; tokens kept only
as their SHA-256."""
import hashlib
import io
import json
import re
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from django.utils import timezone
from PIL import Image
from row_factories import client_for

from library.curation import albums
from library.curation.trash import move_to_trash
from library.importing.pipeline import ImportPipeline
from library.models import ImportSource, Photo, ShareLink
from library.paths import absolute_path
from library.services import share_links
from thumbnails.models import Rendition, RenditionState

import factories
from polling import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

MEDIA_ROUTES = ("thumbnail", "thumbnail?size=preview", "video", "motion", "original", "original?download=1")
GPS_IFD = 0x8825


@pytest.fixture
def people(django_user_model):
    make = django_user_model.objects.create_user
    return {"owner": make("olivia"), "viewer": make("victor"), "stranger": make("sam"),
            "staff": make("stella", is_staff=True)}


@pytest.fixture(scope="module")
def media_files(tmp_path_factory):
    """Made once: a plain photo, one with GPS, a video, a Google motion photo, a photo to leave
    outside the album and one to put in the trash."""
    folder = tmp_path_factory.mktemp("share-media")
    clip = factories.make_video(folder / "clip-source.mp4", seconds=1.0)
    return {
        "plain": factories.make_jpeg(folder / "plain.jpg", taken=factories.a_date(day=10)),
        "located": factories.make_jpeg(folder / "located.jpg", taken=factories.a_date(day=11),
                                       gps=factories.gps_exif(48.8584, 2.2945)),
        "video": factories.make_video(folder / "clip.mp4", seconds=1.0, creation_time="2024-01-12T10:00:00Z"),
        "motion": factories.make_google_motion_photo(folder / "PXL_motion.MP.jpg", clip,
                                                     taken=factories.a_date(day=13)),
        "outside": factories.make_jpeg(folder / "outside.jpg", taken=factories.a_date(day=14)),
        "trashed": factories.make_jpeg(folder / "trashed.jpg", taken=factories.a_date(day=15)),
    }


@pytest.fixture
def library(library_root, media_dir, media_files):
    """The files imported (copies: an import may move what it takes)."""
    made = {name: media_dir / path.name for name, path in media_files.items()}
    for name, path in made.items():
        path.write_bytes(media_files[name].read_bytes())
    pipeline = ImportPipeline.start(ImportSource.CLI)
    ids = {name: pipeline.import_path(path).photo_id for name, path in made.items()}
    pipeline.finish()
    return {name: Photo.objects.get(pk=pk) for name, pk in ids.items()}


@pytest.fixture
def album(people, library):
    album = albums.create_album(people["owner"], "Holiday", [library[name].pk for name in
                                                             ("plain", "located", "video", "motion", "trashed")])
    albums.share(people["owner"], album.pk, "victor", "view")
    move_to_trash(library["trashed"])
    return album


def make_link(people, album, **options):
    link, token = share_links.create_link(people["owner"], album.pk, **options)
    return link, f"/s/{token}/"


def media(base, photo, route):
    return f"{base}photo/{photo.pk}/{route}"


def tile_ids(response) -> set[int]:
    return {int(found) for found in re.findall(r'data-id="(\d+)"', response.content.decode())}


def test_a_link_shows_the_album_s_photos_and_nothing_else(people, album, library):
    # given
    _, base = make_link(people, album, allow_download=True, keep_location=True)
    visitor = Client()
    # when
    page = visitor.get(base)
    # then
    assert page.status_code == 200
    assert tile_ids(page) == {library[name].pk for name in ("plain", "located", "video", "motion")}
    html = page.content.decode()
    assert 'href="/photo/' not in html and '"/api/photo/' not in html, "every tile URL stays under the link"
    assert f'data-original="{base}photo/{library["plain"].pk}/original"' in html
    assert 'id="selection-bar"' not in html


@pytest.mark.parametrize("name, route, status, kind", [
    ("plain", "thumbnail", 200, "image/"),
    ("plain", "thumbnail?size=preview", 200, "image/"),
    ("plain", "original?download=1", 200, "image/jpeg"),
    ("video", "video", 302, ""),
    ("video", "original", 200, "video/"),
    ("video", "thumbnail", 200, "image/"),
    ("motion", "motion", 200, "video/mp4"),
])
def test_every_route_serves_the_album_s_photos(people, album, library, name, route, status, kind):
    # given
    _, base = make_link(people, album, allow_download=True, keep_location=True)
    # when
    response = Client().get(media(base, library[name], route))
    # then
    assert response.status_code == status
    assert response.get("Content-Type", "").startswith(kind)
    if status == 302:
        assert response["Location"] == media(base, library[name], "original")


def test_a_photo_s_address_under_a_link_opens_the_album_with_the_viewer_on_it(people, album, library):
    # given
    _, base = make_link(people, album)
    plain = library["plain"]
    # when
    page = Client().get(media(base, plain, ""))
    # then: the album's page, the viewer open on the photo, every URL in it under the link
    html = page.content.decode()
    assert page.status_code == 200 and "Holiday" in html
    assert f'data-open-photo="{plain.pk}"' in html and f'data-photo-id="{plain.pk}"' in html
    assert 'id="open-photo-tile"' in html and f'"href": "{base}photo/{plain.pk}/"' in html
    viewer = html[html.index('<dialog id="viewer"'):html.index("</dialog>")]
    urls = [url for url in re.findall(r'(?:src|href|poster)="([^"]*)"', viewer) if url]
    assert urls and all(url.startswith(base) for url in urls), urls
    assert 'class="viewer-download" href="" download hidden' in viewer, "this link allows no downloads"


@pytest.mark.parametrize("route", [*MEDIA_ROUTES, ""])
@pytest.mark.parametrize("who", ["outside", "trashed", "guessed"])
def test_photos_outside_the_album_in_the_trash_or_guessed_are_404_on_every_route(people, album, library, route,
                                                                                  who):
    # given
    _, base = make_link(people, album, allow_download=True, keep_location=True)
    photo = library[who] if who != "guessed" else Photo(pk=max(p.pk for p in library.values()) + 1)
    # when
    response = Client().get(media(base, photo, route))
    # then
    assert response.status_code == 404


GRID_API_ROUTES = ("api/summary", "api/tiles?from=2024-01-31&to=2024-01-01")
URL_FIELDS = ("href", "thumbnail", "preview", "original", "play", "motion", "raw")


def test_the_grid_s_api_under_a_link_answers_the_album_s_tiles_with_every_url_under_the_link(people, album, library):
    # given: a thumbnail made, so its tile has a placeholder
    _, base = make_link(people, album, allow_download=True)
    visitor = Client()
    assert visitor.get(media(base, library["plain"], "thumbnail")).status_code == 200
    # when
    summary = visitor.get(base + "api/summary")
    tiles = visitor.get(base + "api/tiles", {"from": "2024-01-31", "to": "2024-01-01", "limit": "50"})
    # then
    assert summary.status_code == 200 and json.loads(summary.content)["tiles"] == 4
    assert visitor.get(base + "api/summary", HTTP_IF_NONE_MATCH=summary["ETag"]).status_code == 304
    assert tiles.status_code == 200
    records = {tile["id"]: tile for tile in tiles.json()["tiles"]}
    assert set(records) == {library[name].pk for name in ("plain", "located", "video", "motion")}
    assert all(tile[field] == "" or tile[field].startswith(base) for tile in records.values() for field in URL_FIELDS)
    assert records[library["motion"].pk]["motion"].startswith(media(base, library["motion"], "motion"))
    assert records[library["plain"].pk]["placeholder"]
    assert records[library["plain"].pk]["href"] == media(base, library["plain"], "")


def test_the_grid_s_api_under_a_link_refuses_bad_input_and_a_locked_link(people, album):
    # given
    _, base = make_link(people, album)
    _, locked = make_link(people, album, password="open sesame")
    visitor = Client()
    # when / then
    assert visitor.get(base + "api/tiles", {"from": "yesterday", "to": "2024-01-01"}).status_code == 400
    assert visitor.get(base + "api/tiles", {"from": "2024-01-01", "to": "2024-01-31"}).status_code == 400
    assert visitor.get(base + "api/tiles", {"from": "2024-01-31", "to": "2024-01-01", "after": "x"}).status_code == 400
    assert visitor.post(base + "api/summary").status_code == 405
    assert visitor.get(locked + "api/summary").status_code == 403
    assert visitor.get(locked + "api/tiles", {"from": "2024-01-31", "to": "2024-01-01"}).status_code == 403


@pytest.mark.parametrize("route", ["", *GRID_API_ROUTES, *(f"photo/{{id}}/{route}" for route in MEDIA_ROUTES)])
@pytest.mark.parametrize("state", ["expired", "revoked", "unknown"])
def test_expired_revoked_and_unknown_links_open_nothing(people, album, library, route, state):
    # given
    link, base = make_link(people, album, allow_download=True, keep_location=True)
    if state == "expired":
        ShareLink.objects.filter(pk=link.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    elif state == "revoked":
        share_links.revoke(people["owner"], link.pk)
    else:
        base = "/s/" + "A" * 43 + "/"
    # when
    response = Client().get(base + route.format(id=library["plain"].pk))
    # then
    assert response.status_code == (404 if state == "unknown" else 410)


def test_a_link_works_through_its_last_day(people, album):
    # given
    _, base = make_link(people, album, expires_on=timezone.localdate())
    # when / then
    assert Client().get(base).status_code == 200


def test_a_password_is_asked_and_tried_a_few_times_a_minute_per_address(people, album, library, settings):
    # given
    settings.PHOTOSITE_SHARE_PASSWORD_TRIES_PER_MINUTE = 3
    _, base = make_link(people, album, password="open sesame")
    visitor, thumbnail = Client(), media(base, library["plain"], "thumbnail")
    # when / then: nothing opens before the password
    page = visitor.get(base)
    assert page.status_code == 403 and 'name="password"' in page.content.decode()
    assert visitor.get(thumbnail).status_code == 403
    assert visitor.get(base + "api/summary").status_code == 403
    assert [visitor.post(base, {"password": "guess"}).status_code for _ in range(3)] == [403] * 3
    refused = visitor.post(base, {"password": "open sesame"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    # another address may still try, and opens it with the password
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post(base, {"password": "open sesame"}).status_code == 302
    assert other.get(base).status_code == 200
    assert other.get(thumbnail).status_code == 200
    assert visitor.get(thumbnail).status_code == 403


def test_without_downloads_no_photo_original_is_served(people, album, library):
    # given
    _, base = make_link(people, album, keep_location=True)
    visitor = Client()
    # when
    page = visitor.get(base).content.decode()
    # then
    assert 'data-original=""' in page
    assert visitor.get(media(base, library["plain"], "original")).status_code == 403
    assert visitor.get(media(base, library["plain"], "original?download=1")).status_code == 403
    assert visitor.get(media(base, library["video"], "original?download=1")).status_code == 403
    assert visitor.get(media(base, library["video"], "original")).status_code == 200, "a video plays as it is"


def gps_of(data: bytes) -> dict:
    return dict(Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD))


def test_with_location_removed_nothing_sent_says_where(people, album, library):
    # given
    _, base = make_link(people, album, allow_download=True)
    located, visitor = library["located"], Client()
    assert gps_of(absolute_path(located.path).read_bytes()), "the original has GPS"
    # when
    page = visitor.get(base).content.decode()
    thumbnails = [visitor.get(media(base, located, route)) for route in ("thumbnail", "thumbnail?size=preview")]
    # then
    assert all(response.status_code == 200 and not gps_of(response.content) for response in thumbnails)
    assert f'data-original="{base}photo/{library["plain"].pk}/original"' in page
    assert f'data-original="{base}photo/{located.pk}/original"' in page
    assert visitor.get(media(base, library["plain"], "original?download=1")).status_code == 200


def test_with_location_removed_a_located_jpeg_downloads_without_its_position(people, album, library):
    # given
    _, base = make_link(people, album, allow_download=True)
    located, visitor = library["located"], Client()
    original = absolute_path(located.path).read_bytes()
    # when
    downloaded = visitor.get(media(base, located, "original?download=1"))
    # then
    assert_downloaded_without_position(downloaded, original)


def assert_downloaded_without_position(downloaded, original: bytes) -> bytes:
    """A JPEG download that is the same picture, as long as the original, with no GPS position."""
    assert downloaded.status_code == 200 and downloaded["Content-Type"] == "image/jpeg"
    assert "attachment" in downloaded["Content-Disposition"]
    body = read_all(downloaded)
    assert len(body) == len(original) == int(downloaded["Content-Length"])
    assert gps_of(original) and not gps_of(body)
    assert Image.open(io.BytesIO(body)).size == Image.open(io.BytesIO(original)).size
    return body


def test_with_location_removed_a_located_video_plays_its_rendition_never_its_original(people, album, media_dir):
    # given a video that says where it was taken, in the album of a link that removes location
    pipeline = ImportPipeline.start(ImportSource.CLI)
    video_id = pipeline.import_path(factories.make_video(
        media_dir / "located.mp4", seconds=1.0, extra_output_args=["-metadata", "location=+48.8584+002.2945/"])).photo_id
    pipeline.finish()
    video = Photo.objects.get(pk=video_id)
    assert video.latitude is not None
    albums.add_photos(people["owner"], album.pk, [video.pk])
    _, base = make_link(people, album, allow_download=True)
    visitor = Client()
    # when
    played = visitor.get(media(base, video, "video"))
    # then: the rendition (made without the file's metadata), never a redirect to the original
    assert played.status_code == 200 and played["Content-Type"] == "video/mp4"
    assert read_all(played)[4:8] == b"ftyp"
    wait_for(lambda: Rendition.objects.filter(photo=video, state=RenditionState.READY).exists(),
             what="the rendition recorded")
    assert visitor.get(media(base, video, "original")).status_code == 403
    assert visitor.get(media(base, video, "original?download=1")).status_code == 403


def read_all(response) -> bytes:
    """The body of the view's async streaming response (the test client does not join those)."""
    async def collect():
        return b"".join([chunk async for chunk in response.streaming_content])
    return async_to_sync(collect)()


def test_only_the_token_s_sha256_is_kept(people, album):
    # given / when
    link, base = make_link(people, album)
    token = base.split("/")[2]
    # then
    assert len(token) >= 43, "at least 256 bits, base64"
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(list(ShareLink.objects.values()), default=str)


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("role, status", [("owner", 201), ("staff", 201), ("viewer", 403), ("stranger", 404)])
def test_who_may_make_a_link(people, album, role, status):
    # when
    response = post(client_for(people[role]), "/api/shares/", {"album": album.pk, "allow_download": True})
    # then
    assert response.status_code == status
    if status == 201:
        assert response.json()["url"].startswith("http://testserver/s/")
        assert Client().get(response.json()["url"].removeprefix("http://testserver")).status_code == 200


def test_behind_a_tls_proxy_the_link_is_https(people, album, settings):
    # given
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # when
    response = client_for(people["owner"]).post(
        "/api/shares/", data=json.dumps({"album": album.pk}), content_type="application/json",
        headers={"X-Forwarded-Proto": "https"}, secure=True)
    # then
    assert response.json()["url"].startswith("https://testserver/s/")


@pytest.mark.parametrize("body", [
    {"album": "1"}, {}, [], {"album": 1, "expires_on": "tomorrow"}, {"album": 1, "allow_download": "yes"},
    {"album": 1, "password": 5}, {"album": 1, "expires_on": "2000-01-01"},
])
def test_bad_input_is_a_400(people, album, body):
    if isinstance(body, dict) and body.get("album") == 1:
        body["album"] = album.pk
    assert post(client_for(people["owner"]), "/api/shares/", body).status_code == 400


def test_owners_list_their_links_staff_all_and_may_revoke_them(people, album, library):
    # given
    link, base = make_link(people, album)
    Client().get(base)
    other_album = albums.create_album(people["stranger"], "Other", [library["outside"].pk])
    other, _ = share_links.create_link(people["stranger"], other_album.pk)
    owner = client_for(people["owner"])
    # when
    listed = owner.get("/api/shares/").json()["links"]
    page = owner.get("/shares/").content.decode()
    # then
    assert [entry["id"] for entry in listed] == [link.pk]
    assert listed[0]["last_used"] is not None and "url" not in listed[0]
    assert f'data-revoke="{link.pk}"' in page and f'data-revoke="{other.pk}"' not in page
    assert {entry["id"] for entry in client_for(people["staff"]).get("/api/shares/").json()["links"]} == {
        link.pk, other.pk}
    assert owner.delete(f"/api/shares/{other.pk}").status_code == 404
    assert client_for(people["viewer"]).delete(f"/api/shares/{link.pk}").status_code == 404
    assert owner.delete(f"/api/shares/{link.pk}").status_code == 204
    assert Client().get(base).status_code == 410
    assert Client().get("/api/shares/").status_code == 401
    assert Client().get("/shares/").status_code == 302


def test_staff_revoke_links_in_the_admin(people, album):
    # given two links, one open
    link, base = make_link(people, album)
    revoked, _ = make_link(people, album)
    share_links.revoke(people["owner"], revoked.pk)
    people["staff"].is_superuser = True
    people["staff"].save()
    admin = client_for(people["staff"])
    # when
    listing = admin.get("/admin/library/sharelink/")
    response = admin.post("/admin/library/sharelink/", {"action": "revoke", "_selected_action": [link.pk, revoked.pk]})
    # then
    assert listing.status_code == 200 and "Holiday" in listing.content.decode()
    assert response.status_code == 302
    assert Client().get(base).status_code == 410
    assert ShareLink.objects.get(pk=revoked.pk).revoked_at < ShareLink.objects.get(pk=link.pk).revoked_at
