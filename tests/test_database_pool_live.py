"""The web process's PostgreSQL connections are pooled (settings.database_from_url), on the live
server: a request takes a connection the process already holds instead of opening one, and a
small pool is never deadlocked by thumbnails being made, whose requests give their connection
back before they wait for a generation thread (photosite.connection_release).

PostgreSQL only: SQLite has no pool, and a connection to it is a file opened in-process."""
import re
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

import factories
from live_site import running_site

# Its sites are on databases of their own beside the machine's PostgreSQL, whichever the run's: the
# SQLite pass of .ci/run runs it, once.
pytestmark = [pytest.mark.slow, pytest.mark.outside_database]

THUMBNAIL_ADDRESS = re.compile(r"/api/photo/\d+/thumbnail\?v=[^\"&\s]+")


def site_backends(postgres_url: str, database: str) -> dict[int, float]:
    """The server processes connected to the site's database now: pid → when it connected."""
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid, EXTRACT(EPOCH FROM backend_start) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()", [database]).fetchall()
    return {pid: float(started) for pid, started in rows}


def test_the_web_process_serves_requests_on_connections_it_keeps(tmp_path, postgres_url):
    # given a live site on its own PostgreSQL database, a photo in it, and its pages asked once
    (tmp_path / "media").mkdir()
    photo = factories.make_jpeg(tmp_path / "media" / "one.jpg", taken="2024:05:01 10:00:00")
    with running_site(tmp_path / "library", postgres_url, imports=[photo.parent]) as site:
        client = site.client()
        assert client.get("/").status_code == 200
        database = site.env["DATABASE_URL"].rsplit("/", 1)[1]
        before = site_backends(postgres_url, database)
        started = time.time()

        # when twenty more requests are answered, one after the other
        for _ in range(10):
            assert client.get("/").status_code == 200
            assert client.get("/api/timeline/summary").status_code == 200
        after = site_backends(postgres_url, database)

    # then the connections that answered them were open before they began: none was opened for them
    assert before, "the web process keeps no connection between requests"
    assert after and all(connected < started for connected in after.values()), (before, after, started)


def test_a_pool_of_two_connections_serves_many_thumbnails_being_made_at_once(tmp_path, postgres_url):
    # given a live site whose web process pools two connections, with twelve photos, none thumbnailed
    media = tmp_path / "media"
    media.mkdir()
    for number in range(12):
        factories.make_jpeg(media / f"photo-{number}.jpg", 1600, 1200, taken=f"2024:05:{number + 1:02d} 10:00:00")
    with running_site(tmp_path / "library", postgres_url, imports=[media],
                      extra_env={"PHOTOSITE_DATABASE_POOL_SIZE": "2", "PHOTOSITE_GENERATION_THREADS": "2"}) as site:
        client = site.client()
        addresses = sorted(set(THUMBNAIL_ADDRESS.findall(client.get("/").text)))
        assert len(addresses) == 12

        # when all twelve are asked at once, as a browser's connections ask
        with ThreadPoolExecutor(len(addresses)) as pool:
            answers = list(pool.map(lambda address: client.get(address, timeout=60), addresses))

    # then each is made and served (a request waiting for a generation thread holds no connection
    # that thread needs; else the pool runs dry and the thumbnails fail after its 30 s timeout)
    assert [answer.status_code for answer in answers] == [200] * 12
    assert not any(answer.headers.get("X-Thumbnail-Placeholder") for answer in answers)
