"""Routes of this part of the site; mounted by photosite/urls.py."""
from django.urls import path

from library.views import downloads, gallery, originals

urlpatterns = [
    path("", gallery.gallery, name="gallery"),
    path("photo/<int:photo_id>/", gallery.photo_page, name="photo"),
    path("photo/<int:photo_id>/original", originals.original, name="original"),
    path("download/", downloads.download, name="download"),
    path("download/size", downloads.download_size, name="download_size"),
]
