"""Issue 12: what a thousand idle import event streams cost the uvicorn process.

A real uvicorn-served site (tests/live_site.LiveSite) gets 1,000 streams, 20 per user (the
per-user cap) from 50 users, each read up to its `stream-open` event and then left idle. The
web process's thread count and resident memory (/proc/<pid>/status) are recorded before, while
they are open (and after an upload reached them all), and after they closed. A stream is a
coroutine waiting on an asyncio event, so the thread count must not grow with them (goal: at
most 10 threads more while they are open) and most of the memory must come back when they close.

Runs without the corpus: `.venv/bin/python -m bench.bench_event_streams`."""
import asyncio
import sys
import time
from pathlib import Path

import httpx

from bench.run import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tests"))
from live_site import LiveSite

USERS = 50
PER_USER = 20
PASSWORD = "bench-password-123"


def figures(pid):
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(status["Threads"]), int(status["VmRSS"].split()[0]) / 1024


async def open_streams(site, clients, sessions):
    pool = [httpx.AsyncClient(base_url=site.base_url, cookies=dict(client.cookies), timeout=60,
                              limits=httpx.Limits(max_connections=PER_USER + 5, max_keepalive_connections=0))
            for client in clients]
    streams = [async_client.stream("GET", session["events_url"])
               for async_client, session in zip(pool, sessions, strict=True) for _ in range(PER_USER)]
    responses = await asyncio.gather(*(stream.__aenter__() for stream in streams))
    await asyncio.gather(*(anext(response.aiter_text()) for response in responses))
    return pool, streams, responses


async def scenario(site, clients, sessions, upload):
    measured = {"before": figures(site.web.pid)}
    pool, streams, responses = await open_streams(site, clients, sessions)
    assert [r.status_code for r in responses] == [200] * len(responses)
    measured["open"] = figures(site.web.pid)
    started = time.monotonic()
    answer = await asyncio.to_thread(clients[0].post, f"/api/imports/{sessions[0]['id']}/files",
                                     files=[("file", ("bench.jpg", upload, "image/jpeg"))])
    measured["upload with them open, s"] = time.monotonic() - started
    assert answer.status_code == 200, answer.text
    await asyncio.gather(*(stream.__aexit__(None, None, None) for stream in streams))
    await asyncio.gather(*(client.aclose() for client in pool))
    await asyncio.sleep(3)
    measured["closed"] = figures(site.web.pid)
    return measured


def run(corpus, report):
    report.section(f"{USERS * PER_USER} idle event streams (uvicorn process)")
    site = LiveSite(report.workdir("event-streams") / "library").prepare()
    site.manage("shell", "-c", "from django.contrib.auth.models import User\n" + "".join(
        f"User.objects.create_user('bench{i}', password='{PASSWORD}')\n" for i in range(USERS)))
    site.start_web()
    try:
        clients = [site.client(f"bench{i}", PASSWORD) for i in range(USERS)]
        sessions = [client.post("/api/imports/").json() for client in clients]
        # Not a photo: its "failed" outcome is an event like any other, sent to 20 of the streams.
        measured = asyncio.run(scenario(site, clients, sessions, b"not a photo"))
    finally:
        site.stop()
    for moment in ("before", "open", "closed"):
        threads, rss = measured[moment]
        report.row(f"threads, {moment}", threads)
        report.row(f"RSS, {moment}", rss, "MB")
    report.row("upload with them open", measured["upload with them open, s"], "s")
    report.ratio("threads open / before", measured["open"][0], measured["before"][0],
                 goal=(measured["before"][0] + 10) / measured["before"][0])


if __name__ == "__main__":
    from bench.run import Report

    run(None, Report("event_streams", repeat=1))
