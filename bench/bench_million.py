"""A library of a million files on PostgreSQL: how long its rows take to write, and what each
page and command whose cost grows with the library costs then.

    .venv/bin/python bench/run.py million [--rows N]

It creates its own database (PHOTOSITE_BENCH_POSTGRES, default the local server, database
`photosite_bench_million`), fills it with bench/library_rows.py's rows (COPY), and drops it at the
end. Timed, best of --repeat, through Django's test client in this process (so run it on its own,
not after another bench that set Django up): the gallery's pages (the first, `?after=` pages
walking on, a jump to a month, a page deep in the past) and its JSON API when the site has one;
the search's first pages (bench/library_pages.SEARCHES, and the name searches combined with each
other filter, a person's favourites and album too: name_combinations; each with the scans its plan chose);
every page of the admin's photo list; the web import's `sizes` and `known` questions;
`librarystatus`, `checklibrary` and `pregenerate --queue` (once each: they change what they
find). Every read over SLOW_MS is shown with its plan (EXPLAIN ANALYZE), a write without (the
first SLOW_SHOWN of each page or command). The fill has a goal: FILL_GOAL_SECONDS, for a million rows."""
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

USES_CORPUS = False
SERVER = os.environ.get("PHOTOSITE_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = "photosite_bench_million"
SLOW_MS = 50
SLOW_SHOWN = 5  # slow queries shown with their plans, per page or command
FILL_GOAL_SECONDS = 120
STATUS_GOAL_MS = 1000
MEMORY_GOAL_MB = 150
PROJECT_DIR = Path(__file__).resolve().parent.parent
FIRST_TASK_GOAL_MS = 2000  # pregenerate --queue: the workers can start
GALLERY_WALK = 5  # `?after=` pages followed from the first


def run(corpus, report):
    rows = report.rows
    report.section(f"A library of {rows:,} files on PostgreSQL")
    recreate_database()
    try:
        configure_django(report.workdir("library"))
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        measure(report, rows)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database()


def measure(report, rows):
    from bench import library_rows
    from bench.library_pages import (
        SEARCHES,
        import_list_urls,
        import_questions,
        last_page_urls,
        name_combinations,
        person_with_favourites_and_album,
        photo_list_urls,
    )

    started = time.perf_counter()
    filled = library_rows.fill(rows)
    fill_seconds = time.perf_counter() - started
    report.row("files written", filled.photos, "rows")
    report.row("rendition records written", filled.renditions, "rows")
    report.limit(f"fill ({rows:,} files): COPY, indexes, ANALYZE", fill_seconds, FILL_GOAL_SECONDS, "s")
    for phase, seconds in filled.phases.items():
        report.row(f"  of which {phase}", seconds, "s")
    describe(report)
    client, person = logged_in_client()
    album_id = person_with_favourites_and_album(person)
    report.section("Gallery")
    for url in gallery_urls(client):
        time_page(report, client, url)
    report.section("Search: first pages, and how each is planned")
    for query in [*SEARCHES, *name_combinations(album_id)]:
        time_search(report, query, person)
    report.section("Admin photo list")
    first = client.get("/admin/library/photo/")
    for url in [*photo_list_urls(filled.session_ids), *last_page_urls(first.context["cl"].paginator.num_pages),
                *import_list_urls(filled.session_ids)]:
        time_page(report, client, url)
    report.section("Web import questions")
    for url, body in import_questions(client.post("/api/imports/").json()["id"]):
        time_page(report, client, url, body)
    report.section("Commands")
    for command in (["librarystatus"], ["checklibrary"], ["pregenerate", "--queue", "--no-progress"]):
        time_command(report, command)


def recreate_database():
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        server.execute(f"CREATE DATABASE {DATABASE}")


def drop_database():
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def configure_django(library_root):
    """Django in this process, on the bench's database and a scratch library, as a test sets it up
    (the test client's host allowed, queries captured on demand)."""
    import django
    from django.conf import settings

    if settings.configured:
        raise RuntimeError("Django is already set up in this process: run `bench/run.py million` on its own")
    os.environ.update(DJANGO_SETTINGS_MODULE="photosite.settings", PHOTOSITE_LIBRARY_ROOT=str(library_root),
                      DATABASE_URL=f"{SERVER}/{DATABASE}",
                      PHOTOSITE_REMEMBERED_FILE=str(library_root.parent / "photosite.env"))
    os.environ.pop("REDIS_URL", None)  # the queue in the bench's own database, dropped with it
    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()


def describe(report):
    """The shape of what was written: the busiest day, the share of videos, moments, trash."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM library_photo GROUP BY taken_on) days")
        report.row("busiest day", cursor.fetchone()[0], "files")
        cursor.execute("SELECT count(DISTINCT taken_on), min(taken_on), max(taken_on),"
                       " avg((kind = 'video')::int) * 100, avg((shown_with_id IS NOT NULL)::int) * 100,"
                       " avg((trashed_at IS NOT NULL)::int) * 100 FROM library_photo")
        days, first, last, videos, partners, trashed = cursor.fetchone()
    report.row(f"days with photos ({first} to {last})", days, "days")
    report.row("videos", float(videos), "%")
    report.row("moments' partners (Live Photo motions, RAWs)", float(partners), "%")
    report.row("in the trash", float(trashed), "%")


def logged_in_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    client, person = Client(), get_user_model().objects.create_superuser("bench", password="bench")
    client.force_login(person)
    return client, person


def gallery_urls(client) -> list[str]:
    """The first page, the next GALLERY_WALK pages by their links, jumps to a month and deep into
    the past, and the JSON API's pages that this site has."""
    from bench.library_pages import GALLERY_API
    from library.models import Photo
    from library.services.timeline import Cursor

    urls, url = ["/"], "/"
    for _ in range(GALLERY_WALK):
        page = client.get(url)
        if not page.context or not page.context.get("next_url"):
            break
        url = f"/?fragment=1&{page.context['next_url'].lstrip('?')}"
        urls.append(url)
    deep = Photo.objects.gallery_tiles().filter(taken_on__year=2012).order_by("-taken_on", "-taken_at", "-id").first()
    urls += ["/?year=2016&month=3", *([f"/?fragment=1&after={Cursor.of(deep)}"] if deep else [])]
    return urls + GALLERY_API


def time_page(report, client, url, body=None):
    """The page's best time over --repeat and its queries' time in that run; plans of slow queries."""
    def fetch():
        response = (client.post(url, json.dumps(body), content_type="application/json") if body is not None
                    else client.get(url))
        if response.status_code != 200:
            raise AssertionError(f"{url}: {response.status_code} {response.content[:200]!r}")

    best = min((timed(fetch) for _ in range(report.repeat)), key=lambda result: result[0])
    show(report, url, *best)


def time_search(report, query, person):
    """The search's first page as `person` sees it, best of --repeat, with the scans its queries' plans choose."""
    from bench.library_pages import search_first_page

    seconds, queries = min((timed(lambda: search_first_page(query, person)) for _ in range(report.repeat)),
                           key=lambda result: result[0])
    show(report, f"?{query}", seconds, queries)
    for sql in dict.fromkeys(query["sql"] for query in queries if query["sql"].startswith("SELECT")):
        print(f"    {scans_of(plan_of(sql))}")


def scans_of(plan: str) -> str:
    """The scans an EXPLAIN ANALYZE chose, each with its time, rows and the rows its filter dropped,
    and the whole run's time: a walk that reads far for a few rows shows as many dropped."""
    lines = [line.strip(" ->") for line in plan.splitlines()]
    scans = []
    for index, line in enumerate(lines):
        if " Scan " in line or line.startswith(("Bitmap Index Scan", "Index Scan", "Index Only Scan", "Seq Scan")):
            name, _, actual = line.partition("(actual ")
            removed = next((found.split(": ")[1] for found in lines[index + 1:index + 6]
                            if found.startswith("Rows Removed by Filter")), "0")
            scans.append(f"{name.split('  (')[0].strip()} [{actual.split(' loops')[0]}, dropped {removed}]")
    total = next((line for line in lines if line.startswith("Execution Time")), "")
    return "; ".join(scans) + f"  ({total})"


def time_command(report, command):
    """Times one run of the command (and when it wrote its first background task), then runs it
    again in a process of its own for its peak memory. Problems it reports are
    expected (checklibrary finds none of the files the rows name: the bench writes no files), so
    its exit in error is shown, not raised."""
    from django.core.management import CommandError, call_command
    from django.db import connection

    def run_command():
        try:
            call_command(*command, stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError as error:
            print(f"    {' '.join(command)}: {error}")

    first_task = []

    def note_first_task(execute, sql, params, many, context):
        if not first_task and sql.startswith('INSERT INTO "django_q_ormq"'):
            first_task.append(time.perf_counter())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note_first_task):
        started = time.perf_counter()
        seconds, queries = timed(run_command)
    show(report, " ".join(command), seconds, queries)
    if command[0] == "librarystatus":
        report.limit("  librarystatus, whole", seconds * 1000, STATUS_GOAL_MS, "ms")
    if first_task:
        report.limit(f"  {command[0]}: first task written after", (first_task[0] - started) * 1000,
                     FIRST_TASK_GOAL_MS, "ms")
    report.limit(f"  {command[0]}: peak memory, run again on its own", peak_memory_of(command) / 2**20,
                 MEMORY_GOAL_MB, "MB")


def peak_memory_of(command) -> int:
    """The peak resident memory of `manage.py command` in a process of its own, as people run it
    (the bench's own process holds what the fill left behind). Read from the process's own high
    water mark (VmHWM) while it runs: the rusage of a child forked from this big process would
    report this one's peak."""
    process = subprocess.Popen([sys.executable, "manage.py", *command], cwd=PROJECT_DIR,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, high_water_mark(process.pid))
        time.sleep(0.01)
    return peak


def high_water_mark(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def timed(fn) -> tuple[float, list[dict]]:
    """(seconds, the queries it ran) of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - started
    return elapsed, captured.captured_queries


def show(report, label, seconds, queries):
    in_database = sum(float(query["time"]) for query in queries)
    report.row(f"{label[:60]}  (db {in_database * 1000:,.0f} ms, {len(queries)} q)", seconds * 1000, "ms")
    slow = [query for query in queries if float(query["time"]) * 1000 > SLOW_MS]
    for query in slow[:SLOW_SHOWN]:
        print(f"    {float(query['time']) * 1000:,.0f} ms: {query['sql'][:600]}")
        if query["sql"].lstrip().upper().startswith(("SELECT", "WITH", "DECLARE")):
            print(indented(plan_of(query["sql"])))
    if len(slow) > SLOW_SHOWN:
        print(f"    ... and {len(slow) - SLOW_SHOWN} more queries over {SLOW_MS} ms")


def plan_of(sql: str, analyse=True) -> str:
    """EXPLAIN ANALYZE (or only EXPLAIN) of a read (a server-side cursor's, of the query it was declared for)."""
    from django.db import connection

    query = sql.split(" FOR ", 1)[1] if sql.lstrip().upper().startswith("DECLARE") else sql
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}" if analyse else f"EXPLAIN {query}")
        return "\n".join(line for (line,) in cursor.fetchall())


def indented(text: str) -> str:
    return "\n".join(f"      {line}" for line in text.splitlines())
