"""Hooks other apps plug into, so the library never imports them: the thumbnails app listens here
(thumbnails/signal_handlers.py), as Wagtail's renditions listen to its images' signals.

Each about a change is sent once the change is on disk and in the database, outside any transaction."""
from django.dispatch import Signal

# Sent once an import session has finished and its rows are committed; kwargs: session.
import_session_finished = Signal()

# A photo's file moved to `.trash/` (the gallery no longer shows it); kwargs: photo.
photo_trashed = Signal()
# A photo came back from the trash (admin action or re-import by staff); kwargs: photo.
photo_restored = Signal()
# A photo got a new date taken by hand (its file may have moved to another day); kwargs: photo.
photo_redated = Signal()

# A gallery page is being answered to a logged-in person, whose browser asks for its thumbnails
# next; kwargs: request, user.
gallery_page_served = Signal()

# Sent by `checklibrary` after the library's own checks; kwargs: report (a
# library.services.library_check.CheckReport) and stale_after (seconds). Receivers append
# findings about the files their app keeps, each with a `repair` callable for `--repair`.
library_checked = Signal()

# Sent by `librarystatus` between the media counts and the queue; receivers return a list of
# (label, value) lines about what their app keeps.
status_requested = Signal()

# Sent by `librarystatus` before it reads the counts kept by database triggers (library.tallies),
# after the library's own; kwargs: recount (True: rebuild them from the rows, else sum their changes).
tallies_requested = Signal()
