"""Routes of this part of the site; mounted by photosite/urls.py."""
from django.urls import path

from library.views import downloads, gallery, originals, photo_info, timeline_api

urlpatterns = [
    path("", gallery.gallery, name="gallery"),
    path("api/timeline/summary", timeline_api.summary, name="timeline-summary"),
    path("api/timeline/tiles", timeline_api.tiles, name="timeline-tiles"),
    path("photo/<int:photo_id>/", gallery.photo_page, name="photo"),
    path("photo/<int:photo_id>/original", originals.original, name="original"),
    path("api/photos/<int:photo_id>/info", photo_info.photo_info_json, name="photo-info"),
    path("download/", downloads.download, name="download"),
    path("download/size", downloads.download_size, name="download_size"),
]
