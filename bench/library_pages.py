"""The pages whose cost grows with the library, over the rows bench/library_rows.py writes: the
gallery's, each of the admin photo list's (every filter value, the searches, each column's sort
both ways) and the import lists'. The million-photo bench times them; tests/test_admin_plans.py
checks their plans at 50k."""
import hashlib

from django.conf import settings
from django.db import connection
from django.http import QueryDict

from library.admin import PhotoAdmin
from library.curation.albums import create_album
from library.curation.favourites import set_favourite
from library.models import AlbumPhoto, Favourite, Photo
from library.services.timeline import scope_of, tiles_after, with_partners

from .library_rows import CAMERAS

PHOTO_LIST = "/admin/library/photo/"
GALLERY = ["/", "/?year=2016&month=3", "/?fragment=1&after=2016-03-14~2016-03-14T00:00:00%2B00:00~1"]
# Pages of the gallery's JSON API: the day summary, and the newest tiles of every day of the
# library (a gallery page carries both; a search's or an album's grid asks them again as it changes).
GALLERY_API = ["/api/timeline/summary", "/api/timeline/tiles?from=9999-12-31&to=0001-01-01"]
# The search's filters, each alone and in the combinations people use, over the filler's cameras
# (common, rare and years ago, a make), places (home, a rare country, a region, a city), kinds
# (raw is rare; live is a still with its motion or a motion photo) and names; and searches for
# what the filler never wrote (a name absent from a whole year walks that year). IMG_0049 names the
# thousand files numbered 49,000 to 49,999: at 50,000 rows the oldest, at a million some months old.
SEARCHES_FOR_NOTHING = ["camera=Leica M11", "place=Atlantis", "name=nothing like it"]
# Names shared by the files numbered 900,000 and on, at a million the oldest tenth, which a smaller
# library does not have: a prefix a hundred thousand share (IMG_09, as a camera numbers them), alone
# and with a camera or a year, and a part of ten thousand names (_099). `_004` is a part of ten
# thousand names at any size: at 50,000 rows the oldest fifth, at a million some months old.
SEARCHES_OF_THE_OLDEST = ["name=IMG_09", "name=IMG_09&camera=iPhone 15 Pro", "name=IMG_09&date=2011", "name=_099"]
SEARCHES = ["since=2016-03-01&until=2016-03-31", "date=2012", "kind=photo", "kind=video", "kind=live", "kind=raw",
            "camera=iPhone 15 Pro", "camera=DMC-GX7", "camera=NEX-6", "camera=Canon",
            "place=Germany", "place=Iceland", "place=Tuscany", "place=Arezzo", "name=IMG_0000123", "name=Summer",
            "camera=EOS R6&since=2019-06-01&until=2019-08-31", "place=Italy&kind=video", "name=Summer&date=2014",
            "camera=DMC-GX7&place=Germany", "kind=raw&date=2021", "name=IMG_00&date=2014", "name=IMG_0049",
            "name=_004", *SEARCHES_OF_THE_OLDEST,
            *SEARCHES_FOR_NOTHING]
# The name searches whose matches are many (IMG_09, at a million a hundred thousand of the oldest
# files), a part of many names (_099) and a title (Summer), each with each filter that leaves few
# of them: rare places, kinds, a year and a month of the oldest files, and a person's favourites
# and album (`person_with_favourites_and_album`), filled in by `name_combinations`.
COMBINED_NAMES = ["IMG_09", "_099", "Summer"]
COMBINED_FILTERS = ["place=Tuscany", "place=Iceland", "kind=raw", "kind=video", "kind=live", "favourites=1",
                    "album={album}", "date=2011", "since=2011-05-01&until=2011-05-31"]
# The person's favourites: one tile in FAVOURITE_EVERY; the album: one in ALBUM_EVERY, over the years.
FAVOURITE_EVERY = 50
ALBUM_EVERY = 3_000
# The searches that once walked the gallery testing each tile (a raw partner, a name) until a page
# was found: their first page must read about what it shows.
READ_WHAT_THEY_SHOW = ["kind=raw", "kind=raw&date=2021", "name=IMG_0049", "name=Summer", "name=IMG_0000123", "name=_004"]
# A hash prefix of a photo the filler wrote, to search for.
SEARCHED_HASH = hashlib.sha256(b"4242").hexdigest()


def columns_of_photos() -> list[str]:
    """The photo list's columns as its `o=` parameter numbers them (the checkbox first)."""
    return ["action_checkbox", *PhotoAdmin.list_display]


def photo_list_urls(session_ids) -> list[str]:
    """The photo list's first page, its filters and searches, and its sorts."""
    filters = ["kind__exact=photo", "kind__exact=video", "playback__exact=original", "playback__exact=rendition",
               "trash=no", "trash=yes", "moment=face", "moment=partner", "moment=alone", f"camera={CAMERAS[3]}",
               f"import_session__id__exact={session_ids[4]}", "import_session__isnull=True",
               *(f"thumbnail={state}" for state in ("cached", "missing", "failed")),
               *(f"rendition={state}" for state in ("cached", "missing", "failed")),
               "taken_on__year=2016", "taken_on__year=2016&taken_on__month=3",
               "taken_on__year=2016&taken_on__month=3&taken_on__day=14",
               "q=IMG_0123", "q=" + SEARCHED_HASH[:8], "q=Summer+holiday", "q=nothing+like+it",
               "camera=X100V&trash=yes&thumbnail=missing"]
    columns = columns_of_photos()
    # each column, sortable or not (a column left out of sortable_by must not sort when asked to)
    sorts = [f"o={sign}{index}" for index in range(2, len(columns)) for sign in ("", "-")]
    return [PHOTO_LIST, *(f"{PHOTO_LIST}?{query}" for query in [*filters, *sorts])]


def last_page_urls(num_pages: int) -> list[str]:
    return [f"{PHOTO_LIST}?p={num_pages}", f"{PHOTO_LIST}?o=-2&p={num_pages}"]


def import_list_urls(session_ids) -> list[str]:
    return ["/admin/library/importsession/", "/admin/library/importoutcome/",
            "/admin/library/importoutcome/?status__exact=failed",
            f"/admin/library/importoutcome/?session__id__exact={session_ids[2]}"]


def import_questions(session_id, sizes=1000, hashes=500) -> list[tuple[str, dict]]:
    """The web import's two questions (URL, JSON body) as a browser asks them of a big folder (by
    default as many as one question may hold): `sizes` sizes and `hashes` hashes, half of each held."""
    held = list(Photo.objects.order_by("id").values_list("size", flat=True)[:sizes // 2])
    asked_sizes = held + [7_000_000_000 + number for number in range(sizes - len(held))]
    known = [{"name": f"k{number}.jpg", "sha256": hashlib.sha256(str(number * 7).encode()).hexdigest()}
             for number in range(hashes // 2)]
    unknown = [{"name": f"u{number}.jpg", "sha256": hashlib.sha256(f"new {number}".encode()).hexdigest()}
               for number in range(hashes - len(known))]
    return [(f"/api/imports/{session_id}/sizes", {"sizes": asked_sizes}),
            (f"/api/imports/{session_id}/known", {"files": known + unknown})]


def name_combinations(album_id: int, names=COMBINED_NAMES) -> list[str]:
    """Each of `names` with each of COMBINED_FILTERS, the album's being `album_id`."""
    return [f"name={name}&{other.format(album=album_id)}" for name in names for other in COMBINED_FILTERS]


def person_with_favourites_and_album(user) -> int:
    """Gives `user` favourites and an album (FAVOURITE_EVERY, ALBUM_EVERY of the gallery's tiles, by
    id) for the searches of `name_combinations`; returns the album's id."""
    tiles = list(Photo.objects.gallery_tiles().order_by("id").values_list("pk", flat=True))
    set_favourite(user, tiles[::FAVOURITE_EVERY], True)
    album = create_album(user, "Over the years", tiles[::ALBUM_EVERY])
    if connection.vendor == "postgresql":  # as a library that has had them a while is analysed
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Favourite._meta.db_table}, {AlbumPhoto._meta.db_table}")
    return album.pk


def search_first_page(query: str, user=None) -> list:
    """The first page of the gallery narrowed by the search in `query` (its tiles with their
    partners), as the timeline's scope reads it (`user`'s, for an album or favourites)."""
    size = settings.PHOTOSITE_GALLERY_PAGE_SIZE
    scope = scope_of(user, QueryDict(query))
    return with_partners(list(tiles_after(None, scope)[: size + 1]))
