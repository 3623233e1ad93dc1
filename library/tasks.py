"""The library's own background task for the workers (django-q2): resumable uploads left
untouched for a day are removed, bytes and record. Scheduled hourly by migration 0003."""
from library.services import resumable_uploads


def remove_stale_uploads() -> int:
    return resumable_uploads.remove_stale()
