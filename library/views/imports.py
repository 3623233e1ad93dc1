"""The web import: the page, its JSON API and the session's Server-Sent-Event stream.

Thin on purpose: the rules live in library.services.web_import, the bytes go through
library.uploads, progress is published by library.events.sse."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import parse_header_parameters
from django.views.decorators.http import require_GET, require_POST

from library.events import sse_stream
from library.events.sse import InvalidLastEventIdError, channel_for, event_after
from library.services import web_import
from library.services.web_import import SessionFinishedError, SessionNotFoundError
from library.uploads import MalformedUploadError, UploadStager
from photosite.header_csrf import csrf_protect_by_header
from photosite.json_api import api_error, json_api
from photosite.json_body import json_request_body
from photosite.rate_limits import rate_limited_per_user
from photosite.streaming_body import push_request_body, streams_request_body

# Logged-in users only (401 otherwise, not a redirect to the login page); session errors become 404/409.
api_view = json_api({SessionNotFoundError: 404, SessionFinishedError: 409})


@login_required
@require_GET
def import_page(request):
    return render(request, "library/import.html", {"upload_chunk_bytes": settings.PHOTOSITE_UPLOAD_CHUNK_BYTES})


@require_POST
@api_view
def create_session(request):
    session = web_import.start_session(request.user)
    return JsonResponse(web_import.session_summary(session), status=201)


@require_GET
@api_view
def session_detail(request, session_id):
    return JsonResponse(web_import.session_summary(web_import.session_for(request.user, session_id)))


@streams_request_body  # the files are staged as they arrive, not after the last byte
@csrf_protect_by_header  # Django's own check would read the body (its files) looking for the token
@require_POST
@api_view
def upload_files(request, session_id):
    # Before a byte of the body is read: a forged request (above), an anonymous one, and one for a
    # session that is not the user's or is finished are answered at once, not after their files
    # were received and staged.
    session = web_import.session_for(request.user, session_id, open_only=True)
    if not request.META.get("CONTENT_LENGTH"):
        # A body of unknown length: say what is wrong rather than answer "no files" to a client
        # that sent some.
        return api_error("Content-Length required: chunked upload bodies are not accepted; "
                         "send the multipart form with its length", 411)
    content_type, options = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
    if content_type != "multipart/form-data" or not options.get("boundary"):
        return api_error("send the files as multipart/form-data (with its boundary)", 400)
    try:
        stager = UploadStager(options["boundary"], int(request.META["CONTENT_LENGTH"]))
    except ValueError as error:  # a Content-Length that is no number, or a boundary the parser refuses
        return api_error(f"malformed upload: {error}", 400)
    try:
        push_request_body(request, stager.feed)
        stager.close()
        if not stager.uploads:
            return api_error("no files: send one or more multipart fields named 'file'", 400)
        results = web_import.import_uploads(session, stager.uploads, stager.fields.get("lastModified", []),
                                            [value.strip().lower() for value in stager.fields.get("sha256", [])])
    except MalformedUploadError as error:
        return api_error(f"malformed upload: {error}", 400)
    finally:
        stager.discard()
    session.refresh_from_db()
    return JsonResponse({"id": session.pk, "results": web_import.upload_answers(stager.uploads, results),
                         "counts": session.counts()})


@require_POST
@api_view
@rate_limited_per_user("import-known")
@json_request_body
def known_files(request, session_id, body):
    """Which of these files (JSON `{"files": [{"name", "sha256"}, …]}`) need not be sent: the
    known ones are recorded in the session as duplicates; `results` has None for the others."""
    session = web_import.session_for(request.user, session_id, open_only=True)
    try:
        files = parse_known_query(body)
    except ValueError as error:
        return api_error(str(error), 400)
    results = web_import.record_known_files(session, files)
    session.refresh_from_db()
    return JsonResponse({"results": [result and result.as_dict() for result in results], "counts": session.counts()})


@require_POST
@api_view
@rate_limited_per_user("import-sizes")
@json_request_body
def held_sizes(request, session_id, body):
    """Which of these file sizes (JSON `{"sizes": [n, …]}`) a photo in the library has: only files of
    those sizes are worth hashing before they are sent."""
    web_import.session_for(request.user, session_id, open_only=True)
    sizes = body.get("sizes") if isinstance(body, dict) else None
    if not isinstance(sizes, list) or len(sizes) > web_import.MAX_SIZES_QUERY or not all(map(is_byte_count, sizes)):
        return api_error(f'send JSON {{"sizes": [...]}}: at most {web_import.MAX_SIZES_QUERY} byte counts', 400)
    return JsonResponse({"held": web_import.sizes_held(sizes)})


@require_POST
@api_view
@rate_limited_per_user("import-edges")
@json_request_body
def held_edges(request, session_id, body):
    """Which of these files (JSON `{"files": [{"size", "edge"}, …]}`, `edge`: the SHA-256 of a
    file's first and last 64 KB) a photo in the library may be: only those are worth hashing whole."""
    web_import.session_for(request.user, session_id, open_only=True)
    try:
        files = parse_edges_query(body)
    except ValueError as error:
        return api_error(str(error), 400)
    return JsonResponse({"held": web_import.edges_held(files)})


def is_byte_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def parse_edges_query(body):
    """(size, edge hash) pairs from the page's question (parsed JSON); ValueError with what is wrong."""
    files = body.get("files") if isinstance(body, dict) else None
    if not isinstance(files, list) or len(files) > web_import.MAX_EDGES_QUERY:
        raise ValueError(f'send JSON {{"files": [{{"size": …, "edge": …}}, …]}}: at most {web_import.MAX_EDGES_QUERY}')
    if not all(isinstance(file, dict) and is_byte_count(file.get("size")) and isinstance(file.get("edge"), str)
               and web_import.SHA256_HEX.fullmatch(file["edge"]) for file in files):
        raise ValueError("each file needs a 'size' (a byte count) and an 'edge' of 64 lowercase hex digits")
    return [(file["size"], file["edge"]) for file in files]


def parse_known_query(body):
    """(name, sha256) pairs from the page's question (parsed JSON); ValueError with what is wrong."""
    files = body.get("files") if isinstance(body, dict) else None
    if not isinstance(files, list) or len(files) > web_import.MAX_KNOWN_QUERY:
        raise ValueError(f'send JSON {{"files": [{{"name": …, "sha256": …}}, …]}}: at most {web_import.MAX_KNOWN_QUERY}')
    if not all(isinstance(file, dict) and isinstance(file.get("name"), str) and isinstance(file.get("sha256"), str)
               and web_import.SHA256_HEX.fullmatch(file["sha256"]) for file in files):
        raise ValueError("each file needs a 'name' and a 'sha256' of 64 lowercase hex digits")
    return [(file["name"], file["sha256"]) for file in files]


@require_POST
@api_view
def finish_session(request, session_id):
    session = web_import.session_for(request.user, session_id, open_only=True)
    return JsonResponse(web_import.session_summary(web_import.finish_session(session)))


@require_GET
@api_view
def session_events(request, session_id):
    """The session's event stream, after the checks: handed off to library.events.route, which
    streams without a thread. Without Last-Event-ID the client gets the whole history first."""
    session = web_import.session_for(request.user, session_id)
    # django-eventstream's own parameters (es-meta, recover, channel, link) are not taken: the
    # channel is the session's, and the user the one logged in.
    if set(request.GET) - {"lastEventId"}:
        return api_error("the event stream takes no query parameters but lastEventId", 400)
    try:
        after = event_after(session.pk, request.headers.get("Last-Event-ID") or request.GET.get("lastEventId"))
    except InvalidLastEventIdError as error:
        return api_error(str(error), 400)
    return sse_stream.handoff(channel_for(session.pk), after, request.user.pk)
