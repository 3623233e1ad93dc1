"""The web process's threads for generation: making thumbnails (video frames included) and probing
files (ffprobe), work whose time grows with the file rather than with the answer.

Everything else an async view hands to a thread shares the event loop's default pool
(`sync_to_async(..., thread_sensitive=False)`, `asyncio.to_thread`; a few threads on a small
machine): reads of originals, the import event streams' reads and their login re-checks.
When thumbnails were made there, those waited for a thumbnail to finish: an original's download
took as long as the slowest thumbnail (docs/measured-choices.md). Generation therefore runs here, in a pool of its
own of PHOTOSITE_GENERATION_THREADS threads (the CPU count by default: more would only share the
same cores, and each holds a decoded picture in memory); what asks beyond that waits its turn
here, and the default pool stays free for the quick hops.

Database hops need no pool of their own: a thread-sensitive `sync_to_async` (Django's async ORM,
`request.auser()`, sync views and middleware) runs in a thread of its request's own, which
Django's ASGI handler opens for each request (asgiref's ThreadSensitiveContext)."""
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings

from photosite.connection_release import give_back_request_connections

GENERATION_POOL = ThreadPoolExecutor(max_workers=settings.PHOTOSITE_GENERATION_THREADS,
                                     thread_name_prefix="generation")


async def in_generation_pool(call, *args):
    """`call(*args)` in a generation thread, with the caller's context (as `sync_to_async`). The
    calling request gives its database connection back first (photosite.connection_release):
    the generation thread takes its own, and a request waiting here holds none meanwhile."""
    await give_back_request_connections()
    return await sync_to_async(call, thread_sensitive=False, executor=GENERATION_POOL)(*args)
