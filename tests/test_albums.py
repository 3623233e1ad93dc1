"""Albums through their JSON API and pages: who may see and change an album (its owner, a member
who views, a member who adds, a stranger, staff), the trash rule (a trashed photo leaves every
album but staff's view, and comes back with a restore), and bad input answered with a 400."""
import json

import pytest
from django.test import Client
from row_factories import client_for
from row_factories import photo_row as photo

from library.curation import albums
from library.curation.trash import move_to_trash, restore_from_trash
from library.importing.pipeline import ImportPipeline
from library.models import Album, AlbumPhoto, ImportSource, Photo

import factories

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def people(django_user_model):
    make = django_user_model.objects.create_user
    return {"owner": make("olivia"), "viewer": make("victor"), "adder": make("ada"), "stranger": make("sam"),
            "staff": make("stella", is_staff=True)}


@pytest.fixture
def album(people):
    """Olivia's album of two photos (of 12 and 14 May), shared with Victor to view and Ada to add."""
    photos = [photo(12), photo(14)]
    album = albums.create_album(people["owner"], "Seaside", [p.pk for p in photos])
    albums.share(people["owner"], album.pk, "victor", "view")
    albums.share(people["owner"], album.pk, "ada", "add")
    return album


ROLES = ["owner", "viewer", "adder", "stranger", "staff"]
# What each may do: see the album (its page and API), add photos, rename it.
MAY = {
    "owner": {"see": 200, "add": 200, "rename": 200, "share": 200, "delete": 204},
    "viewer": {"see": 200, "add": 403, "rename": 403, "share": 403, "delete": 403},
    "adder": {"see": 200, "add": 200, "rename": 403, "share": 403, "delete": 403},
    "stranger": {"see": 404, "add": 404, "rename": 404, "share": 404, "delete": 404},
    "staff": {"see": 200, "add": 403, "rename": 403, "share": 403, "delete": 403},
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_do_what_with_an_album(people, album, role):
    # given
    client = client_for(people[role])
    extra = photo(20)
    api = f"/api/albums/{album.pk}"
    # when / then
    assert client.get(f"/albums/{album.pk}/").status_code == MAY[role]["see"]
    assert client.get(api).status_code == MAY[role]["see"]
    assert post(client, f"{api}/photos", {"add": [extra.pk]}).status_code == MAY[role]["add"]
    assert post(client, api, {"title": "Renamed"}).status_code == MAY[role]["rename"]
    assert post(client, f"{api}/members", {"username": "sam", "access": "view"}).status_code == MAY[role]["share"]
    listed = [card["id"] for card in client.get("/api/albums/").json()["albums"]]
    assert (album.pk in listed) == (MAY[role]["see"] == 200)
    assert client.delete(api).status_code == MAY[role]["delete"]


def test_deleting_an_album_keeps_its_photos(people, album):
    # when
    assert client_for(people["owner"]).delete(f"/api/albums/{album.pk}").status_code == 204
    # then
    assert not Album.objects.exists() and not AlbumPhoto.objects.exists()
    assert Photo.objects.count() == 2


def test_the_album_page_shows_its_photos_count_and_date_span(people, album):
    # given a photo outside the album
    photo(20, "IMG_outside.jpg")
    # when
    page = client_for(people["viewer"]).get(f"/albums/{album.pk}/").content.decode()
    # then
    assert page.count('class="tile"') == 2 and "IMG_outside.jpg" not in page
    assert "2 photos · 12 – 14 May 2024" in page and "shared by olivia" in page
    assert f'data-api="/api/timeline/?album={album.pk}"' in page


def test_the_album_list_shows_cards_with_cover_count_and_span(people, album):
    # given
    newest = Photo.objects.order_by("-taken_at").first()
    # when
    page = client_for(people["adder"]).get("/albums/").content.decode()
    # then
    assert "Seaside" in page and "2 photos · 12 – 14 May 2024" in page and "Shared by olivia" in page
    assert f"/api/photo/{newest.pk}/thumbnail" in page  # no cover chosen: the newest photo


def test_a_cover_must_be_one_of_the_album_s_photos(people, album):
    owner = client_for(people["owner"])
    first, outside = album.entries.first().photo_id, photo(21).pk
    assert post(owner, f"/api/albums/{album.pk}", {"cover": outside}).status_code == 400
    assert post(owner, f"/api/albums/{album.pk}", {"cover": first}).json()["cover"] == first


def test_a_member_who_adds_removes_only_the_photos_they_added(people, album):
    # given Ada's own photo in Olivia's album
    adder, own = client_for(people["adder"]), photo(22)
    post(adder, f"/api/albums/{album.pk}/photos", {"add": [own.pk]})
    olivias = album.entries.exclude(photo=own).first().photo_id
    # when
    answer = post(adder, f"/api/albums/{album.pk}/photos", {"remove": [own.pk, olivias]}).json()
    # then
    assert answer["changed"] == 1 and answer["count"] == 2
    assert album.entries.filter(photo_id=olivias).exists()


def test_a_live_photo_s_motion_is_added_as_its_still(people):
    still = photo(12, "IMG_1.HEIC")
    motion = photo(12, "IMG_1.MOV", shown_with=still)
    album = albums.create_album(people["owner"], "Live", [motion.pk])
    assert list(album.entries.values_list("photo_id", flat=True)) == [still.pk]


@pytest.mark.parametrize("url, body", [
    ("/api/albums/", {"title": ""}),
    ("/api/albums/", {"title": "x" * 201}),
    ("/api/albums/", {"title": 5}),
    ("/api/albums/", {"title": "Trip", "ids": "1,2"}),
    ("/api/albums/", {"title": "Trip", "ids": [True]}),
    ("/api/albums/", {"title": "Trip", "ids": [999999]}),
    ("/api/albums/", [1, 2]),
    ("/api/albums/{album}/photos", {}),
    ("/api/albums/{album}/photos", {"add": [0]}),
    ("/api/albums/{album}/photos", {"add": list(range(1, 10_002))}),
    ("/api/albums/{album}", {}),
    ("/api/albums/{album}", {"cover": "x"}),
    ("/api/albums/{album}/members", {"username": "nobody", "access": "view"}),
    ("/api/albums/{album}/members", {"username": "olivia", "access": "view"}),
    ("/api/albums/{album}/members", {"username": "victor", "access": "admin"}),
    ("/api/favourites/", {"ids": [1]}),
    ("/api/favourites/", {"ids": "1", "favourite": True}),
    ("/api/trash/", {"ids": {"1": 1}}),
])
def test_bad_input_is_a_400_with_a_reason(people, album, url, body):
    people["owner"].is_staff = True  # so the trash route reads its body too
    people["owner"].save()
    response = post(client_for(people["owner"]), url.format(album=album.pk), body)
    assert response.status_code == 400, response.content
    assert response.json()["error"]


def test_an_anonymous_request_is_a_401():
    assert Client().get("/api/albums/").status_code == 401
    assert post(Client(), "/api/favourites/", {"ids": [], "favourite": True}).status_code == 401


@pytest.fixture
def imported(library_root, media_dir):
    """Two real photos (files and all), so the trash can move them."""
    pipeline = ImportPipeline.start(ImportSource.CLI)
    ids = [pipeline.import_path(factories.make_jpeg(media_dir / f"IMG_{day}.jpg", taken=factories.a_date(day=day)))
           .photo_id for day in (10, 11)]
    pipeline.finish()
    return list(Photo.objects.filter(pk__in=ids).order_by("taken_at"))


def test_a_trashed_photo_leaves_albums_but_staff_s_and_comes_back_with_a_restore(people, imported):
    # given
    album = albums.create_album(people["owner"], "Trip", [p.pk for p in imported])
    albums.share(people["owner"], album.pk, "victor", "view")
    trashed = imported[0]

    def counts():
        return {role: client_for(people[role]).get(f"/api/albums/{album.pk}").json()["count"]
                for role in ("owner", "viewer", "staff")}

    def tiles(role):
        return client_for(people[role]).get(f"/albums/{album.pk}/").content.decode().count('class="tile"')

    # when
    move_to_trash(trashed)
    # then
    assert counts() == {"owner": 1, "viewer": 1, "staff": 2}
    assert (tiles("owner"), tiles("staff")) == (1, 2)
    assert AlbumPhoto.objects.filter(photo=trashed).exists()  # hidden, not removed
    # and when it is restored
    restore_from_trash(trashed)
    assert counts() == {"owner": 2, "viewer": 2, "staff": 2}


def test_a_trashed_cover_gives_way_to_the_newest_photo(people, imported):
    album = albums.create_album(people["owner"], "Trip", [p.pk for p in imported])
    albums.set_cover(people["owner"], album.pk, imported[1].pk)
    move_to_trash(imported[1])
    [summary] = albums.summaries(people["owner"], albums.albums_for(people["owner"]))
    assert summary.cover.pk == imported[0].pk


def test_staff_move_a_selection_to_the_trash_and_others_may_not(people, imported):
    ids = [p.pk for p in imported]
    assert post(client_for(people["owner"]), "/api/trash/", {"ids": ids}).status_code == 403
    assert Photo.objects.in_library().count() == 2
    answer = post(client_for(people["staff"]), "/api/trash/", {"ids": ids})
    assert answer.json() == {"trashed": ids}
    assert Photo.objects.in_library().count() == 0


def test_the_admin_lists_albums_and_marks_their_photos_in_the_trash(people, imported, admin_client):
    # given an album with a photo in the trash
    album = albums.create_album(people["owner"], "Trip", [p.pk for p in imported])
    move_to_trash(imported[0])
    # when
    changelist = admin_client.get("/admin/library/album/").content.decode()
    change = admin_client.get(f"/admin/library/album/{album.pk}/change/").content.decode()
    # then both photos are there, the trashed one marked
    assert "Trip" in changelist and "olivia" in changelist
    assert (change.count("icon-yes.svg"), change.count("icon-no.svg")) == (1, 1)  # "In the trash": one of two
