"""The thumbnails' storage (thumbnails.storage) and the cache over any Storage: atomic,
no-overwrite writes on disk; a non-local storage used through the Storage API alone; a miss
served from the bytes just made."""
import os
import stat

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import storages

from thumbnails import names, status, store, thumbnail_renditions
from thumbnails.links import thumbnail_url
from thumbnails.models import Rendition, RenditionState
from thumbnails.specs import ThumbnailSpec
from thumbnails.storage import AtomicFileSystemStorage, is_unfinished_write, local_path

import factories
from test_thumbnail_support import import_file, picture

TILE = ThumbnailSpec.for_size("400", "jpeg")
IN_MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


@pytest.fixture
def storage(tmp_path):
    return AtomicFileSystemStorage(location=tmp_path / "thumbnails")


@pytest.fixture
def photo(library_root, media_dir, db):
    return import_file(factories.make_jpeg(media_dir / "a.jpg", 1200, 900))


def files_in(folder):
    return sorted(path.name for path in folder.iterdir())


class FailingContent(File):
    """Content whose read fails half-way, as a full disk or an interrupt would."""

    def __init__(self):
        super().__init__(None, name="broken")

    def chunks(self, chunk_size=None):
        yield b"half a thumbnail"
        raise OSError("No space left on device")


def test_a_save_returns_its_name_and_leaves_one_whole_file(storage):
    # when
    name = storage.save("ab/cd/x.jpg", ContentFile(b"thumbnail bytes"))
    # then: no temp file left beside it, readable by the web server's other users
    folder = storage.path("ab/cd")
    assert name == "ab/cd/x.jpg"
    assert storage.open(name).read() == b"thumbnail bytes"
    assert os.listdir(folder) == ["x.jpg"]
    assert stat.S_IMODE(os.stat(storage.path(name)).st_mode) == 0o644


def test_a_save_never_overwrites_and_returns_the_name_it_used(storage):
    # given
    first = storage.save("ab/x.jpg", ContentFile(b"first"))
    # when
    second = storage.save("ab/x.jpg", ContentFile(b"second"))
    # then
    assert second != first and second.startswith("ab/x_") and second.endswith(".jpg")
    assert storage.open(first).read() == b"first" and storage.open(second).read() == b"second"


def test_a_name_taken_during_the_write_is_not_overwritten(storage, monkeypatch):
    # given: a name that was free when Storage.save() chose it, and taken before the link
    storage.save("x.jpg", ContentFile(b"the other writer's"))
    real = AtomicFileSystemStorage.get_available_name
    calls = []

    def stale_then_real(self, name, max_length=None):
        calls.append(name)
        return name if len(calls) == 1 else real(self, name, max_length)

    monkeypatch.setattr(AtomicFileSystemStorage, "get_available_name", stale_then_real)
    # when
    name = storage.save("x.jpg", ContentFile(b"mine"))
    # then
    assert name != "x.jpg" and storage.open(name).read() == b"mine"
    assert storage.open("x.jpg").read() == b"the other writer's"
    assert not any(is_unfinished_write(entry) for entry in os.listdir(storage.location))


def test_a_failed_write_leaves_nothing_under_the_name_nor_a_temp_file(storage):
    with pytest.raises(OSError, match="No space"):
        storage.save("ab/x.jpg", FailingContent())
    assert not storage.exists("ab/x.jpg")
    assert os.listdir(storage.path("ab")) == []


def test_only_a_local_storage_gives_a_path(storage):
    assert local_path(storage, "x.jpg") == os.path.join(storage.location, "x.jpg")
    assert local_path(storages.create_storage(IN_MEMORY), "x.jpg") is None


@pytest.mark.django_db
def test_a_storage_off_the_disk_works_through_the_storage_api_alone(photo, settings):
    # given thumbnails kept in memory (standing in for an object store)
    settings.STORAGES = {**settings.STORAGES, "thumbnails": IN_MEMORY}
    # when: made, asked again, read, deleted
    made = thumbnail_renditions.ensure(photo, TILE)
    again = thumbnail_renditions.ensure(photo, TILE)
    # then
    assert not store.stored_on_this_machine() and store.Entry(photo, TILE).local_path() is None
    assert again.made is None and again.read() == made.made == store.Entry(photo, TILE).read()
    assert store.Entry(photo, TILE).exists() and picture(made.made).size == (533, 400)
    row = Rendition.objects.get(photo=photo)
    assert (row.state, row.generations, row.bytes) == (RenditionState.READY, 1, len(made.made))
    thumbnail_renditions.ensure(photo, TILE, force=True)
    assert Rendition.objects.get(photo=photo).generations == 2
    assert storages["thumbnails"].listdir(made.name.rsplit("/", 1)[0])[1] == [made.name.rsplit("/", 1)[1]]
    store.delete_all(photo)
    assert not store.Entry(photo, TILE).exists() and not Rendition.objects.exists()


@pytest.mark.django_db
def test_a_file_its_row_does_not_record_is_recorded_not_remade(photo, settings):
    # given a thumbnail in the storage whose row was never written (its maker killed)
    settings.STORAGES = {**settings.STORAGES, "thumbnails": IN_MEMORY}
    data = thumbnail_renditions.generate(photo, TILE)
    storages["thumbnails"].save(names.storage_name(photo.sha256, TILE), ContentFile(data))
    # when
    found = thumbnail_renditions.ensure(photo, TILE)
    # then
    assert found.made is None and found.read() == data
    row = Rendition.objects.get(photo=photo)
    assert (row.state, row.generations, row.bytes, row.claimed_until) == (RenditionState.READY, 1, len(data), None)


@pytest.mark.django_db(transaction=True)
def test_a_miss_serves_the_bytes_just_made_without_reading_them_back(photo, client, django_user_model, monkeypatch):
    # given a storage that cannot be read from
    def unreadable(self, name, mode="rb"):
        raise AssertionError(f"{name} was read back")

    monkeypatch.setattr(AtomicFileSystemStorage, "_open", unreadable)
    client.force_login(django_user_model.objects.create_user("viewer", password="pw"))
    # when: the cache and the view miss
    made = thumbnail_renditions.ensure(photo, ThumbnailSpec.for_size("800", "jpeg"))
    response = client.get(thumbnail_url(photo), headers={"Accept": "image/jpeg"})
    # then: what was served is what was stored
    assert made.read() == made.made
    assert response.status_code == 200 and "X-Thumbnail-Placeholder" not in response
    assert response["ETag"] == names.etag(photo, TILE)
    stored = storages["thumbnails"].path(names.storage_name(photo.sha256, TILE))
    with open(stored, "rb") as file:
        assert response.content == file.read()


@pytest.mark.django_db(transaction=True)
def test_the_view_records_a_file_it_finds_that_its_row_does_not(photo, client, django_user_model):
    # given a thumbnail on disk whose row was never written (its maker killed)
    data = thumbnail_renditions.generate(photo, TILE)
    storages["thumbnails"].save(names.storage_name(photo.sha256, TILE), ContentFile(data))
    client.force_login(django_user_model.objects.create_user("viewer", password="pw"))
    # when
    response = client.get(thumbnail_url(photo), headers={"Accept": "image/jpeg"})
    # then: served as it is, and recorded as the one generation it was
    assert response.content == data
    row = Rendition.objects.get(photo=photo)
    assert (row.state, row.generations) == (RenditionState.READY, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["thumbnails.storage.AtomicFileSystemStorage", IN_MEMORY["BACKEND"]])
def test_the_cache_measures_its_size_from_its_rows_on_any_storage(photo, settings, library_root, backend):
    # given
    options = {"location": str(library_root / ".thumbnails")} if "Atomic" in backend else {}
    settings.STORAGES = {**settings.STORAGES, "thumbnails": {"BACKEND": backend, "OPTIONS": options}}
    made = thumbnail_renditions.ensure(photo, TILE).made
    # when / then: (files, bytes, files of unknown size)
    assert status.stored_size() == (1, len(made), 0)
    Rendition.objects.update(bytes=None)  # a row that never said its size
    assert status.stored_size() == (1, 0, 1)


@pytest.mark.parametrize(("name", "sha256", "current", "unfinished"), [
    (names.storage_name("a" * 64, TILE), "a" * 64, True, False),
    (names.storage_name("a" * 64, ThumbnailSpec(400, "jpeg", 0)), "a" * 64, False, False),
    ("aa/aa/.tmp-k2j4h5", None, False, True),
    ("aa/aa/notes.txt", None, False, False),
])
def test_what_a_name_in_the_storage_is(name, sha256, current, unfinished):
    # the naming rule checklibrary asks instead of copying it
    assert names.photo_sha256_of(name) == sha256
    assert names.is_current_name(name) is current
    assert is_unfinished_write(name) is unfinished
