"""Top-level routes. Each part of the site owns its own URL module; this file only mounts them."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from photosite import share_renditions

# The admin's modules are found here, where the admin is mounted, not by every command as it
# starts (settings name SimpleAdminConfig): they bring the import and the upload services along.
admin.autodiscover()

urlpatterns = [
    # Pages link their icon; this answers browsers that ask for it anyway (an image opened alone, a plain error page).
    path("favicon.ico", RedirectView.as_view(url=static("library/favicon.svg"), permanent=True)),
    path("admin/", admin.site.urls),
    # Log in and out only: no mail is configured, so a public password-reset form would be a dead end
    # (staff reset passwords in the admin or with `manage.py changepassword`).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("thumbnails.urls")),
    path("", include("library.import_urls")),
    path("", include("library.gallery_urls")),
    path("", include("library.family_urls")),
    path("", include("library.share_urls")),
    # A share link's renditions join the two apps: the library's gate, the thumbnails app's responses.
    path("s/<str:token>/photo/<int:photo_id>/thumbnail", share_renditions.share_thumbnail, name="share-thumbnail"),
    path("s/<str:token>/photo/<int:photo_id>/video", share_renditions.share_video, name="share-video"),
    path("s/<str:token>/photo/<int:photo_id>/motion", share_renditions.share_motion, name="share-motion"),
]

handler400 = "photosite.error_views.bad_request"
handler403 = "photosite.error_views.permission_denied"
handler404 = "photosite.error_views.not_found"
