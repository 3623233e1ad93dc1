"""Albums: a named set of photos an owner keeps and shares with other users of the site, to look
at or to look at and add to.

`albums_for` is the one rule of who may do what with an album; every other function here asks it
(through `album_for`). A photo in the trash keeps its place in an album: it is hidden at query
time from all but staff (`Photo.objects.visible_to`), and a restore brings it back."""
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, Count, Exists, IntegerField, Max, Min, OuterRef, Subquery, Value, When

from library.models import MOMENT_FACE, Album, AlbumMember, AlbumPhoto, Photo, visible_condition

MAX_TITLE = Album._meta.get_field("title").max_length


class AlbumAccess(IntEnum):
    NONE = 0
    VIEW = 1
    ADD = 2  # view, add photos, remove the photos one added
    OWN = 3  # all that, and rename, set the cover, share, delete


class AlbumNotFoundError(LookupError):
    """No such album, or not one this user may see (the same answer, so albums are not probed)."""


class AlbumPermissionError(PermissionError):
    """The user sees the album but may not do this to it."""


class AlbumInputError(ValueError):
    """A title, photo or user that cannot be taken."""


def albums_for(user):
    """Every album `user` may see, each annotated with its `access` (an AlbumAccess): its owner
    owns it, a member views or adds as shared, staff view every album (they keep the library);
    anyone else does not see it."""
    membership = AlbumMember.objects.filter(album=OuterRef("pk"), user=user)
    access = Case(
        When(owner=user, then=Value(AlbumAccess.OWN)),
        When(Exists(membership.filter(can_add=True)), then=Value(AlbumAccess.ADD)),
        When(Exists(membership), then=Value(AlbumAccess.VIEW)),
        default=Value(AlbumAccess.VIEW if user.is_staff else AlbumAccess.NONE), output_field=IntegerField(),
    )
    return Album.objects.annotate(access=access).exclude(access=AlbumAccess.NONE)


def album_for(user, album_id, need=AlbumAccess.VIEW) -> Album:
    """The album, if `user` may do what `need` says; AlbumNotFoundError when they may not see it,
    AlbumPermissionError when they see it but `need` more."""
    album = albums_for(user).select_related("owner").filter(pk=album_id).first()
    if album is None:
        raise AlbumNotFoundError("no such album")
    if album.access < need:
        raise AlbumPermissionError("you may only look at this album" if album.access == AlbumAccess.VIEW
                                   else "only the album's owner may do that")
    return album


def visible_entries(user):
    """The album entries `user` sees: those whose photo is not in the trash, or all for staff."""
    return AlbumPhoto.objects.filter(visible_condition(user, "photo__"))


def album_scope(user, album: Album):
    """The album's gallery tiles as `user` sees them (the album page and `?album=<id>` of the
    grid's API), in no order: the grid orders and pages them."""
    return Photo.objects.visible_to(user).filter(MOMENT_FACE, album_entries__album=album)


@dataclass(frozen=True)
class AlbumSummary:
    """An album as its card and its page show it."""

    album: Album
    count: int
    first_day: date | None
    last_day: date | None
    cover: Photo | None


def summaries(user, albums) -> list[AlbumSummary]:
    """Count, date span and cover photo of each album, as `user` sees them (their cover if it is
    visible, else their newest photo): three queries however many albums."""
    entries = visible_entries(user).filter(album=OuterRef("pk"))
    newest = entries.order_by("-photo__taken_on", "-photo__taken_at", "-photo_id").values("photo_id")[:1]
    albums = list(albums.annotate(
        cover_visible=Exists(entries.filter(photo=OuterRef("cover"))), newest_id=Subquery(newest)))
    stats = {row["album"]: row for row in visible_entries(user).filter(album__in=albums).values("album").annotate(
        count=Count("pk"), first=Min("photo__taken_on"), last=Max("photo__taken_on"))}
    cover_ids = [album.cover_id if album.cover_visible else album.newest_id for album in albums]
    covers = Photo.objects.only("id", "sha256").in_bulk([pk for pk in cover_ids if pk])
    found = []
    for album, cover_id in zip(albums, cover_ids, strict=True):
        row = stats.get(album.pk, {"count": 0, "first": None, "last": None})  # no photos it may show
        found.append(AlbumSummary(album, row["count"], row["first"], row["last"], covers.get(cover_id)))
    return found


def clean_title(title) -> str:
    if not isinstance(title, str) or not title.strip():
        raise AlbumInputError("an album needs a title")
    if len(title.strip()) > MAX_TITLE:
        raise AlbumInputError(f"a title of at most {MAX_TITLE} characters, please")
    return title.strip()


def tile_ids(user, photo_ids) -> list[int]:
    """The gallery tiles of these photos (a Live Photo's motion or a raw is added as its face),
    each one the user may see; AlbumInputError naming those they may not."""
    rows = dict(Photo.objects.visible_to(user).filter(pk__in=photo_ids).values_list("pk", "shown_with_id"))
    missing = sorted(set(photo_ids) - rows.keys())
    if missing:
        raise AlbumInputError(f"no such photos: {', '.join(map(str, missing[:10]))}")
    return sorted({face or pk for pk, face in rows.items()})


@transaction.atomic
def create_album(user, title, photo_ids=()) -> Album:
    album = Album.objects.create(owner=user, title=clean_title(title))
    if photo_ids:
        add_photos(user, album.pk, photo_ids)
    return album


def add_photos(user, album_id, photo_ids) -> int:
    """Adds the photos (those already in the album stay as they were); returns how many were new."""
    album = album_for(user, album_id, AlbumAccess.ADD)
    ids = tile_ids(user, photo_ids)
    before = album.entries.count()
    AlbumPhoto.objects.bulk_create([AlbumPhoto(album=album, photo_id=pk, added_by=user) for pk in ids],
                                   ignore_conflicts=True)
    touch(album)
    return album.entries.count() - before


def remove_photos(user, album_id, photo_ids) -> int:
    """Takes photos out of the album (never out of the library): any for its owner, those they
    added for a member who adds. Returns how many went."""
    album = album_for(user, album_id, AlbumAccess.ADD)
    entries = album.entries.filter(photo_id__in=photo_ids)
    if album.access < AlbumAccess.OWN:
        entries = entries.filter(added_by=user)
    removed, _ = entries.delete()
    if album.cover_id in photo_ids and not album.entries.filter(photo_id=album.cover_id).exists():
        album.cover = None
    touch(album)
    return removed


def rename(user, album_id, title) -> Album:
    album = album_for(user, album_id, AlbumAccess.OWN)
    album.title = clean_title(title)
    touch(album)
    return album


def set_cover(user, album_id, photo_id) -> Album:
    album = album_for(user, album_id, AlbumAccess.OWN)
    if not visible_entries(user).filter(album=album, photo_id=photo_id).exists():
        raise AlbumInputError("the cover must be one of the album's photos")
    album.cover_id = photo_id
    touch(album)
    return album


def delete_album(user, album_id):
    """The album goes; its photos stay in the library."""
    album_for(user, album_id, AlbumAccess.OWN).delete()


def share(user, album_id, username, access: str) -> Album:
    """Shares the album with another user of the site ("view" or "add"), or stops ("none")."""
    album = album_for(user, album_id, AlbumAccess.OWN)
    if access not in ("view", "add", "none"):
        raise AlbumInputError('access is "view", "add" or "none"')
    member = get_user_model().objects.filter(username=username, is_active=True).first() \
        if isinstance(username, str) else None
    if member is None or member.pk == album.owner_id:
        raise AlbumInputError("no such user to share with")
    if access == "none":
        album.members.filter(user=member).delete()
    else:
        AlbumMember.objects.update_or_create(album=album, user=member, defaults={"can_add": access == "add"})
    return album


def members_of(album: Album) -> list[tuple[str, str]]:
    """(username, "view" or "add") of everyone the album is shared with."""
    return [(member.user.username, "add" if member.can_add else "view")
            for member in album.members.select_related("user")]


def touch(album: Album):
    """Saving stamps `updated` (auto_now): the album list shows the albums changed last first."""
    album.save()
