"""Routes of favourites, albums and the gallery's selection; mounted by photosite/urls.py."""
from django.urls import path

from library.views import albums, favourites, trash

urlpatterns = [
    path("favourites/", favourites.favourites_page, name="favourites"),
    path("albums/", albums.album_list, name="albums"),
    path("albums/<int:album_id>/", albums.album_page, name="album"),
    path("api/favourites/", favourites.favourites_api, name="favourites-api"),
    path("api/albums/", albums.albums_api, name="albums-api"),
    path("api/albums/<int:album_id>", albums.album_api, name="album-api"),
    path("api/albums/<int:album_id>/photos", albums.photos_api, name="album-photos-api"),
    path("api/albums/<int:album_id>/members", albums.members_api, name="album-members-api"),
    path("api/trash/", trash.trash_photos, name="trash-api"),
]
