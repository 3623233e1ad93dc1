"""Routes of this part of the site; mounted by photosite/urls.py. Link with
`thumbnails.links.thumbnail_url(photo, size)` rather than reversing by hand."""
from django.urls import path

from . import views

urlpatterns = [
    path("api/photo/<int:photo_id>/thumbnail", views.photo_thumbnail, name="photo-thumbnail"),
]
