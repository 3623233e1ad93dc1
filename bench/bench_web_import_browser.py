"""Issue 17 in a real browser: the corpus imported through the import page in Chromium (hashing in
its Web Workers, the known-hash question, multipart batches) against `manage.py import` of the
same files, then imported again into the same site. A counting proxy (tests/counting_proxy.py)
between the browser and uvicorn counts the bytes the browser sends.

Timed from the folder being handed to the page's folder picker to the page showing its summary.
Chromium runs on this same 2-core machine, so its hashing and sending take CPU from the server it
measures (a browser normally runs elsewhere). Skipped where Chromium or Playwright is missing."""
import sys
import time

from bench.bench_import import count_library_files, flush_dirty_pages, import_corpus
from bench.run import REPO_ROOT, new_library

sys.path.insert(0, str(REPO_ROOT / "tests"))
from browser import CHROMIUM_ARGS, chromium_path
from counting_proxy import CountingProxy
from live_site import ADMIN_PASSWORD, ADMIN_USER, LiveSite

TOTAL_GOAL = 1.3
REIMPORT_BYTES_GOAL = 0.05
REIMPORT_TIME_GOAL = 0.3
WAIT_MS = 600_000


def run(corpus, report):
    report.section(f"Web import in Chromium ({corpus.describe()})")
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable = None
    if not executable:
        report.row("skipped: no Chromium or Playwright here", 0, "")
        return
    corpus.warm()
    libraries = {}

    def fresh_library():
        libraries["root"] = new_library(report, "cli-library")
        flush_dirty_pages()

    cli = report.best_time(lambda: import_corpus(libraries["root"], corpus.root), setup=fresh_library)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        runs = [browser_import(report, browser, corpus, attempt) for attempt in range(report.repeat)]
        browser.close()
    best = min(runs, key=lambda measured: measured["first"])
    again = min(runs, key=lambda measured: measured["again"])
    report.row("CLI import (manage.py import)", cli, "s")
    report.row("Chromium: folder picked -> summary shown", best["first"], "s")
    report.row("Chromium: the same folder again", again["again"], "s")
    report.row("bytes Chromium sent the second time", again["again_sent"], f"of {corpus.total_bytes}")
    report.row("files stored", best["stored"], f"of {len(corpus.all_files)}")
    report.ratio("Chromium web import / CLI import", best["first"], cli, goal=TOTAL_GOAL)
    report.ratio("re-import bytes sent / corpus bytes", again["again_sent"], corpus.total_bytes, goal=REIMPORT_BYTES_GOAL)
    report.ratio("re-import / first web import", again["again"], again["first"], goal=REIMPORT_TIME_GOAL)
    if best["stored"] != len(corpus.all_files):
        report.goals_missed.append(f"the browser import stored {best['stored']} of {len(corpus.all_files)} files")


def browser_import(report, browser, corpus, attempt):
    root = report.workdir(f"browser-{attempt}") / "library"
    root.mkdir()
    site = LiveSite(root).prepare().start_web()
    proxy = CountingProxy(site.port)
    try:
        flush_dirty_pages()
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(proxy.base_url + "/import/")
        page.fill("input[name=username]", ADMIN_USER)
        page.fill("input[name=password]", ADMIN_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/import/")
        first, _sent = import_folder(page, proxy, corpus)
        stored = count_library_files(root)
        page.evaluate("() => { document.getElementById('summary').hidden = true; }")
        again, again_sent = import_folder(page, proxy, corpus)
        context.close()
    finally:
        proxy.close()
        site.stop()
    return {"first": first, "again": again, "again_sent": again_sent, "stored": stored}


def import_folder(page, proxy, corpus):
    sent_before = proxy.sent
    started = time.perf_counter()
    page.set_input_files("#folder-picker", corpus.root)
    page.locator("#summary").wait_for(state="visible")
    return time.perf_counter() - started, proxy.sent - sent_before
