"""Issue 4: the web import over HTTP against `manage.py import` of the same corpus.

A real uvicorn-served site (tests/live_site.LiveSite, as in the end-to-end tests) gets the corpus
the way the import page sends it: a few requests in parallel, each with up to four files or 32 MB.
A listener on the session's Server-Sent-Event stream records when each event arrives. Measured:
the time from sending the first file to the first event (goal: under a second, so the page never
shows a frozen 0/0/0), and the time from the first file sent to the `complete` event against the
CLI import of the same files into a fresh library (goal: within 2x).

For scale, the same uploads also go to a bare ASGI app under uvicorn that reads and drops the bodies:
the cost of moving the bytes over HTTP on this machine (client included), which no server-side work
can go below.

The client sends each file's bytes with sendfile(2) from a thread per request: the lightest sender
there is, so that on this 2-core machine the client takes as little as possible from the server it
measures (a browser runs on another machine). Its CPU time is reported too."""
import http.client
import resource
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx

from bench.bench_import import count_library_files, flush_dirty_pages, import_corpus
from bench.run import REPO_ROOT, django_env, new_library

sys.path.insert(0, str(REPO_ROOT / "tests"))
from live_site import LiveSite, uvicorn

PARALLEL_REQUESTS = 4
BATCH_MAX_FILES = 4
BATCH_MAX_BYTES = 32 * 1024 * 1024
FIRST_EVENT_GOAL_SECONDS = 1.0
TOTAL_GOAL = 2.0


def run(corpus, report):
    report.section(f"Web import over HTTP ({corpus.describe()})")
    corpus.warm()
    files = len(corpus.all_files)
    libraries = {}

    def fresh_library():
        libraries["root"] = new_library(report, "cli-library")
        flush_dirty_pages()

    cli = report.best_time(lambda: import_corpus(libraries["root"], corpus), setup=fresh_library)
    floor = report.best_time(lambda: upload_to_sink(corpus))
    client_cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    runs = [web_import(report, corpus, attempt) for attempt in range(report.repeat)]
    client_cpu = cpu_seconds_since(client_cpu_before) / len(runs)
    best = min(runs, key=lambda measured: measured["total"])
    first_event = min(measured["first_event"] for measured in runs)

    report.row("CLI import (manage.py import)", cli, "s")
    report.row("HTTP floor: same uploads, bodies dropped", floor, "s")
    report.row("web import: first file sent -> complete event", best["total"], "s")
    report.row("web import rate", files / best["total"], "files/s")
    report.row("web import: first file sent -> first event", first_event, "s")
    report.row("client CPU per web import (sender + listener)", client_cpu, "s")
    report.row("files stored by the web import", best["stored"], f"of {files}")
    report.ratio("web import / CLI import", best["total"], cli, goal=TOTAL_GOAL)
    report.ratio("web import / HTTP floor", best["total"], floor)
    report.ratio("first event / 1 s", first_event, FIRST_EVENT_GOAL_SECONDS, goal=1.0)
    if best["stored"] != files:
        report.goals_missed.append(f"web import stored {best['stored']} of {files} files")


def web_import(report, corpus, attempt):
    """One upload of the whole corpus into a fresh site; returns its timings."""
    root = report.workdir(f"web-{attempt}") / "library"
    root.mkdir()
    site = LiveSite(root).prepare().start_web()
    try:
        flush_dirty_pages()
        client = site.client()
        session = client.post("/api/imports/").json()
        listener = EventListener(site, client.cookies, session["events_url"])
        started = time.perf_counter()
        with ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:
            answers = list(pool.map(lambda batch: upload(site, client, session["id"], batch), batches(corpus)))
        client.post(f"/api/imports/{session['id']}/finish").raise_for_status()
        listener.done.wait(timeout=600)
        client.close()
    finally:
        site.stop()
    if any(status != 200 for status in answers) or listener.complete_at is None:
        raise RuntimeError(f"web import failed: statuses {set(answers)}, complete event seen: {listener.complete_at}")
    return {"total": listener.complete_at - started, "first_event": listener.first_event_at - started,
            "stored": count_library_files(root)}


def upload_to_sink(corpus):
    """The corpus uploaded as the page would, to `discard_body` served by uvicorn."""
    with uvicorn(["bench.bench_web_import:discard_body"], django_env()) as base_url, \
            ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:
        list(pool.map(lambda batch: post_files(base_url, "/", batch), batches(corpus)))


async def discard_body(scope, receive, send):
    """A bare ASGI app: reads a request's body and drops it."""
    if scope["type"] != "http":
        return
    message = {"more_body": True}
    while message.get("more_body"):
        message = await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def batches(corpus):
    """Files grouped the way the import page groups them."""
    batch, size = [], 0
    for path in corpus.all_files:
        length = path.stat().st_size
        if batch and (len(batch) == BATCH_MAX_FILES or size + length > BATCH_MAX_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += length
    if batch:
        yield batch


def upload(site, client, session_id, paths):
    headers = {name: client.headers[name] for name in ("X-CSRFToken", "Referer")}
    return post_files(site.base_url, f"/api/imports/{session_id}/files", paths, cookies=client.cookies, headers=headers)


def post_files(base_url, url, paths, cookies=None, headers=None):
    """One multipart POST of `paths`, each file's bytes handed to the kernel with sendfile(2)."""
    boundary = uuid.uuid4().hex
    heads = [(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
              f"Content-Type: application/octet-stream\r\n\r\n").encode() for path in paths]
    tail = f"--{boundary}--\r\n".encode()
    length = sum(len(head) + path.stat().st_size + 2 for head, path in zip(heads, paths, strict=True)) + len(tail)
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=600)
    try:
        connection.putrequest("POST", url)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(length))
        if cookies:
            connection.putheader("Cookie", "; ".join(f"{name}={value}" for name, value in cookies.items()))
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        for head, path in zip(heads, paths, strict=True):
            connection.sock.sendall(head)
            with open(path, "rb") as file:
                connection.sock.sendfile(file)
            connection.sock.sendall(b"\r\n")
        connection.sock.sendall(tail)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def cpu_seconds_since(before):
    after = resource.getrusage(resource.RUSAGE_SELF)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


class EventListener:
    """Reads the session's event stream in a thread, noting when the first and the last event arrive."""

    def __init__(self, site, cookies, events_url):
        self.first_event_at = None
        self.complete_at = None
        self.done = threading.Event()
        self.open = threading.Event()
        self.thread = threading.Thread(target=self.listen, args=(site.base_url, cookies, events_url), daemon=True)
        self.thread.start()
        self.open.wait(timeout=30)

    def listen(self, base_url, cookies, events_url):
        with httpx.Client(base_url=base_url, cookies=cookies, timeout=600) as client, \
                client.stream("GET", events_url) as stream:
            for line in stream.iter_lines():
                if line.startswith("event: stream-open"):
                    self.open.set()
                elif line.startswith("event: file") and self.first_event_at is None:
                    self.first_event_at = time.perf_counter()
                elif line.startswith("event: complete"):
                    self.complete_at = time.perf_counter()
                    break
        self.done.set()

