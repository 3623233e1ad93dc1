"""A process-wide memory budget for decoded pictures, so that many thumbnails made at once queue
for memory instead of each taking its own.

Most formats (PNG, TIFF, GIF, WebP, HEIC, JPEG XL) are decoded at full size whatever thumbnail is
asked: 100 megapixels of 16-bit grey are 200 MB, of RGBA or RGB 400 MB (Pillow keeps every
multi-band picture at four bytes a pixel), and the pixel limit (500 MP) allows five times that.
The generators shrink a picture right after its decode, before any other copy, so what a
thumbnail needs is its one decode; this budget bounds how many decodes are in memory at once.
Each decode reserves its decoded size before it starts and holds it until the full-size picture
is closed. Reservations are served first come, first served (a large one is never overtaken by
a stream of small ones); one larger than the whole budget waits until nothing else is decoded,
then runs alone.

A JPEG decoded at a DCT-scaled size (the fast path: an eighth of each side) reserves that
little, so it waits only while the budget is full.

After a large decode the C heap's free pages go back to the system: the decode ran in a worker
thread, whose malloc arena would otherwise keep hundreds of megabytes for reuse
(docs/measured-choices.md)."""
import threading
from collections import deque
from contextlib import contextmanager

from photosite.memory import return_freed_memory

# What all decodes at once may hold; 100 MP of RGBA (400 MB) still fits, with one other picture
# of a few megabytes: two such pictures queue, one after the other.
BUDGET_BYTES = 400 * 2**20
# Decodes at least this large give their memory back to the system when they end.
TRIM_AFTER_BYTES = 64 * 2**20
# Bytes a pixel Pillow keeps for a decoded picture: one for bilevel, grey and palette, two for
# 16-bit grey, four for everything else (a multi-band picture is stored four bytes a pixel).
BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}


def decoded_size(mode: str, size: tuple[int, int]) -> int:
    """Bytes Pillow holds for a picture of this mode and size once it is decoded."""
    return size[0] * size[1] * BYTES_PER_PIXEL.get(mode, 4)


class DecodeBudget:
    """A weighted semaphore, first come first served, over bytes of decoded pictures."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.in_use = 0
        self.waiting: deque[object] = deque()
        self.changed = threading.Condition()

    def acquire(self, size: int) -> int:
        """Blocks until `size` bytes (at most the whole budget) fit; returns what was taken."""
        size = min(size, self.capacity)
        ticket = object()
        with self.changed:
            self.waiting.append(ticket)
            self.changed.wait_for(lambda: self.waiting[0] is ticket and self.in_use + size <= self.capacity)
            self.waiting.popleft()
            self.in_use += size
            self.changed.notify_all()  # the next in line may fit too
        return size

    def release(self, size: int):
        with self.changed:
            self.in_use -= size
            self.changed.notify_all()
        if size >= TRIM_AFTER_BYTES:
            return_freed_memory()


class Reservation:
    """One thumbnail's share of the budget: taken once, by whichever step decodes the picture
    (the JPEG XL and raw openers decode as they open; Pillow's formats decode on load), and
    given back when the thumbnail's `with` block ends, after the full-size picture is closed."""

    def __init__(self, budget: DecodeBudget):
        self.budget = budget
        self.taken: int | None = None

    def take(self, size: int):
        """Waits until `size` bytes may be decoded. Taken once: a picture that was decoded by its
        opener is not counted again when it is shrunk (and nobody waits while holding a share)."""
        if self.taken is None:
            self.taken = self.budget.acquire(size)


DECODES = DecodeBudget(BUDGET_BYTES)


@contextmanager
def reservation(budget: DecodeBudget = DECODES):
    """A Reservation on the process's budget, given back when the block ends."""
    held = Reservation(budget)
    try:
        yield held
    finally:
        if held.taken is not None:
            held.budget.release(held.taken)
