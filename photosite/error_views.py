"""The site's 400, 403 and 404 answers: a short plain reason.

Django's own error views are marked `requires_csrf_token`, so on a POST the CSRF middleware
reads the body before they render; a body that is not valid multipart (`multipart/form-data`
without a boundary, say) then raises inside the error view, and Django answers 500 instead.
These pages show no form, so they need no token and never read the body."""
from django.http import HttpResponse


def plain(status, reason):
    return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")


def bad_request(request, exception):
    return plain(400, "Bad request.")


def permission_denied(request, exception):
    return plain(403, "Forbidden.")


def not_found(request, exception):
    return plain(404, "Not found.")
