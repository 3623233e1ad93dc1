"""The queue under the background tasks: our acknowledging Redis broker on the real Redis, and an
import that goes on when the broker is unreachable."""
import uuid

import pytest
from django_q.conf import Conf

from photosite.redis_broker import AcknowledgingRedis

import factories
from live_site import LiveSite

pytestmark = pytest.mark.outside_database


@pytest.fixture
def broker(redis_url, monkeypatch):
    monkeypatch.setattr(Conf, "REDIS", redis_url)
    monkeypatch.setattr(Conf, "POLL", 0.01)
    broker = AcknowledgingRedis(list_key=f"test-{uuid.uuid4().hex[:12]}")
    yield broker
    broker.delete_queue()


@pytest.mark.redis
def test_a_task_stays_in_flight_until_acknowledged(broker, monkeypatch):
    # given
    monkeypatch.setattr(Conf, "RETRY", 60)
    broker.enqueue("first")
    broker.enqueue("second")
    # when
    [(ack_id, payload)] = broker.dequeue()
    # then
    assert payload == b"first" and (broker.queue_size(), broker.lock_size()) == (1, 1)
    broker.acknowledge(ack_id)
    assert (broker.queue_size(), broker.lock_size()) == (1, 0)


@pytest.mark.redis
def test_a_task_never_acknowledged_is_handed_out_again_after_retry(broker, monkeypatch):
    # given: a worker took the task, then died (it never acknowledges)
    monkeypatch.setattr(Conf, "RETRY", -1)  # its deadline is already past
    broker.enqueue("payload")
    broker.dequeue()
    # when
    again = broker.dequeue()
    # then
    assert again == [(b"payload", b"payload")]
    assert (broker.queue_size(), broker.lock_size()) == (0, 1)


@pytest.mark.redis
def test_an_empty_queue_gives_nothing(broker):
    assert broker.dequeue() is None


@pytest.mark.slow
def test_an_unreachable_broker_costs_the_head_start_not_the_import(tmp_path):
    # given: REDIS_URL points at a port where nothing listens
    site = LiveSite(tmp_path / "library", extra_env={"REDIS_URL": "redis://127.0.0.1:1/0"})
    site.root.mkdir()
    site.manage("migrate", "--noinput", "-v0")
    source = factories.make_jpeg(tmp_path / "a.jpg", 64, 48)
    # when
    result = site.manage("import", str(source), "--no-progress")
    # then
    assert "1 imported, 0 duplicate, 0 failed" in result.stdout
    line = "Background: could not queue thumbnails for import session 1"
    assert line in (site.root / ".logs" / "photosite.log").read_text()
    assert line in (site.root / ".logs" / "errors.log").read_text()
