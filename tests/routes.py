"""Every URL pattern the site routes, through every include(): the access walk, the request
fuzzer and the page-caching walk start from Django's own resolver, so a route added later is
covered by all three; `concrete_url` turns a pattern into a URL with real ids."""
import re

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*(?:\([^()]*\)[^()]*)*)\)")


def sample_value(name, converter, ids):
    """A plausible value for a URL parameter: the id of a real object where the name says which,
    so that a 404 means 'refused', not 'no such object'."""
    if converter in ("int", None) and name in ids:
        return str(ids[name])
    return {"int": "1", "uuid": "00000000-0000-0000-0000-000000000001"}.get(converter, str(ids.get(name, 1)))


def concrete_url(route: str, entry: URLPattern, ids) -> str:
    if isinstance(entry.pattern, RoutePattern):
        path = ROUTE_PARAMETER.sub(lambda m: sample_value(m["name"], m["converter"] or "str", ids), route)
    else:
        assert isinstance(entry.pattern, RegexPattern) or "(?P<" in route
        path = NAMED_GROUP.sub(lambda m: regex_sample(m["name"], m["body"], ids), route)
        path = path.replace("^", "").replace("$", "")
    return "/" + path


def regex_sample(name, body, ids):
    for candidate in (*body.split("|"), str(ids.get(name, 1)), "library", "x"):
        if re.fullmatch(body, candidate):
            return candidate
    raise AssertionError(f"no sample for (?P<{name}>{body})")


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
