"""Per-user request rates for routes whose every call costs the site writes (the import page's
`/known` records up to 500 outcomes and an event per call) or a large query (`/sizes`, `/edges`).

A fixed window per user and route in Django's default cache: Redis when REDIS_URL is set (one
count for every web process), else the process's own memory (a count per web process). Past the
rate the answer is 429 with Retry-After, the seconds until the window ends; the import page then
sends the files it asked about (or hashes the ones it asked the sizes of). At a window's edge a client may get twice the rate in a short
burst, which is harmless here: the point is a ceiling per minute, not a smooth flow."""
import math
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse


def seconds_to_wait(scope: str, user_id: int, per_minute: int) -> int:
    """0 when this call is within `per_minute` calls of `scope` for the user (and counts it),
    else the whole seconds until the current minute's window ends."""
    now = time.time()
    window = int(now // 60)
    key = f"rate:{scope}:{user_id}:{window}"
    cache.add(key, 0, timeout=61)
    try:
        calls = cache.incr(key)
    except ValueError:  # the key expired between add and incr: a new window
        cache.add(key, 1, timeout=61)
        calls = 1
    return 0 if calls <= per_minute else max(1, math.ceil((window + 1) * 60 - now))


def rate_limited_per_user(scope: str):
    """At most PHOTOSITE_IMPORT_QUERIES_PER_MINUTE calls a minute per user for the view (which
    must only see logged-in users); 429 with Retry-After past it."""
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            wait = seconds_to_wait(scope, request.user.pk, settings.PHOTOSITE_IMPORT_QUERIES_PER_MINUTE)
            if wait:
                response = JsonResponse({"error": f"too many requests: try again in {wait} s"}, status=429)
                response["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)
        return wrapper
    return decorator
