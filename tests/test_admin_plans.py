"""The admin's lists at scale, on PostgreSQL: every page of every changelist that grows with the
library (each filter value, the searches, each sortable column, the last page), and the gallery's
pages, are planned on indexes: never a sequential scan of the photo, rendition or outcome tables,
never a full `COUNT(*)`.

50,000 photos (15 years, cameras, videos, moments, trash, rendition records) are written once
with COPY and analysed; each page is fetched with Django's test client while its SQL is captured,
and each query touching those tables is `EXPLAIN`ed. A 50k table is where PostgreSQL's planner
already prefers a scan to a missing index, so a plan that holds here holds at a million (the
timings at 1M are in docs/benchmarks.md)."""
import datetime
import hashlib
import json
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from library.admin import PhotoAdmin
from library.models import ImportOutcome, ImportSession, Photo
from thumbnails.formats import made_ahead_spec
from thumbnails.models import Thumbnail
from thumbnails.names import current_video_spec

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROWS = 50_000
SESSIONS = 30
CAMERAS = ["iPhone 15 Pro", "Pixel 8", "EOS R6", "X100V", "Galaxy S23", "NEX-6", "DMC-GX7", "Z6"]
BIG_TABLES = {"library_photo", "thumbnails_thumbnail", "library_importoutcome"}
NEWEST = datetime.datetime(2025, 6, 30, 18, 0, tzinfo=datetime.UTC)
SPACING = datetime.timedelta(hours=2, minutes=37)  # 50k photos over 15 years


def photo_row(number, session_ids):
    taken_at = NEWEST - number * SPACING
    video = number % 20 == 0
    return {
        "id": number + 1, "sha256": hashlib.sha256(str(number).encode()).hexdigest(),
        "kind": "video" if video else "photo", "original_name": f"IMG_{number:05d}.{'MOV' if video else 'JPG'}",
        "path": f"{taken_at:%Y/%m/%d}/IMG_{number:05d}", "size": 1_000_000 + (number * 7919) % 5_000_000,
        "format": "mov" if video else "jpeg", "mime_type": "video/quicktime" if video else "image/jpeg",
        "width": 4032, "height": 3024, "orientation": 1, "duration": 3.0 if video else None,
        "video_codecs": "hevc" if video else "", "playback": ("rendition" if number % 40 == 0 else "original") if video else "",
        "taken_at": taken_at, "taken_at_offset": 120, "taken_on": (taken_at + datetime.timedelta(hours=2)).date(),
        "taken_at_source": "exif", "camera_model": CAMERAS[number % len(CAMERAS)] if number % 13 else "",
        "imported_at": NEWEST, "import_session_id": session_ids[number % len(session_ids)],
        "trashed_at": NEWEST if number % 97 == 0 else None,
        # every 25th photo is the motion of the Live Photo before it
        "shown_with_id": number if number % 25 == 1 else None,
    }


def copy_rows(model, rows):
    """COPY `rows` (dicts by column) into `model`'s table; a column a row leaves out gets its default."""
    fields = model._meta.concrete_fields
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {model._meta.db_table} ({', '.join(field.column for field in fields)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[field.column] if field.column in row else field.get_default() for field in fields])


def thumbnail_rows():
    grid, video = str(made_ahead_spec()), str(current_video_spec())
    for number in range(ROWS):
        if number % 10 < 6:  # 60 % cached, a few failed, the rest never asked for
            yield {"photo_id": number + 1, "spec": grid, "state": "ready" if number % 500 else "failed"}
        if number % 40 == 0:
            yield {"photo_id": number + 1, "spec": video, "state": "ready" if number % 80 else "pending"}


@pytest.fixture(scope="module")
def large_library(django_db_setup, django_db_blocker):
    """50k photos committed in the test database for this module, removed afterwards."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("the plans are PostgreSQL's (the PostgreSQL pass of .ci/run runs these)")
        try:
            sessions = ImportSession.objects.bulk_create(ImportSession(source="cli") for _ in range(SESSIONS))
            session_ids = [session.pk for session in sessions]
            copy_rows(Photo, (photo_row(number, session_ids) for number in range(ROWS)))
            copy_rows(Thumbnail, ({"id": index + 1, **row} for index, row in enumerate(thumbnail_rows())))
            ImportOutcome.objects.bulk_create(
                (ImportOutcome(session_id=session_ids[n % SESSIONS], original_name=f"IMG_{n:05d}.JPG", size=n,
                               status="failed" if n % 300 == 0 else "imported", photo_id=n + 1)
                 for n in range(ROWS)), batch_size=5000)
            with connection.cursor() as cursor:
                for table in ("library_photo", "thumbnails_thumbnail", "library_importoutcome",
                              "library_importsession"):
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
                    cursor.execute(f"VACUUM ANALYZE {table}")
            yield session_ids
        finally:
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE library_photo, library_importsession, thumbnails_thumbnail,"
                               " library_importoutcome CASCADE")


def plan_nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def problems_of(sql):
    """Sequential scans of a big table, and counts of a whole list, in the plan of `sql`."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    found = [f"Seq Scan on {node['Relation Name']}" for node in plan_nodes(plan)
             if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG_TABLES]
    if "COUNT(*)" in sql.upper() and "LIMIT" not in sql.upper():
        found.append("a full COUNT(*)")
    return found


def checked_get(client, url):
    """GETs `url`; returns (the response, (ms of the page, ms in the database), {query: problems})
    for the queries on the big tables."""
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    in_database = sum(float(query["time"]) for query in captured.captured_queries) * 1000
    assert response.status_code == 200, (url, response.status_code)
    queries = [query["sql"] for query in captured.captured_queries
               if any(table in query["sql"] for table in BIG_TABLES) and query["sql"].lstrip().upper().startswith(
                   ("SELECT", "WITH"))]
    return response, (elapsed, in_database), {sql: problems for sql in queries if (problems := problems_of(sql))}


def columns_of_photos():
    """The photo list's columns as its `o=` parameter numbers them (the checkbox first)."""
    return ["action_checkbox", *PhotoAdmin.list_display]


def photo_urls(session_ids):
    base = "/admin/library/photo/"
    filters = ["kind__exact=photo", "kind__exact=video", "playback__exact=original", "playback__exact=rendition",
               "trash=no", "trash=yes", "moment=face", "moment=partner", "moment=alone", f"camera={CAMERAS[3]}",
               f"import_session__id__exact={session_ids[4]}", "import_session__isnull=True",
               *(f"thumbnail={state}" for state in ("cached", "missing", "failed")),
               *(f"rendition={state}" for state in ("cached", "missing", "failed")),
               "taken_on__year=2016", "taken_on__year=2016&taken_on__month=3",
               "taken_on__year=2016&taken_on__month=3&taken_on__day=14",
               "q=IMG_0123", "q=" + hashlib.sha256(b"4242").hexdigest()[:8], "q=nothing+like+it",
               "camera=X100V&trash=yes&thumbnail=missing"]
    columns = columns_of_photos()
    # each column, sortable or not (a column left out of sortable_by must not sort when asked to)
    sorts = [f"o={sign}{index}" for index in range(2, len(columns)) for sign in ("", "-")]
    return [base, *(f"{base}?{query}" for query in [*filters, *sorts])]


@pytest.mark.django_db
def test_every_admin_and_gallery_page_is_planned_on_indexes(large_library, admin_client):
    # given 50k analysed photos; when every page of the photo list is fetched
    timings, failures = {}, {}
    urls = photo_urls(large_library)
    first, _, _ = checked_get(admin_client, urls[0])
    last_pages = [f"/admin/library/photo/?p={first.context['cl'].paginator.num_pages}",
                  f"/admin/library/photo/?o=-2&p={first.context['cl'].paginator.num_pages}"]
    gallery = ["/", "/?year=2016&month=3", "/?fragment=1&after=2016-03-14~2016-03-14T00:00:00%2B00:00~1"]
    others = [*gallery, "/admin/library/importsession/", "/admin/library/importoutcome/",
              "/admin/library/importoutcome/?status__exact=failed",
              f"/admin/library/importoutcome/?session__id__exact={large_library[2]}"]
    for url in [*urls, *last_pages, *others]:
        _, timings[url], problems = checked_get(admin_client, url)
        if problems:
            failures[url] = problems
    print("\n".join(f"{page:7.1f} ms (database {database:6.1f} ms)  {url}" for url, (page, database) in timings.items()))
    # then no query of any of them scans a big table or counts a whole list
    assert not failures, json.dumps(failures, indent=1)


@pytest.mark.django_db
def test_the_last_page_shows_the_oldest_photos_and_the_count_is_an_estimate(large_library, admin_client):
    # given 50k photos; when the last page of the estimated list is fetched
    first, _, _ = checked_get(admin_client, "/admin/library/photo/")
    paginator = first.context["cl"].paginator
    last, _, _ = checked_get(admin_client, f"/admin/library/photo/?p={paginator.num_pages}")
    # then the count is an estimate, said so, and the last page ends with the oldest photo
    assert paginator.is_estimated and b"about " in first.content
    shown = list(last.context["cl"].result_list)
    assert shown[-1] == Photo.objects.order_by("taken_at", "id").first()
    assert shown == sorted(shown, key=lambda photo: (photo.taken_at, photo.id), reverse=True)
    # and sorted by date taken, oldest first, the first page starts where the last page ended
    oldest_first, _, _ = checked_get(admin_client, f"/admin/library/photo/?o={columns_of_photos().index('taken')}")
    assert list(oldest_first.context["cl"].result_list)[:5] == shown[::-1][:5]


@pytest.mark.django_db
def test_a_hash_prefix_finds_its_photo_and_the_drill_down_lists_the_years(large_library, admin_client):
    # given 50k photos; when a hash prefix is searched and the dates are listed
    wanted = Photo.objects.get(sha256=hashlib.sha256(b"4242").hexdigest())
    found, _, _ = checked_get(admin_client, f"/admin/library/photo/?q={wanted.sha256[:8].upper()}")
    years, _, _ = checked_get(admin_client, "/admin/library/photo/")
    # then the photo is found, and every year of the library is offered
    assert list(found.context["cl"].result_list) == [wanted]
    first_year = Photo.objects.order_by("taken_on").first().taken_on.year
    assert all(f"taken_on__year={year}" in years.content.decode() for year in range(first_year, 2026))
