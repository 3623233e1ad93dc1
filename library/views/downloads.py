"""Downloading a selection or an album as one ZIP of its originals, and its size beforehand.

The archive is put together by library.services.zip_download and streamed asynchronously, a
chunk read in a thread at a time, like an original (library.views.originals): a download of
gigabytes holds no worker thread while the client reads, and no more than a chunk in memory."""
from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from library.services.zip_download import (
    PhotosNotFoundError,
    sent_whole_or_cut,
    visible_photos,
    with_moment_files,
    zip_of,
)
from photosite.json_body import JsonBodyError, parse_json_body

# A selection larger than this is refused: its list of names alone would make the page wait.
MOST_PHOTOS = 5000
# The largest id a database column holds (a bigger number is no id, not an overflow).
LARGEST_ID = 2**63 - 1
ID_DIGITS = len(str(LARGEST_ID))


class BadSelectionError(ValueError):
    """The ids asked for are not a list of photo ids, or too many."""


@login_required
@require_POST
async def download(request):
    """The ZIP of the photos whose `ids` are posted (a form's fields, commas allowed, or a JSON
    `{"ids": [...]}`), with their moments' other files."""
    try:
        photo_ids = selection(await posted_ids(request))
        stream = await sync_to_async(archive_for)(photo_ids, await request.auser())
    except (BadSelectionError, JsonBodyError, PhotosNotFoundError) as error:
        return JsonResponse({"error": str(error)}, status=400)
    response = StreamingHttpResponse(sent_whole_or_cut(stream), content_type="application/zip")
    response["Content-Length"] = str(stream.length)
    name = f"photosite-{timezone.localdate():%Y-%m-%d}-{len(photo_ids)}.zip"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
async def download_size(request):
    """`{files, bytes}` of the ZIP the same `ids` would download, for the page to show first:
    asked in the query string, or posted like the download itself (thousands of ids do not fit
    in a URL)."""
    try:
        values = await posted_ids(request) if request.method == "POST" else request.GET.getlist("ids")
        photo_ids = selection(values)
        stream = await sync_to_async(archive_for)(photo_ids, await request.auser())
    except (BadSelectionError, JsonBodyError, PhotosNotFoundError) as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"files": len(stream.members), "bytes": stream.length})


def archive_for(photo_ids, user):
    """The logged-in download: every file as it is, its location kept."""
    return zip_of(with_moment_files(visible_photos(photo_ids, user), user), keep_location=True)


async def posted_ids(request) -> list:
    if request.content_type == "application/json":
        body = await sync_to_async(parse_json_body)(request)
        ids = body.get("ids") if isinstance(body, dict) else None
        if not isinstance(ids, list):
            raise BadSelectionError('a JSON body of the form {"ids": [1, 2, ...]}, please')
        return [str(value) for value in ids]
    return request.POST.getlist("ids")


def selection(values: list) -> list[int]:
    """The distinct photo ids in `values` (each an id, or ids separated by commas), in order."""
    texts = [text.strip() for value in values for text in str(value).split(",") if text.strip()]
    if not texts:
        raise BadSelectionError("no photos chosen: send their ids as `ids`")
    if not all(text.isascii() and text.isdigit() and len(text) <= ID_DIGITS and int(text) <= LARGEST_ID
               for text in texts):
        raise BadSelectionError("`ids` must be photo ids (whole numbers)")
    photo_ids = list(dict.fromkeys(int(text) for text in texts))
    if len(photo_ids) > MOST_PHOTOS:
        raise BadSelectionError(f"at most {MOST_PHOTOS} photos at once, please")
    return photo_ids
