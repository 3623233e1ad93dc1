"""`Cache-Control: private, no-store` on every HTML page the site renders.

A page shows one user's view of the library (names, the CSRF token in its forms, the admin's
lists): a shared cache must not keep it, and neither should the browser's disk, where the next
person at a shared computer could open it from the history after logging out. Responses that
already say how they may be cached keep their own header: thumbnails and originals (immutable or
revalidated), the event stream. Static files never pass Django's middleware."""
from asgiref.sync import iscoroutinefunction
from django.utils.cache import patch_cache_control
from django.utils.decorators import sync_and_async_middleware


def mark_page(response):
    if response.get("Content-Type", "").startswith("text/html") and not response.has_header("Cache-Control"):
        patch_cache_control(response, private=True, no_store=True)
    return response


@sync_and_async_middleware
def pages_are_not_stored(get_response):
    if iscoroutinefunction(get_response):
        async def middleware(request):
            return mark_page(await get_response(request))
    else:
        def middleware(request):
            return mark_page(get_response(request))
    return middleware
