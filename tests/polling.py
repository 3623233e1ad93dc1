"""Waiting for something another process does (a server answering, a worker's thumbnail, an
import's count): poll until it is true, and fail with what was awaited when it never is."""
import time

POLL_SECONDS = 0.02


def wait_for(predicate, timeout=20, what="condition"):
    """`predicate()`'s first truthy result, polled every POLL_SECONDS for up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
