"""Background pre-generation with real `qcluster` processes: on SQLite with django-q2's ORM broker,
and on PostgreSQL with Redis (our acknowledging broker). Imports run through the real
`manage.py import`, whose finish queues the work; the tests watch the thumbnail folder."""
import json
import signal
import uuid

import pytest
from PIL import Image

import factories
from live_site import LiveSite, kill_group, postgres_database_for_test
from polling import wait_for

# Each variant brings its own database (SQLite, or one made beside PHOTOSITE_TEST_POSTGRES_URL) and queue, not
# the run's: CI runs them once, in its SQLite pass.
pytestmark = [pytest.mark.slow, pytest.mark.outside_database]

# One worker per cluster, two photos per task, and a short timeout/retry so that a killed
# cluster's tasks come back within seconds rather than the production quarter of an hour.
QUICK_QUEUE = {"PHOTOSITE_WORKERS": "1", "PHOTOSITE_PREGENERATE_BATCH_SIZE": "2",
               "PHOTOSITE_TASK_TIMEOUT": "5", "PHOTOSITE_TASK_RETRY": "6"}

STATE_SCRIPT = """
import json
from django_q.brokers import get_broker
from django_q.models import Failure
from thumbnails.models import Rendition
broker = get_broker()
print(json.dumps({
    "rows": {t.photo.original_name: [t.state, t.generations, t.attempts] for t in Rendition.objects.select_related("photo")},
    "failures": Failure.objects.count(), "waiting": broker.queue_size(), "in_progress": broker.lock_size(),
}))
"""


@pytest.fixture(params=["sqlite-orm", pytest.param("postgres-redis", marks=[pytest.mark.postgres, pytest.mark.redis])])
def site(request, tmp_path):
    """A migrated site (no web server needed) with its own queue name, so tests never share tasks."""
    env = {**QUICK_QUEUE, "PHOTOSITE_QUEUE_NAME": f"test-{uuid.uuid4().hex[:12]}"}
    database_url = drop = None
    if request.param == "postgres-redis":
        database_url, drop = postgres_database_for_test(request.getfixturevalue("postgres_url"))
        env["REDIS_URL"] = request.getfixturevalue("redis_url")
    site = LiveSite(tmp_path / "library", database_url, extra_env=env)
    try:
        yield site.prepare()
    finally:
        site.stop()
        if drop:
            drop()
        if "REDIS_URL" in env:
            import redis

            queue = f"django_q:{env['PHOTOSITE_QUEUE_NAME']}:q"
            redis.Redis.from_url(env["REDIS_URL"]).delete(queue, f"{queue}:in_flight")


def finished_thumbnails(site):
    """Thumbnails under their final names (a `.tmp-` file is a write in progress, never served)."""
    folder = site.root / ".thumbnails"
    return [path for path in folder.rglob("*.webp") if not path.name.startswith(".")] if folder.exists() else []


def assert_complete_webp(path):
    with Image.open(path) as image:
        image.load()  # raises on a truncated file
        assert image.format == "WEBP" and image.height <= 400


def site_state(site):
    return json.loads(site.manage("shell", "-c", STATE_SCRIPT).stdout.strip().splitlines()[-1])


def idle_state(site):
    state = site_state(site)
    return state if state["waiting"] == state["in_progress"] == 0 else None


def import_folder(site, folder):
    result = site.manage("import", str(folder), "--no-progress")
    assert "0 failed" in result.stdout, result.stdout + result.stderr


def test_a_killed_cluster_loses_no_work_and_leaves_nothing_half_written(site, tmp_path):
    # given: six short videos, queued by their import two per task
    source = tmp_path / "source"
    source.mkdir()
    for number in range(6):
        factories.make_video(source / f"clip{number}.mp4", seconds=1, width=160, height=120,
                             creation_time=f"2024-01-0{number + 1}T10:00:00Z")
    import_folder(site, source)
    # when: the whole cluster is killed as soon as its first thumbnail lands, mid-task
    first = site.start_workers("first")
    wait_for(lambda: finished_thumbnails(site), 30, "a first thumbnail")
    kill_group(first, signal.SIGKILL)
    # then: what was written is whole, and work is left over
    made = finished_thumbnails(site)
    assert 1 <= len(made) < 6
    for path in made:
        assert_complete_webp(path)
    # when: a new cluster starts. The dead worker's claim on the rendition it was making is a
    # 90-second lease; the test lets it lapse now instead of waiting for it.
    site.manage("shell", "-c", "from thumbnails.models import Rendition; Rendition.objects.update(claimed_until=None)")
    site.start_workers("second")
    # then: the killed task was handed out again and finished; nothing was made twice
    wait_for(lambda: len(finished_thumbnails(site)) == 6, 40, "all six thumbnails")
    for path in finished_thumbnails(site):
        assert_complete_webp(path)
    state = wait_for(lambda: idle_state(site), 30, "an empty queue")
    assert [generations for _, generations, _ in state["rows"].values()] == [1] * 6
    assert state["failures"] == 0


def test_two_clusters_make_each_thumbnail_once_and_a_broken_video_does_not_stop_them(site, tmp_path):
    # given: photos and videos whose import queued them; one video breaks after its import
    source = tmp_path / "source"
    source.mkdir()
    for day in range(1, 7):
        factories.make_jpeg(source / f"photo{day}.jpg", 320, 240, taken=factories.a_date(day=day))
    factories.make_video(source / "good.mp4", seconds=0.5, width=160, height=120)
    factories.make_video(source / "broken.mp4", seconds=0.5, width=160, height=120, fps=24)
    import_folder(site, source)
    broken_path = site.manage("shell", "-c", "from library.models import Photo; "
                              "print(Photo.objects.get(original_name='broken.mp4').path)").stdout.split()[-1]
    (site.root / broken_path).write_text("no longer a video\n")
    # and the same work queued a second time, so the two clusters compete for every thumbnail
    site.manage("pregenerate", "--queue")
    # when
    site.start_workers("one")
    site.start_workers("two")
    # then
    wait_for(lambda: len(finished_thumbnails(site)) == 7, 40, "seven thumbnails")
    state = wait_for(lambda: idle_state(site), 30, "an empty queue")
    rows = state["rows"]
    assert rows.pop("broken.mp4") == ["failed", 0, 1], "tried once; the second cluster respects the back-off"
    assert sorted(rows) == ["good.mp4", *(f"photo{day}.jpg" for day in range(1, 7))]
    assert {tuple(row) for row in rows.values()} == {("ready", 1, 0)}, "each thumbnail made exactly once"
    assert state["failures"] == 0, "no batch failed as a whole"
    logs = site.root / ".logs"
    assert "Background: no h400-webp-v1 thumbnail for photo" in (logs / "photosite.log").read_text()
    assert "(broken.mp4)" in (logs / "errors.log").read_text()
