"""Every URL pattern the site routes, through every include(): the access walk and the request
fuzzer both start from Django's own resolver, so a route added later is covered by both."""
import re

from django.urls import URLPattern, URLResolver, get_resolver

ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def all_routes(resolver=None, prefix=""):
    """(route text, pattern) for every URL pattern."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from all_routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def json_body_routes():
    """(route text, pattern) for every route whose view reads a JSON body (photosite.json_body)."""
    return [(text, entry) for text, entry in all_routes() if getattr(entry.callback, "takes_json_body", False)]
