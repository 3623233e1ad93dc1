"""The library's queries at scale, on PostgreSQL: every page of every changelist that grows with
the library (each filter value, the searches, each sortable column, the last page), the gallery's
pages and their placeholders, the search's first pages, `librarystatus` and the web import's
questions are planned on indexes: never a sequential scan of the photo, rendition or outcome tables, never a full `COUNT(*)`.

50,000 files (bench/library_rows.py, the million-photo bench's filler: 15 years, cameras, videos,
moments, trash, rendition records) are written once with COPY and analysed; each page is fetched
with Django's test client while its SQL is captured, and each query touching those tables is
`EXPLAIN`ed. A 50k table is where PostgreSQL's planner already prefers a scan to a missing index,
so a plan that holds here holds at a million (`bench/run.py million` times them there)."""
import io
import json
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import library_rows
from bench.library_pages import (
    GALLERY,
    READ_WHAT_THEY_SHOW,
    SEARCHED_HASH,
    SEARCHES,
    SEARCHES_FOR_NOTHING,
    SEARCHES_OF_THE_OLDEST,
    columns_of_photos,
    import_list_urls,
    import_questions,
    last_page_urls,
    name_combinations,
    person_with_favourites_and_album,
    photo_list_urls,
    search_first_page,
)
from library.check_report import CheckReport
from library.models import Photo
from library.services import search
from library.services.library_check import Kind, check_files
from thumbnails import placeholders

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROWS = 50_000
BIG_TABLES = {"library_photo", "thumbnails_rendition", "library_importoutcome", "library_photoname"}


@pytest.fixture(scope="module")
def large_library(django_db_setup, django_db_blocker):
    """50k photos committed in the test database for this module (the bench's filler), removed afterwards."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("the plans are PostgreSQL's (the PostgreSQL pass of .ci/run runs these)")
        try:
            yield library_rows.fill(ROWS).session_ids
        finally:
            library_rows.empty()


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


def checked(fn):
    """Runs `fn`; returns (what it returned, (ms it took, ms in the database), {query: problems})
    for its reads of the big tables."""
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = fn()
        elapsed = (time.perf_counter() - started) * 1000
    in_database = sum(float(query["time"]) for query in captured.captured_queries) * 1000
    queries = [query["sql"] for query in captured.captured_queries
               if any(table in query["sql"] for table in BIG_TABLES) and query["sql"].lstrip().upper().startswith(
                   ("SELECT", "WITH"))]
    return result, (elapsed, in_database), {sql: problems for sql in queries if (problems := problems_of(sql))}


def checked_get(client, url, body=None):
    """GETs `url` (or POSTs `body` as JSON), as `checked`."""
    response, timing, problems = checked(lambda: client.post(url, json.dumps(body), content_type="application/json")
                                         if body is not None else client.get(url))
    assert response.status_code == 200, (url, response.status_code)
    return response, timing, problems


@pytest.mark.django_db
def test_every_admin_and_gallery_page_is_planned_on_indexes(large_library, admin_client):
    # given 50k analysed photos; when every page of the photo list is fetched
    timings, failures = {}, {}
    urls = photo_list_urls(large_library)
    first, _, _ = checked_get(admin_client, urls[0])
    last_pages = last_page_urls(first.context["cl"].paginator.num_pages)
    for url in [*urls, *last_pages, *GALLERY, *import_list_urls(large_library)]:
        _, timings[url], problems = checked_get(admin_client, url)
        if problems:
            failures[url] = problems
    print("\n".join(f"{page:7.1f} ms (database {database:6.1f} ms)  {url}" for url, (page, database) in timings.items()))
    # then no query of any of them scans a big table or counts a whole list
    assert not failures, json.dumps(failures, indent=1)


@pytest.mark.django_db
def test_every_search_first_page_is_planned_on_indexes(large_library):
    # given 50k analysed photos; when each search's first page is read (filters alone and combined)
    found, timings, failures = {}, {}, {}
    for query in SEARCHES:
        page, timings[query], problems = checked(lambda query=query: search_first_page(query))
        found[query] = len(page)
        if problems:
            failures[query] = problems
    print("\n".join(f"{page:7.1f} ms (database {database:6.1f} ms) {found[query]:4} tiles  ?{query}"
                    for query, (page, database) in timings.items()))
    # then no query scans the photo table (or its copy of names), and each finds what the filler
    # wrote, or nothing if it never did (or only at a million)
    assert not failures, json.dumps(failures, indent=1)
    assert {query for query, count in found.items() if not count} == {*SEARCHES_FOR_NOTHING, *SEARCHES_OF_THE_OLDEST}


def rows_filtered_away(sql) -> int:
    """The photo table's rows that the plan of `sql`, run, read and then dropped by a filter."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    return sum(node.get("Rows Removed by Filter", 0) * node.get("Actual Loops", 1) for node in plan_nodes(plan)
               if node.get("Relation Name") == "library_photo")


@pytest.mark.django_db
def test_raw_and_name_searches_read_about_what_their_first_page_shows(large_library, settings):
    # given 50k analysed photos, whose raws are 1 in 200 and whose files named IMG_0049… are the oldest;
    # when the first page of each search that once walked the gallery testing each tile is read
    dropped = {query: most_rows_dropped(query) for query in READ_WHAT_THEY_SHOW}
    print(dropped)
    # then none walks the gallery past thousands of tiles it does not show
    assert all(rows <= 10 * settings.PHOTOSITE_GALLERY_PAGE_SIZE for rows in dropped.values()), dropped


def most_rows_dropped(query) -> int:
    """The most rows of the photo table that one query of the search's first page read and dropped."""
    with CaptureQueriesContext(connection) as captured:
        page = search_first_page(query)
    assert page, query
    reads = [run["sql"] for run in captured.captured_queries if run["sql"].startswith("SELECT")]
    return max(rows_filtered_away(sql) for sql in reads)


@pytest.mark.django_db
def test_a_name_that_many_old_files_hold_is_walked_from_the_newest_of_them(large_library, settings, monkeypatch):
    # given 50k analysed photos whose ten thousand files named IMG_004… are the oldest fifth, and as
    # many counted as too many to sort (at a million, the hundred thousand named IMG_09… are)
    monkeypatch.setattr(search, "FEW_NAME_MATCHES", 1000)
    # when the first page of a prefix of their names and of a part of them is read
    dropped = {query: most_rows_dropped(query) for query in ("name=IMG_004", "name=_004")}
    print(dropped)
    # then the gallery is walked from the day of the newest of them, not from today
    assert all(rows <= 10 * settings.PHOTOSITE_GALLERY_PAGE_SIZE for rows in dropped.values()), dropped


@pytest.mark.django_db
def test_a_name_that_many_old_files_hold_is_combined_with_any_filter_reading_a_page_worth(large_library, settings,
                                                                                         monkeypatch, admin_user):
    # given 50k analysed photos whose ten thousand files named IMG_004… are the oldest fifth, counted
    # as too many to sort, and a person's favourites (one tile in 50) and album
    monkeypatch.setattr(search, "FEW_NAME_MATCHES", 1000)
    settings.PHOTOSITE_GALLERY_PAGE_SIZE = 20
    queries = name_combinations(person_with_favourites_and_album(admin_user), names=["IMG_004"])
    # when the first page of the name with each other filter is read
    read = {query: most_photo_rows_read(query, admin_user) for query in queries}
    print(read)
    # then none reads every file holding the name to join them to the other filter: at most what
    # a walk of those days finds a page of favourites in (a page is 1 in 50 of them)
    assert all(rows <= 100 * settings.PHOTOSITE_GALLERY_PAGE_SIZE for rows in read.values()), read


def most_photo_rows_read(query, user) -> int:
    """The most rows of the photo table that one query of the search's first page read (kept or
    dropped), over every loop of every scan of it."""
    with CaptureQueriesContext(connection) as captured:
        search_first_page(query, user)
    reads = [run["sql"] for run in captured.captured_queries if run["sql"].startswith("SELECT")]
    return max(photo_rows_read(sql) for sql in reads)


def photo_rows_read(sql) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    return sum((node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node.get("Actual Loops", 1)
               for node in plan_nodes(plan) if node.get("Relation Name") == "library_photo")


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
    wanted = Photo.objects.get(sha256=SEARCHED_HASH)
    found, _, _ = checked_get(admin_client, f"/admin/library/photo/?q={wanted.sha256[:8].upper()}")
    years, _, _ = checked_get(admin_client, "/admin/library/photo/")
    # then the photo is found, and every year of the library is offered
    assert list(found.context["cl"].result_list) == [wanted]
    first_year = Photo.objects.order_by("taken_on").first().taken_on.year
    assert all(f"taken_on__year={year}" in years.content.decode() for year in range(first_year, 2026))


@pytest.mark.django_db
def test_a_pages_placeholders_and_the_import_questions_are_planned_on_indexes(large_library, admin_client):
    # given 50k analysed photos, the tiles the workers made with their placeholders
    page = list(Photo.objects.gallery_tiles().order_by("-taken_on", "-taken_at", "-id").values_list("id", flat=True)[:120])
    # when a page's placeholders are read and an import asks its questions
    found, _, placeholder_problems = checked(lambda: placeholders.for_photos(page))
    # (small questions: at 50k rows a thousand index probes cost more than a scan, and the planner
    # rightly scans; bench/run.py million times the full-size questions, on the index)
    questions = import_questions(admin_client.post("/api/imports/").json()["id"], sizes=40, hashes=40)
    question_problems = {url: checked_get(admin_client, url, body)[2] for url, body in questions}
    # then none of their queries scans a big table, and most tiles of the page have a placeholder
    assert not placeholder_problems and not any(question_problems.values()), json.dumps(
        [placeholder_problems, question_problems], indent=1)
    assert 0.4 * len(page) < len(found) < len(page)


@pytest.mark.django_db
def test_the_status_is_planned_on_indexes(large_library):
    # given 50k analysed photos; when the status is shown
    _, _, problems = checked(lambda: call_command("librarystatus", stdout=io.StringIO()))
    # then none of its queries scans a big table or counts a whole list
    assert not problems, json.dumps(problems, indent=1)


@pytest.mark.django_db
def test_the_check_walks_the_rows_and_files_on_indexes(large_library, library_root, monkeypatch):
    # given 50k analysed photos (none of their files written) and a few files no row claims
    # (and every query sent as it is, so that a walk through a server-side cursor is seen too)
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    for number in range(3):
        (library_root / f"stray-{number}.jpg").write_bytes(b"x")
    report = CheckReport()
    # when the rows and files are checked
    _, _, problems = checked(lambda: check_files(report, stale_after=0))
    # then no query scans the photo table (nor sorts it by path), and every finding is made
    assert not problems, json.dumps(problems, indent=1)
    assert report.kinds[Kind.MISSING].found == report.rows_seen == Photo.objects.count()
    assert report.kinds[Kind.UNTRACKED].found == 3
