"""Issues 4 and 17: the web import over HTTP against `manage.py import` of the same corpus.

A real uvicorn-served site (tests/live_site.LiveSite, as in the end-to-end tests) gets the corpus
the way the import page sends it: the server asked which of the files' sizes a photo has; a file
of such a size hashed (SHA-256 in two threads, as the page's workers hash on a 2-core client) and
the server asked in batches which hashes it holds; the others sent a few requests in parallel,
each with up to eight files or 32 MB (the corpus has no file big enough for the page's resumable
path). A listener on the session's Server-Sent-Event stream records when each event arrives.
Measured: the time from the files picked to the first event (goal: under a second, so the page
never shows a frozen 0/0/0), and to the `complete` event against the CLI import of the same files
into a fresh library (goal: within 1.3x). Then the same corpus again into the same site: the bytes
the client sends (goal: under 5% of the corpus) and the time (goal: at most 0.3x the first
import's).

For scale, the same uploads also go to a bare ASGI app under uvicorn that reads and drops the bodies:
the cost of moving the bytes over HTTP on this machine (client included), which no server-side work
can go below.

The client sends each file's bytes with sendfile(2) from a thread per request: the lightest sender
there is, so that on this 2-core machine the client takes as little as possible from the server it
measures (a browser runs on another machine). Its hashing is the page's own work and stays in;
its CPU time is reported too."""
import hashlib
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

PARALLEL_REQUESTS = 5  # as the import page (import.js)
BATCH_MAX_FILES = 8
BATCH_MAX_BYTES = 32 * 1024 * 1024
FIRST_EVENT_GOAL_SECONDS = 1.0
TOTAL_GOAL = 1.3
HASH_THREADS = 2
KNOWN_QUERY_MAX = 500
REIMPORT_BYTES_GOAL = 0.05
REIMPORT_TIME_GOAL = 0.3


def run(corpus, report):
    report.section(f"Web import over HTTP ({corpus.describe()})")
    corpus.warm()
    files = len(corpus.all_files)
    libraries = {}

    def fresh_library():
        libraries["root"] = new_library(report, "cli-library")
        flush_dirty_pages()

    cli = report.best_time(lambda: import_corpus(libraries["root"], corpus.root), setup=fresh_library)
    floor = report.best_time(lambda: upload_to_sink(corpus))
    client_cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    runs = [web_import(report, corpus, attempt) for attempt in range(report.repeat)]
    client_cpu = cpu_seconds_since(client_cpu_before) / len(runs)
    best = min(runs, key=lambda measured: measured["total"])
    first_event = min(measured["first_event"] for measured in runs)

    report.row("CLI import (manage.py import)", cli, "s")
    report.row("HTTP floor: same uploads, bodies dropped", floor, "s")
    report.row("web import: files picked -> complete event (hashing included)", best["total"], "s")
    report.row("web import rate", files / best["total"], "files/s")
    report.row("web import: files picked -> first event", first_event, "s")
    report.row("client CPU per web import (sender + listener)", client_cpu, "s")
    report.row("files stored by the web import", best["stored"], f"of {files}")
    again = min(runs, key=lambda measured: measured["again"])
    report.row("web re-import of the same corpus: picked -> complete event", again["again"], "s")
    report.row("bytes sent by the re-import", again["again_sent"], f"of {corpus.total_bytes}")
    report.ratio("web import / CLI import", best["total"], cli, goal=TOTAL_GOAL)
    report.ratio("web import / HTTP floor", best["total"], floor)
    report.ratio("first event / 1 s", first_event, FIRST_EVENT_GOAL_SECONDS, goal=1.0)
    report.ratio("re-import bytes sent / corpus bytes", again["again_sent"], corpus.total_bytes, goal=REIMPORT_BYTES_GOAL)
    report.ratio("re-import / first web import", again["again"], again["total"], goal=REIMPORT_TIME_GOAL)
    if best["stored"] != files:
        report.goals_missed.append(f"web import stored {best['stored']} of {files} files")


def web_import(report, corpus, attempt):
    """The whole corpus into a fresh site, then again into the same site; returns their timings."""
    root = report.workdir(f"web-{attempt}") / "library"
    root.mkdir()
    site = LiveSite(root).prepare().start_web()
    try:
        flush_dirty_pages()
        client = site.client()
        first = import_as_the_page_does(site, client, corpus)
        stored = count_library_files(root)
        again = import_as_the_page_does(site, client, corpus)
        client.close()
    finally:
        site.stop()
    if again["duplicates"] != len(corpus.all_files):
        raise RuntimeError(f"the re-import found {again['duplicates']} of {len(corpus.all_files)} files known")
    return {"total": first["total"], "first_event": first["first_event"], "stored": stored,
            "again": again["total"], "again_sent": again["sent"]}


def import_as_the_page_does(site, client, corpus):
    """One session: files of a size no photo has are sent at once; the others hashed in HASH_THREADS
    threads and, as hashes come, the server asked which it holds (one question at a time, batching
    what is ready meanwhile); the rest sent in batches."""
    session = client.post("/api/imports/").json()
    listener = EventListener(site, client.cookies, session["events_url"])
    started = time.perf_counter()
    sent, duplicates, answers = 0, 0, []
    sizes = {path: path.stat().st_size for path in corpus.all_files}
    response = client.post(f"/api/imports/{session['id']}/sizes", json={"sizes": sorted(set(sizes.values()))})
    response.raise_for_status()
    sent += len(response.request.content)
    held = set(response.json()["held"])
    with ThreadPoolExecutor(HASH_THREADS) as hashers, ThreadPoolExecutor(PARALLEL_REQUESTS) as senders:
        new = [(path, "") for path in corpus.all_files if sizes[path] not in held]
        for batch in batches(new, first=1):
            sent += sum(sizes[path] for path, _sha256 in batch)
            answers.append(senders.submit(upload, site, client, session["id"], batch))
        hashing = [hashers.submit(lambda path: (path, file_sha256(path)), path)
                   for path in corpus.all_files if sizes[path] in held]
        while hashing:
            ready = [hashing.pop(0).result()]
            while hashing and hashing[0].done() and len(ready) < KNOWN_QUERY_MAX:
                ready.append(hashing.pop(0).result())
            question = {"files": [{"name": path.name, "sha256": sha256} for path, sha256 in ready]}
            response = client.post(f"/api/imports/{session['id']}/known", json=question)
            response.raise_for_status()
            sent += len(response.request.content)
            results = response.json()["results"]
            duplicates += sum(result is not None for result in results)
            unknown = [item for item, result in zip(ready, results, strict=True) if result is None]
            for batch in batches(unknown):
                sent += sum(path.stat().st_size for path, _sha256 in batch)
                answers.append(senders.submit(upload, site, client, session["id"], batch))
        statuses = [answer.result() for answer in answers]
    client.post(f"/api/imports/{session['id']}/finish").raise_for_status()
    listener.done.wait(timeout=600)
    if any(status != 200 for status in statuses) or listener.complete_at is None:
        raise RuntimeError(f"web import failed: statuses {set(statuses)}, complete event seen: {listener.complete_at}")
    return {"total": listener.complete_at - started, "first_event": (listener.first_event_at or started) - started,
            "sent": sent, "duplicates": duplicates}


def file_sha256(path):
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def upload_to_sink(corpus):
    """The corpus uploaded as the page would, to `discard_body` served by uvicorn."""
    files = [(path, "") for path in corpus.all_files]
    with uvicorn(["bench.bench_web_import:discard_body"], django_env()) as base_url, \
            ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:
        list(pool.map(lambda batch: post_files(base_url, "/", batch), batches(files)))


async def discard_body(scope, receive, send):
    """A bare ASGI app: reads a request's body and drops it."""
    if scope["type"] != "http":
        return
    message = {"more_body": True}
    while message.get("more_body"):
        message = await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def batches(files, first=BATCH_MAX_FILES):
    """(path, sha256) pairs grouped the way the import page groups them (its first request of a
    session carries one file: `first=1`)."""
    batch, size, most = [], 0, first
    for path, sha256 in files:
        length = path.stat().st_size
        if batch and (len(batch) == most or size + length > BATCH_MAX_BYTES):
            most = BATCH_MAX_FILES
            yield batch
            batch, size = [], 0
        batch.append((path, sha256))
        size += length
    if batch:
        yield batch


def upload(site, client, session_id, files):
    headers = {name: client.headers[name] for name in ("X-CSRFToken", "Referer")}
    return post_files(site.base_url, f"/api/imports/{session_id}/files", files, cookies=client.cookies, headers=headers)


def post_files(base_url, url, files, cookies=None, headers=None):
    """One multipart POST of `files` ((path, sha256) pairs; the page sends each file's hash beside
    it), each file's bytes handed to the kernel with sendfile(2)."""
    boundary = uuid.uuid4().hex
    paths = [path for path, _sha256 in files]
    heads = [(f'--{boundary}\r\nContent-Disposition: form-data; name="sha256"\r\n\r\n{sha256}\r\n'
              f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
              f"Content-Type: application/octet-stream\r\n\r\n").encode() for path, sha256 in files]
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

