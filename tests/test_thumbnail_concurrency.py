"""One generation for many simultaneous requests: threads in two separate processes and the
real uvicorn-served site all ask for the same missing thumbnail at the same moment."""
import hashlib
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import factories
from live_site import PROJECT_DIR

THREADS_PER_PROCESS = 6
HTTP_REQUESTS = 8

RACE_SCRIPT = """
import hashlib, threading, time
from library.models import Photo
from thumbnails import store, thumbnail_renditions
from thumbnails.specs import ThumbnailSpec
TILE = ThumbnailSpec.for_size("400", "jpeg")  # what the HTTP client, accepting */*, is served
photo = Photo.objects.get()
digests = []
def ask():
    time.sleep(max(0, {start_at} - time.time()))
    thumbnail_renditions.ensure(photo, TILE)
    digests.append(hashlib.sha256(store.Entry(photo, TILE).read()).hexdigest())
threads = [threading.Thread(target=ask) for _ in range({threads})]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
print("\\n".join(digests))  # after the joins: lines printed from several threads can run together
"""


@pytest.mark.slow
def test_simultaneous_requests_across_processes_make_one_thumbnail(live_site, media_dir):
    # given a 12 MP photo in the live site's library, its thumbnail not made yet
    source = factories.make_noisy_jpeg(media_dir / "big.jpg", 4000, 3000, orientation=6)
    live_site.manage("import", "--no-progress", str(source))
    photo_id = int(shell_output(live_site, "from library.models import Photo; print(Photo.objects.get().pk)"))
    start_at = time.time() + 5
    # when two processes with several threads each, and the web server, ask at the same moment
    script = RACE_SCRIPT.format(start_at=start_at, threads=THREADS_PER_PROCESS)
    racers = [subprocess.Popen([sys.executable, "manage.py", "shell", "-c", script], cwd=PROJECT_DIR,
                               env=live_site.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    try:
        client = live_site.client()
        with ThreadPoolExecutor(HTTP_REQUESTS) as pool:
            time.sleep(max(0, start_at - time.time()))
            responses = list(pool.map(lambda _: client.get(f"/api/photo/{photo_id}/thumbnail"), range(HTTP_REQUESTS)))
        client.close()
        outputs = [racer.communicate(timeout=120) for racer in racers]
    finally:
        for racer in racers:
            if racer.poll() is None:
                racer.kill()
    # then every asker got the same thumbnail, and it was made exactly once
    assert all(racer.returncode == 0 for racer in racers), outputs
    digests = [line for stdout, _ in outputs for line in stdout.split() if len(line) == 64]
    digests += [hashlib.sha256(response.content).hexdigest() for response in responses]
    assert len(digests) == 2 * THREADS_PER_PROCESS + HTTP_REQUESTS
    assert len(set(digests)) == 1
    assert all("X-Thumbnail-Placeholder" not in response.headers for response in responses)
    generations = shell_output(live_site, "from thumbnails.models import Rendition; "
                               "print(Rendition.objects.get().generations)")
    assert generations == "1"
    assert (live_site.root / ".logs" / "photosite.log").read_text().count("Thumbnail made") == 1


def shell_output(site, code):
    """The last line `manage.py shell -c` printed (Django 5.2 first announces its auto-imports)."""
    return site.manage("shell", "-c", code).stdout.strip().splitlines()[-1]
