"""Hooks other apps plug into, so the library never imports them (thumbnails listen here)."""
from django.dispatch import Signal

# Sent once an import session has finished and its rows are committed; kwargs: session.
import_session_finished = Signal()
