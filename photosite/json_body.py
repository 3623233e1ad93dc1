"""The one reader of JSON request bodies: every route that takes one is wrapped in `json_request_body`.

Python's json module recurses once per nesting level: `[[[[…` 100,000 deep raises RecursionError
(a 500), and a body of any size is parsed whole. So a body is refused, with a 4xx and a short
reason, before json.loads sees it when it is larger than MAX_JSON_BODY_BYTES (413) or nested
deeper than MAX_JSON_DEPTH (400; counted in one pass over the bytes, outside strings). A parsed
body with text no database column can hold (NUL, a lone surrogate from a `\\ud800` escape) is a
400 too: such a file name made `/known` fail with a 500 while it cleaned the name for storing."""
import json
import re
from functools import wraps

from django.http import JsonResponse

# The import page's largest question, 500 file names of 255 bytes with their hashes, is ~175 KB.
MAX_JSON_BODY_BYTES = 1024 * 1024
# The deepest body a route takes is 3 levels ({"files": [{…}]}); a little room beyond.
MAX_JSON_DEPTH = 16
ESCAPED_CHARACTER = re.compile(rb"\\.", re.DOTALL)
BRACKET = re.compile(rb"[\[\]{}]")
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class JsonBodyError(ValueError):
    """A body no view should see; `status` is the answer's (400, or 413 for its size)."""

    def __init__(self, reason, status=400):
        super().__init__(reason)
        self.status = status


def json_request_body(view):
    """Calls `view(request, …, body=<the parsed JSON>)`, or answers 4xx with {"error": reason}.
    Routes carrying it are found (`takes_json_body`) by the request fuzzer's JSON cases."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            body = parse_json_body(request)
        except JsonBodyError as error:
            return JsonResponse({"error": str(error)}, status=error.status)
        return view(request, *args, body=body, **kwargs)
    wrapper.takes_json_body = True
    return wrapper


def parse_json_body(request):
    """The request's body as JSON, within the size and depth limits; JsonBodyError otherwise."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > MAX_JSON_BODY_BYTES:
        raise JsonBodyError(f"a JSON body of at most {MAX_JSON_BODY_BYTES} bytes, please", 413)
    data = request.read(MAX_JSON_BODY_BYTES + 1)
    if len(data) > MAX_JSON_BODY_BYTES:
        raise JsonBodyError(f"a JSON body of at most {MAX_JSON_BODY_BYTES} bytes, please", 413)
    if nesting_exceeds(data, MAX_JSON_DEPTH):
        raise JsonBodyError(f"JSON nested more than {MAX_JSON_DEPTH} deep")
    try:
        body = json.loads(data)
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, an int of over 4300 digits
        raise JsonBodyError("the body is not JSON") from error
    if any(UNSTORABLE.search(text) for text in strings_in(body)):
        raise JsonBodyError("JSON text with a NUL or a lone surrogate")
    return body


def nesting_exceeds(data: bytes, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than `limit`: escapes (`\\"`, `\\\\`) go
    first, then every other piece between quotes is a string. Linear, and it stops at the
    first bracket too deep; malformed JSON gets an answer too (json.loads then refuses it)."""
    outside_strings = ESCAPED_CHARACTER.sub(b"", data).split(b'"')[::2]
    depth = 0
    for bracket in BRACKET.finditer(b"".join(outside_strings)):
        depth += 1 if bracket[0] in b"[{" else -1
        if depth > limit:
            return True
    return False


def strings_in(value):
    """Every string (keys included) in a parsed body, whose depth nesting_exceeds bounded."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
