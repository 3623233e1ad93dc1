"""How many video rendition encodes this process runs at once: PHOTOSITE_VIDEO_JOBS (1 by
default). x264 already uses every core for one video; a second encode at the same time only
makes both slower, and a dozen first plays would otherwise start a dozen ffmpegs.

The web process takes a slot without waiting (`try_take`): a player that finds none waits in
its request, holding no thread, and asks again (thumbnails.video_views). The workers and
`pregenerate` wait for one (`held`). A slot is taken before the rendition's claim, so a claim
always means an encode is running, never one queued behind another."""
import threading
from contextlib import contextmanager
from functools import cache

from django.conf import settings


class EncodeSlots:
    """A counting semaphore under a name that says what it counts."""

    def __init__(self, size: int):
        self.size = size
        self._free = threading.BoundedSemaphore(size)

    def try_take(self) -> bool:
        return self._free.acquire(blocking=False)

    def release(self):
        self._free.release()

    @contextmanager
    def held(self):
        self._free.acquire()
        try:
            yield
        finally:
            self._free.release()


@cache
def encode_slots() -> EncodeSlots:
    """This process's slots (made on first use, after settings are read)."""
    return EncodeSlots(settings.PHOTOSITE_VIDEO_JOBS)
