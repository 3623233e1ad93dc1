"""Favourites: each user marks their own, a heart on a tile. The stars of a rating (0–5) are the
photo's, from a sidecar or the admin, and stay; a favourite is a person's.

A sidecar's favourite (Takeout's `favorited`, F-Stop's `fstop:favorite`) is both: five stars
when the sidecar gives no rating of its own, and a favourite of the user who imported it. An
import from the command line has no user: the five stars are all it leaves."""
from library.models import Favourite, Photo

# What a sidecar's favourite is in stars: the top of the scale, as the apps that write both show it.
SIDECAR_FAVOURITE_STARS = 5


def favourites_scope(user, tiles):
    """The gallery's `tiles` narrowed to the user's favourites (the /favourites/ page and
    `?favourites=1` of the grid's API)."""
    return tiles.filter(favourites__user=user)


def favourite_ids(user, photo_ids) -> list[int]:
    """Which of these photos the user holds as favourites (the hearts of tiles already shown)."""
    found = Favourite.objects.filter(user=user, photo_id__in=photo_ids).values_list("photo_id", flat=True)
    return sorted(found)


def set_favourite(user, photo_ids, favourite: bool) -> list[int]:
    """Mark or unmark photos the user may see; returns the ids that were theirs to mark (the
    others, unknown or in the trash, are left alone and left out)."""
    ids = list(Photo.objects.visible_to(user).filter(pk__in=photo_ids).values_list("pk", flat=True))
    if favourite:
        Favourite.objects.bulk_create([Favourite(user=user, photo_id=pk) for pk in ids], ignore_conflicts=True)
    else:
        Favourite.objects.filter(user=user, photo_id__in=ids).delete()
    return sorted(ids)


def apply_sidecar_favourite(photo: Photo, rating: int | None, importer_id: int | None) -> dict:
    """A sidecar's favourite on `photo`: the row changes it makes (stars, unless the sidecar rated
    the photo itself), and the importing user's favourite, if the import had one."""
    if importer_id is not None:
        Favourite.objects.bulk_create([Favourite(user_id=importer_id, photo=photo)], ignore_conflicts=True)
    return {} if rating is not None else {"rating": SIDECAR_FAVOURITE_STARS}
