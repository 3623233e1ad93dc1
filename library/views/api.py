"""What the JSON API of favourites, albums and selections shares: the album rules' refusals as
statuses, a list of photo ids read from a body or a query, and one URL answering several methods."""
import re

from django.http import HttpResponseNotAllowed

from library.curation.albums import AlbumInputError, AlbumNotFoundError, AlbumPermissionError
from photosite.json_api import json_api

# A selection may span years of a library; a longer list is no selection a person made.
MAX_IDS = 10_000
ID = re.compile(r"[0-9]{1,18}")


class BadInputError(ValueError):
    """A body or query the API cannot take (photo ids that are no list of ids, a missing flag)."""


# Logged-in users only (401 otherwise); an album rule's refusal or bad input becomes 404, 403 or 400.
api_view = json_api({AlbumNotFoundError: 404, AlbumPermissionError: 403, AlbumInputError: 400, BadInputError: 400})


def photo_ids(value, name="ids") -> list[int]:
    """A JSON list of photo ids (integers, or digit strings as a query gives them); BadInputError otherwise."""
    if not isinstance(value, list) or len(value) > MAX_IDS or not all(
            (isinstance(item, int) and not isinstance(item, bool) and 0 < item < 2**63)
            or (isinstance(item, str) and ID.fullmatch(item)) for item in value):
        raise BadInputError(f'"{name}": a list of at most {MAX_IDS} photo ids, please')
    return list(dict.fromkeys(int(item) for item in value))


def query_ids(request) -> list[int]:
    """`?ids=1,2,3`."""
    text = request.GET.get("ids", "")
    return photo_ids(text.split(",") if text else [])


def body_field(body, name):
    return body.get(name) if isinstance(body, dict) else None


def by_method(**handlers):
    """One URL, a view per method (HEAD answered as GET); 405 for the others. A route any of
    whose views reads a JSON body is marked so, for the request fuzzer."""
    if "GET" in handlers:
        handlers["HEAD"] = handlers["GET"]

    def view(request, *args, **kwargs):
        handler = handlers.get(request.method)
        if handler is None:
            return HttpResponseNotAllowed(sorted(handlers))
        return handler(request, *args, **kwargs)
    view.takes_json_body = any(getattr(handler, "takes_json_body", False) for handler in handlers.values())
    return view
