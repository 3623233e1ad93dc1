"""Static files answered from memory in front of Django, and their addresses carrying their
content's version so that a browser keeps them.

A gallery page asks for a dozen scripts and style sheets before it can draw anything. Through
Django's ASGIStaticFilesHandler each one is a thread hop, a search of the apps' static folders
and a file read, answered with no caching header, so a browser asks for all of them again on
every visit. On a two-core server that is also making the first screen's thumbnails, those
requests came back 10–120 ms after they were asked (docs/benchmarks.md, "The first screen at a
million"). Here a file is found once, kept in memory with its digest and answered in the event
loop. It is read again when its size or modification time changes, as when a developer edits
it.

`{% static %}` addresses carry that digest (`?v=…`, `VersionedStaticFilesStorage`), and an answer
to such an address may be kept for a year (`immutable`). Any other address of a static file
(a module imported by a relative path, an old version) is answered `no-cache` with its ETag, so a
browser keeps it but asks whether it changed (a 304). Both read one table, `STATIC_FILES`, so the
address and the answer can't disagree about a version.

Whatever this does not know goes on to Django unchanged: a file no finder has, a path it would
refuse (`/static/../x`), any method but GET and HEAD."""
import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass
from threading import Lock
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import StaticFilesStorage

# A static file's name as the site's own files are named: each part starts with a letter, digit
# or underscore (so none is `.` or `..`, nor hidden), none is empty, nothing is encoded.
PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*")
KEPT_FOR_A_YEAR = b"public, max-age=31536000, immutable"
ASK_AGAIN = b"no-cache"


@dataclass(frozen=True)
class StaticFile:
    path: str
    identity: tuple[int, int]  # (size, modification time in ns) when it was read
    body: bytes
    version: str
    content_type: bytes

    @property
    def etag(self) -> bytes:
        return f'"{self.version}"'.encode()


class StaticFileTable:
    """The static files asked for so far, by name, each read once and again when it changes."""

    def __init__(self):
        self.files: dict[str, StaticFile] = {}
        self.lock = Lock()  # the storage asks from Django's threads, the server from its loop

    def get(self, name: str) -> StaticFile | None:
        """The file `name` as it is now on disk; None when it is no static file of the site."""
        if not PLAIN_NAME.fullmatch(name):
            return None
        known = self.files.get(name)
        path = known.path if known else finders.find(name)
        if not path:
            return None
        try:
            status = os.stat(path)
        except OSError:
            return None
        identity = (status.st_size, status.st_mtime_ns)
        if known and known.identity == identity:
            return known
        with open(path, "rb") as source:
            body = source.read()
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        read = StaticFile(path, identity, body, hashlib.sha256(body).hexdigest()[:16], content_type.encode())
        with self.lock:
            self.files[name] = read
        return read


STATIC_FILES = StaticFileTable()


class VersionedStaticFilesStorage(StaticFilesStorage):
    """`{% static %}` addresses with `?v=<digest of the file>`, so the answer may be kept for a
    year: a changed file has a new address. Needs no `collectstatic`."""

    def url(self, name):
        url = super().url(name)
        found = STATIC_FILES.get(name)
        return f"{url}?v={found.version}" if found else url


class StaticFiles:
    """ASGI middleware: GET and HEAD of a known static file answered from `STATIC_FILES`."""

    def __init__(self, app):
        self.app = app
        self.prefix = urlsplit(settings.STATIC_URL).path

    async def __call__(self, scope, receive, send):
        found = self.found(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        status, headers, body = answer(found, scope)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    def found(self, scope) -> StaticFile | None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        path = scope["path"]
        return STATIC_FILES.get(path[len(self.prefix):]) if path.startswith(self.prefix) else None


def answer(found: StaticFile, scope) -> tuple[int, list, bytes]:
    """(status, headers, body) for `found`: kept a year when asked by its current version, else
    revalidated; a 304 when the browser already holds these bytes."""
    asked_version = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get("v")
    caching = KEPT_FOR_A_YEAR if asked_version == found.version else ASK_AGAIN
    headers = [(b"etag", found.etag), (b"cache-control", caching),
               # Static files pass no middleware; a worker script runs under the policy of its own
               # response (the import page's hashing worker), so they carry one.
               (b"content-security-policy", settings.PHOTOSITE_STATIC_CONTENT_SECURITY_POLICY.encode()),
               (b"x-content-type-options", b"nosniff")]
    if found.etag in if_none_match(scope):
        return 304, headers, b""
    return 200, [(b"content-type", found.content_type), (b"content-length", str(len(found.body)).encode()),
                 *headers], found.body


def if_none_match(scope) -> list[bytes]:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return [tag.strip().removeprefix(b"W/") for tag in value.split(b",")]
    return []
