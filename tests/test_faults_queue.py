"""Redis restarted under a running django-q2 cluster (a private, non-persistent `redis-server`
this test starts on its own port): imports never fail while the queue is gone, the running
cluster picks up new work once Redis is back, the lost work can be queued again, and every
thumbnail on disk is whole. (A worker killed mid-batch: tests/test_tasks_cluster.py.)"""
import shutil
import socket
import subprocess
import time
import uuid

import pytest
from PIL import Image

from fault_helpers import kill_9, make_distinct_jpegs
from live_site import LiveSite, free_port
from polling import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.timeout(90), pytest.mark.outside_database]

QUICK_QUEUE = {"PHOTOSITE_WORKERS": "1", "PHOTOSITE_PREGENERATE_BATCH_SIZE": "2",
               "PHOTOSITE_TASK_TIMEOUT": "5", "PHOTOSITE_TASK_RETRY": "6"}


class PrivateRedis:
    def __init__(self, port):
        self.port, self.process = port, None

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for(self.answers, timeout=10, what="redis-server to listen")
        return self

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self):
        kill_9(self.process)


@pytest.fixture
def redis_server():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(free_port()).start()
    yield server
    server.kill()


def thumbnails(root):
    folder = root / ".thumbnails"
    return sorted(folder.rglob("*.webp")) if folder.exists() else []  # what the workers make


def assert_whole_thumbnails(paths):
    for path in paths:
        assert not path.name.startswith(".tmp-"), f"half-written thumbnail left: {path}"
        with Image.open(path) as image:
            image.load()


def test_redis_restarted_under_a_running_cluster(redis_server, tmp_path):
    # given a site whose queue is the private Redis, a running cluster, and a first import done
    env = {**QUICK_QUEUE, "REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
           "PHOTOSITE_QUEUE_NAME": f"test-{uuid.uuid4().hex[:12]}"}
    root = tmp_path / "library"
    root.mkdir()
    site = LiveSite(root, extra_env=env)
    try:
        site.manage("migrate", "--noinput", "-v0")
        cluster = site.start_workers("cluster")
        first, lost, later = (make_distinct_jpegs(tmp_path / name, 4, start=index * 4, size=(320, 240))
                              for index, name in enumerate(("first", "lost", "later")))
        assert "0 failed" in site.manage("import", str(tmp_path / "first"), "--no-progress").stdout
        wait_for(lambda: len(thumbnails(root)) == len(first), timeout=30, what="the first thumbnails")
        # when Redis dies: an import still succeeds (only its head start on thumbnails is lost)
        redis_server.kill()
        during = site.manage("import", str(tmp_path / "lost"), "--no-progress", check=False)
        assert during.returncode == 0 and "4 imported" in during.stdout, during.stdout + during.stderr
        # and when Redis is back, the same running cluster takes new work
        time.sleep(1)
        redis_server.start()
        assert "0 failed" in site.manage("import", str(tmp_path / "later"), "--no-progress").stdout
        wait_for(lambda: len(thumbnails(root)) == len(first) + len(later), timeout=40,
                 what="the cluster to resume after the restart")
        assert cluster.poll() is None, "the cluster died with Redis"
        # and the work lost with the queue can be queued again
        site.manage("pregenerate", "--queue", "--no-progress")
        wait_for(lambda: len(thumbnails(root)) == len(first) + len(lost) + len(later), timeout=40,
                 what="the lost work, queued again")
        # then
        assert_whole_thumbnails(thumbnails(root))
        assert "could not queue thumbnails" in (root / ".logs" / "errors.log").read_text()
    finally:
        site.stop()
