"""Favourites through their JSON API and page: each user's own, set and unset, photos in the
trash left alone; and what a sidecar's favourite becomes (stars, and the importer's favourite)."""
import json
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from row_factories import client_for
from row_factories import photo_row as photo

from library.curation.favourites import SIDECAR_FAVOURITE_STARS, apply_sidecar_favourite
from library.models import Favourite, Photo

pytestmark = pytest.mark.django_db


def mark(client, ids, favourite=True):
    return client.post("/api/favourites/", data=json.dumps({"ids": ids, "favourite": favourite}),
                       content_type="application/json")


@pytest.fixture
def two_users(django_user_model):
    return client_for(django_user_model.objects.create_user("ann")), client_for(
        django_user_model.objects.create_user("ben"))


def test_each_user_has_their_own_favourites(two_users):
    # given
    ann, ben = two_users
    photos = [photo(day) for day in (1, 2, 3)]
    ids = [p.pk for p in photos]
    # when
    assert mark(ann, ids[:2]).json() == {"favourites": ids[:2]}
    assert mark(ben, ids[2:]).json() == {"favourites": ids[2:]}
    # then
    query = f"/api/favourites/?ids={','.join(map(str, ids))}"
    assert ann.get(query).json() == {"favourites": ids[:2]}
    assert ben.get(query).json() == {"favourites": ids[2:]}
    page = ann.get("/favourites/").content.decode()
    assert page.count('class="tile"') == 2 and 'data-scope="favourites=1"' in page
    # and unset
    assert mark(ann, ids[:1], favourite=False).json() == {"favourites": ids[:1]}
    assert ann.get(query).json() == {"favourites": ids[1:2]}


def test_the_tiles_a_gallery_page_carries_say_whose_favourites_they_are(two_users):
    # given ann's favourite among three photos
    ann, ben = two_users
    photos = [photo(day) for day in (1, 2, 3)]
    mark(ann, [photos[1].pk])
    # when each opens the gallery
    carried = {name: {tile["id"]: tile["favourite"] for tile in newest_tiles(client.get("/"))}
               for name, client in (("ann", ann), ("ben", ben))}
    # then the newest tiles the page carries know their hearts: ann's one, none of ben's
    assert carried["ann"] == {photos[2].pk: False, photos[1].pk: True, photos[0].pk: False}
    assert carried["ben"] == dict.fromkeys(carried["ann"], False)
    # while the timeline API's answers, the same for everyone, leave them unknown
    tiles = ann.get("/api/timeline/tiles?from=9999-12-31&to=0001-01-01&limit=10").json()["tiles"]
    assert {tile["favourite"] for tile in tiles} == {None}


def newest_tiles(response) -> list[dict]:
    html = response.content.decode()
    start = html.index('<script id="newest-tiles" type="application/json">') + len('<script id="newest-tiles" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])["tiles"]


def test_marking_twice_is_one_favourite_and_unknown_or_trashed_photos_are_left_out(two_users):
    ann, _ = two_users
    kept, trashed = photo(1), photo(2, trashed_at=photo(3).taken_at)
    assert mark(ann, [kept.pk, trashed.pk, 999999]).json() == {"favourites": [kept.pk]}
    assert mark(ann, [kept.pk]).json() == {"favourites": [kept.pk]}
    assert Favourite.objects.count() == 1


def test_a_favourite_in_the_trash_leaves_the_favourites_page_and_returns_with_it(two_users):
    ann, _ = two_users
    favourite = photo(1)
    mark(ann, [favourite.pk])
    Photo.objects.filter(pk=favourite.pk).update(trashed_at=favourite.taken_at)
    assert 'class="tile"' not in ann.get("/favourites/").content.decode()
    Photo.objects.filter(pk=favourite.pk).update(trashed_at=None)
    assert ann.get("/favourites/").content.decode().count('class="tile"') == 1


@pytest.mark.parametrize("query", ["x", "1,,2", "-1", ",".join(["1"] * 10_001), "1.5"])
def test_a_bad_ids_query_is_a_400(two_users, query):
    ann, _ = two_users
    response = ann.get(f"/api/favourites/?ids={query}")
    assert response.status_code == 400 and response.json()["error"]


@pytest.mark.parametrize("sidecar_rating, stars", [(None, SIDECAR_FAVOURITE_STARS), (2, None), (0, None)])
def test_a_sidecar_s_favourite_is_stars_unless_it_rates_and_the_importer_s_favourite(django_user_model,
                                                                                      sidecar_rating, stars):
    importer = django_user_model.objects.create_user("ann")
    favourite = photo(1)
    assert apply_sidecar_favourite(favourite, sidecar_rating, importer.pk) == ({"rating": stars} if stars else {})
    assert apply_sidecar_favourite(favourite, sidecar_rating, None) == ({"rating": stars} if stars else {})
    assert list(Favourite.objects.values_list("user", "photo")) == [(importer.pk, favourite.pk)]


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_sidecar_favourites_into_stars_and_the_importer_s_favourites(django_user_model):
    # given rows as 0014 kept them: favourites (one rated 2, one from the command line) and one not
    before = [("library", "0014_edge_hash")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    old_photo, old_session = apps.get_model("library", "Photo"), apps.get_model("library", "ImportSession")
    importer = apps.get_model("auth", "User").objects.create(username="ann")
    web, cli = old_session.objects.create(source="web", user=importer), old_session.objects.create(source="cli")
    for name, session, favorite, rating in [("a", web, True, None), ("b", web, True, 2), ("c", cli, True, None),
                                            ("d", web, False, None)]:
        old_photo.objects.create(
            sha256=name * 64, kind="photo", original_name=f"{name}.jpg", path=f"{name}.jpg", format="jpeg",
            mime_type="image/jpeg", size=1, taken_at_source="exif", taken_at=datetime(2024, 1, 1, tzinfo=UTC),
            taken_at_offset=0, taken_on=date(2024, 1, 1), import_session=session, favorite=favorite, rating=rating)
    # when
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    # then
    assert dict(Photo.objects.values_list("original_name", "rating")) == {
        "a.jpg": 5, "b.jpg": 2, "c.jpg": 5, "d.jpg": None}
    assert sorted(Favourite.objects.values_list("user__username", "photo__original_name")) == [
        ("ann", "a.jpg"), ("ann", "b.jpg")]
