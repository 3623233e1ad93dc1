"""Top-level routes. Each part of the site owns its own URL module; this file only mounts them."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("thumbnails.urls")),
    path("", include("library.import_urls")),
    path("", include("library.gallery_urls")),
]
