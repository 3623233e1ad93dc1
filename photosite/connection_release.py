"""A request gives its database connection back as soon as it stops needing one: before it
streams its answer (a video, an original, a zip), and before it waits for the generation pool.

Django closes a request's connection only when the request ends, which for a streamed answer is
when its last byte is sent: minutes for a video or a large download. Under ASGI the connection is
held all that time by the request's own thread, idle. In a web process whose connections are
pooled (settings.database_from_url) that would let a few long downloads take the whole pool, and
a thumbnail being made would hold one connection while its generation thread waits for another.
Given back, the connection serves other requests; a request that needs the database again later
simply takes one again (Django connects on first use)."""
from asgiref.sync import iscoroutinefunction, sync_to_async
from django.db import connections
from django.utils.decorators import sync_and_async_middleware


def give_back_connections():
    """Closes this thread's open connections (with a pool: returns them to it). One inside a
    transaction is left alone: its owner (a test's transaction, an atomic block) still needs it."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.in_atomic_block:
            connection.close()


async def give_back_request_connections():
    """From async code: the request's connections, which live in its thread-sensitive thread."""
    await sync_to_async(give_back_connections)()


@sync_and_async_middleware
def streamed_answers_hold_no_connection(get_response):
    if iscoroutinefunction(get_response):
        async def middleware(request):
            response = await get_response(request)
            if response.streaming:
                await give_back_request_connections()
            return response
    else:
        def middleware(request):
            response = get_response(request)
            if response.streaming:
                give_back_connections()
            return response
    return middleware
