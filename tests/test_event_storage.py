"""The import events' storage (library/events/storage.py) keeps django-eventstream's contract:
numbers per channel from 1, a starting point 0, what a reconnecting stream missed, and
`EventDoesNotExist` for a starting point that is gone."""
import importlib
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone
from django_eventstream.storage import EventDoesNotExist

from library.events.storage import TRIM_EVERY, ModelStorage
from library.models import EventChannel, StoredEvent

pytestmark = pytest.mark.django_db


def test_numbers_run_from_one_per_channel_and_replay_what_was_missed():
    storage = ModelStorage()
    for index in range(3):
        storage.append_event("import-1", "file", {"index": index})
    storage.append_event("import-2", "file", {"index": 9})

    assert storage.get_current_id("import-1") == 3
    assert storage.get_current_id("import-2") == 1
    assert storage.get_current_id("import-3") == 0
    assert [(event.id, event.data) for event in storage.get_events("import-1", 0)] == [
        (1, {"index": 0}), (2, {"index": 1}), (3, {"index": 2})]
    assert [event.id for event in storage.get_events("import-1", 1, limit=1)] == [2]
    assert storage.get_events("import-1", 3) == []


@pytest.mark.parametrize("after", [7, 2])
def test_a_starting_point_that_is_gone_is_told_with_the_current_number(after):
    storage = ModelStorage()
    for index in range(3):
        storage.append_event("import-1", "file", {"index": index})
    StoredEvent.objects.filter(channel="import-1", number=2).delete()  # trimmed

    with pytest.raises(EventDoesNotExist) as gone:
        storage.get_events("import-1", after)
    assert gone.value.current_id == 3


def test_events_older_than_a_day_are_trimmed_as_new_ones_come():
    storage = ModelStorage()
    storage.append_event("import-1", "file", {})
    StoredEvent.objects.update(created=timezone.now() - timedelta(days=2))
    for _ in range(TRIM_EVERY):
        storage.append_event("import-2", "file", {})

    assert not StoredEvent.objects.filter(channel="import-1").exists()
    assert StoredEvent.objects.filter(channel="import-2").count() == TRIM_EVERY + 1  # with its event 0


@pytest.mark.django_db(transaction=True)
def test_writers_at_once_get_dense_distinct_numbers():
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("in-memory SQLite is one connection per thread")
    errors, start = [], threading.Barrier(4)

    def append_five():
        try:
            start.wait()
            for _ in range(5):
                ModelStorage().append_event("import-1", "file", {})
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=append_five) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(StoredEvent.objects.filter(channel="import-1").values_list("number", flat=True))
    assert numbers == list(range(21))
    assert EventChannel.objects.get(name="import-1").last_event == 20


def test_the_upgrade_keeps_events_stored_in_django_eventstreams_tables():
    migration = importlib.import_module("library.migrations.0013_event_log")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE django_eventstream_eventcounter (id integer PRIMARY KEY, name varchar(255), "
                       "value bigint, updated timestamp)")
        cursor.execute("CREATE TABLE django_eventstream_event (id integer PRIMARY KEY, channel varchar(255), "
                       "type varchar(255), data text, eid bigint, created timestamp)")
        cursor.execute("INSERT INTO django_eventstream_eventcounter VALUES (1, 'import-4', 1, %s)", [timezone.now()])
        cursor.execute("INSERT INTO django_eventstream_event VALUES (1, 'import-4', '', '', 0, %s), "
                       "(2, 'import-4', 'file', '\"{}\"', 1, %s)", [timezone.now(), timezone.now()])
    migration.copy_old_events(None, SimpleNamespace(connection=connection))  # all it asks of a schema editor

    assert [event.id for event in ModelStorage().get_events("import-4", 0)] == [1]
    assert ModelStorage().get_current_id("import-4") == 1
