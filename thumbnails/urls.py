"""Routes of this part of the site; mounted by photosite/urls.py. Link with
`thumbnails.links.thumbnail_url(photo, size)`, `thumbnails.links.playable_url(photo)` and
`thumbnails.links.embedded_video_url(photo)` rather than reversing by hand."""
from django.urls import path

from . import embedded_video_views, video_views, views

urlpatterns = [
    path("api/photo/<int:photo_id>/thumbnail", views.photo_thumbnail, name="photo-thumbnail"),
    path("api/photo/<int:photo_id>/video", video_views.photo_video, name="photo-video"),
    path("api/photo/<int:photo_id>/motion", embedded_video_views.photo_embedded_video, name="photo-embedded-video"),
]
