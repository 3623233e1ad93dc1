"""Memory the process no longer uses, handed back to the system: asked by the event streams when
the last one closes and by the thumbnail decoder after a large decode."""
import ctypes
import ctypes.util


def return_freed_memory():
    """Gives the C heap's free pages back to the system.

    glibc keeps what a thread freed in that thread's malloc arena for reuse, so a burst of work
    spread over threads (the event streams' requests, large decodes in worker threads) stays
    resident long after it ended unless it is trimmed."""
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None  # glibc only
    if trim is not None:
        trim(0)
