"""Answering a request for a file kept in an object store (an original, a video rendition), after
the view has checked that the person may see it: a redirect to a short-lived presigned link
(`PHOTOSITE_S3_REDIRECT`, the default), so the bytes go from the store to the browser straight,
or the object streamed through this process with Range support (photosite.ranged_responses) for
a store browsers cannot reach."""
import logging
from functools import partial

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from photosite.ranged_responses import Window, in_thread, ranged_response
from photosite.storage_url import LINK_SECONDS

# A browser may keep the redirect (and so fetch the same link, whose bytes it may have cached)
# while the link is still good for a while.
REDIRECT_CACHING = f"private, max-age={LINK_SECONDS // 2}"
RETRY_AFTER_SECONDS = 10

logger = logging.getLogger("photosite.serving")


async def object_response(request, storage, name: str, etag: str, content_type: str, caching: str,
                          download_name: str | None = None):
    """The object `name` of `storage`: a 302 to it, or its bytes (FileNotFoundError when it is not there)."""
    if settings.PHOTOSITE_S3_REDIRECT:
        # The store answers the link with the caching the site would give (immutable for a
        # content-addressed link), so the browser keeps the bytes as it would have ours.
        parameters = {"ResponseContentType": content_type, "ResponseCacheControl": caching}
        if download_name:
            parameters["ResponseContentDisposition"] = content_disposition_header(True, download_name)
        response = HttpResponseRedirect(storage.url(name, parameters=parameters))
        response["Cache-Control"] = REDIRECT_CACHING
        return response
    try:
        size = await in_thread(storage.size, name)
    except (BotoCoreError, ClientError) as error:
        logger.error("The object store did not answer for %s: %s", name, error)
        return HttpResponse("the object store cannot be reached; try again", status=503, content_type="text/plain",
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"})
    response = ranged_response(request, Window(partial(storage.reader, name), size), etag, content_type)
    response["Cache-Control"] = caching
    if download_name:
        response["Content-Disposition"] = content_disposition_header(True, download_name)
    return response
