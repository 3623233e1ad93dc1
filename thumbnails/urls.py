"""Routes of this part of the site; mounted by photosite/urls.py. Link with
`thumbnails.links.thumbnail_url(photo, size)` and
`thumbnails.links.playable_url(photo)` rather than reversing by hand."""
from django.urls import path

from . import video_views, views

urlpatterns = [
    path("api/photo/<int:photo_id>/thumbnail", views.photo_thumbnail, name="photo-thumbnail"),
    path("api/photo/<int:photo_id>/video", video_views.photo_video, name="photo-video"),
]
