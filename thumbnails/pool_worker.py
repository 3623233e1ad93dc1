"""The start of a process in `pregenerate`'s pool, kept apart from the models: a spawned process
unpickles its initializer before Django is set up, so this module imports no app code.

Ctrl-C at the terminal reaches every process of its group, but only the parent decides what it
means (through the shared `stop` event): the file a process is making is finished, not cut off."""
import signal
from multiprocessing.synchronize import Event

import django

stop: Event | None = None


def start(shared_stop: Event):
    global stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = shared_stop
    django.setup()


def stop_requested() -> bool:
    return stop is not None and stop.is_set()
