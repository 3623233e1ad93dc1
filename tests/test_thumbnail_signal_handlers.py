"""The thumbnails app answers the library's signals (thumbnails/signal_handlers.py): the library
says what happened to a photo, and only this app decides what that means for its thumbnails."""
from datetime import UTC, datetime
from functools import partial

import pytest

from library.curation.redating import redate
from library.curation.trash import move_to_trash, restore_from_trash
from library.signals import photo_redated, photo_restored, photo_trashed
from thumbnails import store, thumbnail_renditions
from thumbnails.models import Rendition
from thumbnails.specs import ThumbnailSpec

import factories
from test_thumbnail_support import import_file

pytestmark = pytest.mark.django_db

TILE = ThumbnailSpec.for_size("400", "jpeg")
SIGNALS = {"trashed": photo_trashed, "restored": photo_restored, "redated": photo_redated}


@pytest.fixture
def photo(library_root, media_dir):
    photo = import_file(factories.make_jpeg(media_dir / "a.jpg", 1200, 900))
    thumbnail_renditions.ensure(photo, TILE)
    return photo


@pytest.fixture
def sent():
    """The library's photo signals sent during the test, as (name, photo id)."""
    heard = []
    receivers = {name: partial(hear, heard, name) for name in SIGNALS}
    for name, signal in SIGNALS.items():
        signal.connect(receivers[name], weak=False)
    yield heard
    for name, signal in SIGNALS.items():
        signal.disconnect(receivers[name])


def hear(heard, name, sender, photo, **kwargs):
    heard.append((name, photo.pk))


def test_trashing_a_photo_removes_its_thumbnails(photo, sent, library_root):
    # when
    move_to_trash(photo)
    # then
    assert sent == [("trashed", photo.pk)]
    assert not store.Entry(photo, TILE).exists()
    assert not Rendition.objects.filter(photo=photo).exists()
    assert not any(path.is_file() for path in (library_root / ".thumbnails").rglob("*"))


def test_restoring_and_redating_announce_it_and_keep_content_named_thumbnails(photo, sent):
    # given
    move_to_trash(photo)
    thumbnail_renditions.ensure(photo, TILE)  # e.g. staff looked at it in the trash
    # when
    restore_from_trash(photo)
    redate(photo, datetime(2019, 6, 15, 12, 30, tzinfo=UTC))
    # then: names come from the bytes and the spec, not the path or the date
    assert sent == [("trashed", photo.pk), ("restored", photo.pk), ("redated", photo.pk)]
    assert store.Entry(photo, TILE).exists()
