"""Photo rows without files and signed-in test clients, for tests of queries and rules that never
open a photo (albums, favourites): made in the test process's database."""
import hashlib
from datetime import UTC, datetime

from django.test import Client

from library.models import DateSource, MediaKind, Photo


def photo_row(day, name=None, **fields) -> Photo:
    """A photo taken at noon UTC on `day` May 2024, named `name` (IMG_<day>.jpg by default)."""
    name = name or f"IMG_{day}.jpg"
    return Photo.objects.create(
        sha256=hashlib.sha256(name.encode()).hexdigest(), kind=MediaKind.PHOTO, original_name=name,
        path=f"2024-05-{day:02d}/{name}", size=1, format="jpeg", mime_type="image/jpeg",
        taken_at=datetime(2024, 5, day, 12, tzinfo=UTC), taken_at_source=DateSource.EXIF, **fields)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
