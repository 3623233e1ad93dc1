"""Resumable uploads over tus 1.0 (core, creation and termination): the protocol's headers and
statuses, kept thin; the rules are library.services.resumable_uploads.

- `POST /api/imports/<id>/uploads` (creation): `Upload-Length`, and `Upload-Metadata` with
  `filename`, `sha256` (the browser's hash of the file, compared once the bytes are in) and an
  optional `lastModified` (ms) → 201 with `Location: /api/uploads/<id>`.
- `HEAD /api/uploads/<id>` → `Upload-Offset` (the bytes the server holds) and `Upload-Length`.
- `PATCH /api/uploads/<id>` (`Content-Type: application/offset+octet-stream`, `Upload-Offset`, a
  body of at most PHOTOSITE_UPLOAD_CHUNK_BYTES) → 204 with the new `Upload-Offset`. The body
  streams into `.import_temp` as it arrives; the piece that completes the file imports it, into
  the session named by `Photosite-Import-Session` (the page's current one) or else the upload's.
- `DELETE /api/uploads/<id>` (termination) → 204. `OPTIONS` on either says what the server supports.

Every request but OPTIONS needs `Tus-Resumable: 1.0.0` (412 otherwise), a login (401) and, for
POST/PATCH/DELETE, the CSRF token in `X-CSRFToken` (checked before a byte of the body is read).
An upload is its creator's only: anyone else gets 404. A wrong `Upload-Offset` is a 409, a piece
being written already a 423. A refusal that ends the file is a 413 (too large, no room) or a 403
(PHOTOSITE_UPLOADS_PER_USER unfinished already) with `Photosite-Failure-Recorded: 1`: the session's
event stream reports that file's failure. A PATCH with no bytes only checks the offset."""
import base64
import binascii
import re
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse

from library.services import resumable_uploads, web_import
from library.services.resumable_uploads import UploadError
from library.services.web_import import SessionFinishedError, SessionNotFoundError
from photosite.header_csrf import csrf_protect_by_header
from photosite.streaming_body import streams_request_body

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination"
CHUNK_CONTENT_TYPE = "application/offset+octet-stream"
SESSION_HEADER = "Photosite-Import-Session"
RECORDED_HEADER = "Photosite-Failure-Recorded"
DIGITS = re.compile(r"[0-9]{1,18}")  # no sign, no spaces, within a BigIntegerField
METADATA_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def tus_response(status=204, headers=None):
    response = HttpResponse(status=status)
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def tus_error(message, status, recorded=False):
    response = JsonResponse({"error": message}, status=status)
    response["Tus-Resumable"] = TUS_VERSION
    response["Tus-Version"] = TUS_VERSION
    if recorded:
        response[RECORDED_HEADER] = "1"
    return response


def capabilities():
    return tus_response(204, {"Tus-Version": TUS_VERSION, "Tus-Extension": TUS_EXTENSIONS,
                              "Tus-Max-Size": str(settings.PHOTOSITE_MAX_UPLOAD_BYTES)})


class BadHeaderError(ValueError):
    """A tus header that is missing or malformed (400)."""


def tus_view(allowed):
    """Login (401), the protocol version (412) and the methods (405); errors of the rules become statuses."""
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "OPTIONS":
                return capabilities()
            if request.method not in allowed:
                response = tus_error(f"{request.method} is not allowed here", 405)
                response["Allow"] = ", ".join([*allowed, "OPTIONS"])
                return response
            if not request.user.is_authenticated:
                return tus_error("login required", 401)
            if request.headers.get("Tus-Resumable") != TUS_VERSION:
                return tus_error(f"Tus-Resumable: {TUS_VERSION} required", 412)
            try:
                return view(request, *args, **kwargs)
            except BadHeaderError as error:
                return tus_error(str(error), 400)
            except UploadError as error:
                return tus_error(str(error), error.status, error.recorded)
            except SessionNotFoundError as error:
                return tus_error(str(error), 404)
            except SessionFinishedError as error:
                return tus_error(str(error), 410)
        return wrapper
    return decorate


@streams_request_body  # a body sent with the creation request is never read, nor spooled
@csrf_protect_by_header
@tus_view(allowed=("POST",))
def create_upload(request, session_id):
    session = web_import.session_for(request.user, session_id, open_only=True)
    if "Upload-Defer-Length" in request.headers:
        raise BadHeaderError("Upload-Defer-Length is not supported: send Upload-Length")
    length = number_header(request, "Upload-Length")
    if length == 0:
        raise BadHeaderError("file is empty (0 bytes)")
    metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
    claimed = metadata.get("sha256", "").lower()
    if not metadata.get("filename") or not web_import.SHA256_HEX.fullmatch(claimed):
        raise BadHeaderError("Upload-Metadata needs filename and sha256 (64 hex digits)")
    last_modified = metadata.get("lastModified")
    last_modified = int(last_modified) if last_modified and DIGITS.fullmatch(last_modified) else None
    upload = resumable_uploads.create(request.user, session, metadata["filename"], length, claimed, last_modified)
    return tus_response(201, {"Location": reverse("upload", args=[upload.pk]), "Upload-Offset": "0"})


@streams_request_body  # a piece streams into .import_temp as it arrives
@csrf_protect_by_header
@tus_view(allowed=("HEAD", "PATCH", "DELETE"))
def upload_resource(request, upload_id):
    upload = resumable_uploads.upload_for(request.user, upload_id)
    if request.method == "HEAD":
        return tus_response(200, {"Upload-Offset": str(resumable_uploads.received(upload)),
                                  "Upload-Length": str(upload.length)})
    if request.method == "DELETE":
        resumable_uploads.terminate(upload)
        return tus_response(204)
    return write_piece(request, upload)


def write_piece(request, upload):
    if request.content_type != CHUNK_CONTENT_TYPE:
        return tus_error(f"Content-Type must be {CHUNK_CONTENT_TYPE}", 415)
    offset = number_header(request, "Upload-Offset")
    if not request.META.get("CONTENT_LENGTH"):
        return tus_error("Content-Length required: chunked bodies are not accepted", 411)
    length = number_header(request, "Content-Length")
    if length > settings.PHOTOSITE_UPLOAD_CHUNK_BYTES:
        return tus_error(f"a piece may be at most {settings.PHOTOSITE_UPLOAD_CHUNK_BYTES:,} bytes "
                         "(PHOTOSITE_UPLOAD_CHUNK_BYTES)", 413)
    session = import_session(request, upload)
    offset, result = resumable_uploads.write_piece(upload, session, offset, request, length)
    response = tus_response(204, {"Upload-Offset": str(offset)})
    if result is not None:
        response["Photosite-Outcome"] = result.status
    return response


def import_session(request, upload):
    """The session a completed file goes into: the page's current one, else the upload's own."""
    value = request.headers.get(SESSION_HEADER)
    if value is None:
        return web_import.session_for(request.user, upload.session_id, open_only=True)
    if not DIGITS.fullmatch(value):
        raise BadHeaderError(f"{SESSION_HEADER} must be an import session id")
    return web_import.session_for(request.user, int(value), open_only=True)


def number_header(request, name):
    value = request.headers.get(name)
    if value is None or not DIGITS.fullmatch(value):
        raise BadHeaderError(f"{name} must be a non-negative integer")
    return int(value)


def parse_metadata(header):
    """tus's `key base64value,key2 base64value2`; values must be UTF-8 text."""
    metadata = {}
    for pair in filter(None, (part.strip() for part in header.split(","))):
        key, _space, encoded = pair.partition(" ")
        if not METADATA_KEY.fullmatch(key) or key in metadata:
            raise BadHeaderError("Upload-Metadata is malformed")
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise BadHeaderError("Upload-Metadata values must be base64 of UTF-8 text") from error
    return metadata
