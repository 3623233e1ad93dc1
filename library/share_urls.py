"""Routes of share links: the album under a link (`/s/<token>/…`, no account needed) and the
owners' list and API of links; mounted by photosite/urls.py, which also mounts the renditions
under a link (photosite/share_renditions.py)."""
from django.urls import path

from library.views import share_links

urlpatterns = [
    path("s/<str:token>/", share_links.share_page, name="share-page"),
    path("s/<str:token>/api/summary", share_links.share_summary_api, name="share-summary"),
    path("s/<str:token>/api/tiles", share_links.share_tiles_api, name="share-tiles"),
    path("s/<str:token>/photo/<int:photo_id>/", share_links.share_photo_page, name="share-photo"),
    path("s/<str:token>/photo/<int:photo_id>/original", share_links.share_original, name="share-original"),
    path("shares/", share_links.shares_page, name="shares"),
    path("api/shares/", share_links.links_api, name="shares-api"),
    path("api/shares/<int:link_id>", share_links.link_api, name="share-api"),
]
