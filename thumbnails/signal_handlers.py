"""The thumbnails app's answers to the library's signals (library/signals.py), connected in
`ThumbnailsConfig.ready()` as Wagtail's images app connects its own: the library announces what
happened to a photo, and only this app knows what that means for its thumbnails.

Each receiver is named by its dotted path and imported when its signal first comes: `ready()`
runs in every command as it starts, and the modules that do the work (the cache, the task
queue, the generators behind them) are a large part of a command's start-up that `librarystatus`
or `import` never use.

A restored or re-dated photo needs nothing: thumbnail names come from the photo's bytes and the
spec, never from its path or date, and a restored photo's thumbnails are made again on demand."""
from importlib import import_module

from django_q.signals import post_spawn

from library.models import Photo
from library.signals import (
    gallery_page_served,
    import_session_finished,
    library_checked,
    photo_trashed,
    status_requested,
    tallies_requested,
)

RECEIVERS = (
    (import_session_finished, "thumbnails.tasks.queue_session"),
    (photo_trashed, "thumbnails.signal_handlers.delete_thumbnails"),
    (gallery_page_served, "thumbnails.responses.offer_session"),
    (library_checked, "thumbnails.library_check.check_stored_thumbnails"),
    (library_checked, "thumbnails.rendition_tally.check"),
    (status_requested, "thumbnails.status.status_lines"),
    (tallies_requested, "thumbnails.rendition_tally.settle"),
    # django-q2's, in each new worker process
    (post_spawn, "thumbnails.tasks.lower_worker_priority"),
)


def delete_thumbnails(sender, photo: Photo, **kwargs):
    """A trashed photo is out of the gallery: its thumbnails go (files and rows)."""
    from . import store

    store.delete_all(photo)


def imported_when_called(dotted_path):
    """A receiver that imports the function `dotted_path` names on its first call and passes the
    signal on to it (and its answer back: `status_requested` collects them)."""
    module_name, _, function_name = dotted_path.rpartition(".")

    def receive(sender, **kwargs):
        return getattr(import_module(module_name), function_name)(sender, **kwargs)

    return receive


def register_signal_handlers():
    for signal, dotted_path in RECEIVERS:
        # weak=False: the receiver made here has no other reference to keep it alive
        signal.connect(imported_when_called(dotted_path), weak=False, dispatch_uid=dotted_path)
