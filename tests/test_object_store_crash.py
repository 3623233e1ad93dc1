"""kill -9 of an import while its file is going up to the object store: the store is reached
through a proxy that forwards at a few MB/s, so a big file's multipart upload is seen to start
(the store lists it) and the kill lands between its first part and its completion. Whatever the
kill left (an upload never completed, the import's temporary copy on this machine) is no object
without a row: `checklibrary --repair` finds it and cleans it up, and the library then checks
clean. A browser's file, received whole, is kept under its staged name, so the repair imports it
(the browser's request died with the server); the command line's copy is removed, its source is
still on the card and the import run again brings it in."""
import hashlib
from datetime import datetime

import pytest

import factories
from counting_proxy import CountingProxy
from fault_helpers import kill_9, kill_web_while_posting, names_and_sessions, photo_rows, site_rows, start_manage
from live_site import running_site
from polling import wait_for

# The store is the subject, not the database: the SQLite pass of .ci/run runs these, and the
# PostgreSQL pass meets the store in tests/test_two_machines.py.
pytestmark = pytest.mark.outside_database

# Over the 16 MiB part size (photosite.object_storage.PART_SIZE): a multipart upload of two parts.
BIG_FILE_BYTES = 17 * 1024 * 1024
# The proxy's pace: the first part takes about two seconds to go up, long after the test saw it start.
PROXY_BYTES_PER_SECOND = 8 * 1024 * 1024


@pytest.fixture
def slow_store(object_store):
    port = int(object_store.endpoint_url.rsplit(":", 1)[1])
    proxy = CountingProxy(port, rate=PROXY_BYTES_PER_SECOND)
    yield proxy
    proxy.close()


def stored_keys(object_store, prefix) -> dict[str, int]:
    pages = object_store.client().get_paginator("list_objects_v2").paginate(Bucket=object_store.bucket,
                                                                            Prefix=prefix + "/")
    return {entry["Key"].removeprefix(prefix + "/"): entry["Size"]
            for page in pages for entry in page.get("Contents", ()) if "/." not in "/" + entry["Key"]}


def open_uploads(object_store, prefix) -> list[str]:
    listed = object_store.client().list_multipart_uploads(Bucket=object_store.bucket, Prefix=prefix + "/")
    return [upload["Key"] for upload in listed.get("Uploads", ())]


def test_kill_9_of_the_web_process_mid_put_leaves_nothing_that_repair_does_not_find_and_clean(
        tmp_path, object_store, bucket_prefix, slow_store):
    # given: a site on the store, reached through the slow proxy, and a big photo sent from a browser
    big = factories.padded_jpeg(factories.make_jpeg(tmp_path / "big.jpg", 64, 48, taken=datetime(2024, 7, 2, 8)),
                                BIG_FILE_BYTES)
    environment = {**object_store.environment(object_store.bucket, prefix=bucket_prefix),
                   "PHOTOSITE_S3_ENDPOINT_URL": slow_store.base_url}
    with running_site(tmp_path / "library", extra_env=environment) as site:
        # when: the web process is killed once the file's multipart upload to the store has started
        session = kill_web_while_posting(site, [big], lambda: open_uploads(object_store, bucket_prefix),
                                         "the big file's multipart upload to start", timeout=60)
        # then: no object, no row, one upload never completed; the file received whole waits under its staged name
        assert stored_keys(object_store, bucket_prefix) == {} and photo_rows(site) == {}
        assert [path.suffix for path in (site.root / ".import_temp").iterdir()] == [".staged"]
        # when
        site.env["PHOTOSITE_S3_ENDPOINT_URL"] = object_store.endpoint_url
        repaired = site.manage("checklibrary", "--no-progress", "--stale-after", "0", "--all", "--repair",
                               check=False)
        # then: the upload never completed is aborted and the received file imported under its
        # name, its outcome recorded in the session it was sent in: the photo is in the library
        # without being sent again
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        assert "multipart uploads never completed: 1 (1 repaired)" in repaired.stdout
        assert "complete files left in .import_temp: 1 (1 repaired)" in repaired.stdout
        assert "partial files" not in repaired.stdout
        rows = photo_rows(site)
        assert list(rows.values()) == [hashlib.sha256(big.read_bytes()).hexdigest()]
        assert stored_keys(object_store, bucket_prefix) == {next(iter(rows)): BIG_FILE_BYTES}
        assert names_and_sessions(site) == (["big.jpg"], {session})
        assert site_rows(site, "SELECT source, imported_count FROM library_importsession") == [("web", 1)]
        # and nothing is left over: the library checks clean, hashes and all
        assert open_uploads(object_store, bucket_prefix) == []
        assert not list((site.root / ".import_temp").iterdir())
        clean = site.manage("checklibrary", "--no-progress", "--stale-after", "0", "--all", "--verify-hashes",
                            check=False)
        assert clean.returncode == 0, clean.stdout + clean.stderr


def test_kill_9_of_the_import_command_mid_put_leaves_nothing_that_repair_does_not_find_and_clean(tmp_path, object_store, bucket_prefix,
                                                                          slow_store):
    # given: a site on the store, reached through the slow proxy, and a big photo
    big = factories.padded_jpeg(factories.make_jpeg(tmp_path / "big.jpg", 64, 48, taken=datetime(2024, 7, 1, 8)),
                                BIG_FILE_BYTES)
    environment = {**object_store.environment(object_store.bucket, prefix=bucket_prefix),
                   "PHOTOSITE_S3_ENDPOINT_URL": slow_store.base_url}
    with running_site(tmp_path / "library", extra_env=environment, start_web=False) as site:
        # when: the import is killed once its multipart upload has started
        importing = start_manage(site, "import", "--no-progress", str(big))
        started = wait_for(lambda: open_uploads(object_store, bucket_prefix) or importing.poll() is not None, 60,
                           "the big file's multipart upload to start")
        kill_9(importing)
        assert started is not True, "the import finished before its upload was seen"
        # then: no object, no row, one upload never completed
        assert stored_keys(object_store, bucket_prefix) == {}
        assert photo_rows(site) == {}
        found = site.manage("checklibrary", "--no-progress", "--stale-after", "0", "--all", check=False)
        assert found.returncode == 1
        assert "multipart uploads never completed: 1" in found.stdout
        # when
        repaired = site.manage("checklibrary", "--no-progress", "--stale-after", "0", "--all", "--repair",
                               check=False)
        # then: the upload is aborted and the import's temporary copy removed (the source is still
        # on its card); nothing is left in the store, and the library checks clean
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        assert "multipart uploads never completed: 1 (1 repaired)" in repaired.stdout
        assert "partial files left in .import_temp: 1 (1 repaired)" in repaired.stdout
        assert open_uploads(object_store, bucket_prefix) == []
        assert stored_keys(object_store, bucket_prefix) == {} and photo_rows(site) == {}
        assert not list((site.root / ".import_temp").iterdir())
        # when: the import is run again, straight to the store
        site.env["PHOTOSITE_S3_ENDPOINT_URL"] = object_store.endpoint_url
        again = site.manage("import", "--no-progress", str(big))
        # then
        assert "1 imported" in again.stdout, again.stdout + again.stderr
        rows = photo_rows(site)
        assert list(rows.values()) == [hashlib.sha256(big.read_bytes()).hexdigest()]
        assert stored_keys(object_store, bucket_prefix) == {next(iter(rows)): BIG_FILE_BYTES}
        clean = site.manage("checklibrary", "--no-progress", "--stale-after", "0", "--verify-hashes", check=False)
        assert clean.returncode == 0, clean.stdout + clean.stderr
