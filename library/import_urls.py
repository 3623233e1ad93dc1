"""Routes of the web import (page, JSON API, event stream); mounted by photosite/urls.py."""
from django.urls import path

from library.views import imports, resumable

urlpatterns = [
    path("import/", imports.import_page, name="import-page"),
    path("api/imports/", imports.create_session, name="import-sessions"),
    path("api/imports/<int:session_id>", imports.session_detail, name="import-session"),
    path("api/imports/<int:session_id>/files", imports.upload_files, name="import-files"),
    path("api/imports/<int:session_id>/known", imports.known_files, name="import-known"),
    path("api/imports/<int:session_id>/sizes", imports.held_sizes, name="import-sizes"),
    path("api/imports/<int:session_id>/edges", imports.held_edges, name="import-edges"),
    path("api/imports/<int:session_id>/uploads", resumable.create_upload, name="import-uploads"),
    path("api/uploads/<uuid:upload_id>", resumable.upload_resource, name="upload"),
    path("api/imports/<int:session_id>/finish", imports.finish_session, name="import-finish"),
    path("api/imports/<int:session_id>/events", imports.session_events, name="import-events"),
]
