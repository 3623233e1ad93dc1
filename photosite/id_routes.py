"""Links to routes that take one integer id (`/photo/<id>/`, `/api/photo/<id>/thumbnail`),
made by filling the id into the route's reversed form rather than by `reverse()` each time.

A gallery page lists 60 tiles and an answer of the timeline API up to 300, with three or four
links each: `reverse()` walks the URL resolver for every one of them (about 40 µs each here,
a sixth of the page's CPU). The route's text around the id depends only on the route, the URL
configuration and the script prefix, so it is worked out once for each of those."""
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# An id no route will ever be reversed with for real, to find where the id goes.
MARKER = 9_876_543_210_123


def id_route(name: str, pk: int) -> str:
    """`reverse(name, args=[pk])` for a route whose one argument is an integer id."""
    head, tail = route_around_id(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return f"{head}{int(pk)}{tail}"


@lru_cache(maxsize=256)
def route_around_id(name: str, script_prefix: str, urlconf: str) -> tuple[str, str]:
    head, tail = reverse(name, args=[MARKER], urlconf=urlconf).split(str(MARKER))
    return head, tail
