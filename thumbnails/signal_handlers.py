"""The thumbnails app's answers to the library's signals (library/signals.py), connected in
`ThumbnailsConfig.ready()` as Wagtail's images app connects its own: the library announces what
happened to a photo, and only this app knows what that means for its thumbnails.

A restored or re-dated photo needs nothing: thumbnail names come from the photo's bytes and the
spec, never from its path or date, and a restored photo's thumbnails are made again on demand."""
from library.models import Photo
from library.signals import import_session_finished, library_checked, photo_trashed, status_requested

from . import store
from .library_check import check_stored_thumbnails
from .status import status_lines
from .tasks import queue_session


def delete_thumbnails(sender, photo: Photo, **kwargs):
    """A trashed photo is out of the gallery: its thumbnails go (files and rows)."""
    store.delete_all(photo)


def register_signal_handlers():
    import_session_finished.connect(queue_session, dispatch_uid="thumbnails.queue_session")
    photo_trashed.connect(delete_thumbnails, dispatch_uid="thumbnails.delete_thumbnails")
    library_checked.connect(check_stored_thumbnails, dispatch_uid="thumbnails.check_stored_thumbnails")
    status_requested.connect(status_lines, dispatch_uid="thumbnails.status_lines")
