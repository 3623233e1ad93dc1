"""A NUL character in a request's path or query string is refused with 400 before any view runs.

No URL of the site means one, and PostgreSQL cannot store one in a text value: a lookup with
it raises DataError, a 500. The admin's filters and searches (`?camera=%00`, `?pk__in=%00`)
and text primary keys in its paths (django-q's tasks) hand such values to the database
unchecked, and they are Django's code, not ours; one check here covers them all. Bodies are
not looked at (uploads are binary; forms already refuse NUL with ProhibitNullCharactersValidator)."""
from urllib.parse import unquote

from asgiref.sync import iscoroutinefunction
from django.http import HttpResponseBadRequest
from django.utils.decorators import sync_and_async_middleware

REASON = "A NUL character is not allowed in a URL."


def has_nul(request) -> bool:
    return "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", ""))


@sync_and_async_middleware
def refuse_nul_characters(get_response):
    if iscoroutinefunction(get_response):
        async def middleware(request):
            return HttpResponseBadRequest(REASON, content_type="text/plain") if has_nul(request) else await get_response(request)
    else:
        def middleware(request):
            return HttpResponseBadRequest(REASON, content_type="text/plain") if has_nul(request) else get_response(request)
    return middleware
