"""Making thumbnails never holds up serving, over the real uvicorn server: while six slow
thumbnails are made at once, an original downloads and an import's event stream opens within the
issue's half second (both used to wait, in the event loop's shared thread pool, for a thumbnail
to finish first: 12.5 s for the download)."""
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import httpx
import pytest
from PIL import Image
from test_web_import import STREAM_TIMEOUT_SECONDS, new_session, parse_sse, upload

import factories
from live_site import running_site
from polling import wait_for

# Its subject is the server's threads, whatever the database: a site of its own on SQLite, run once in CI
# (test_database_pool_live covers a pooled PostgreSQL connection while thumbnails are made).
pytestmark = [pytest.mark.slow, pytest.mark.outside_database]

ANSWERS_WITHIN_SECONDS = 0.5
SAMPLES = 3  # of each answer timed
# Six thumbnails of one big photo, each its own (size, format): six generations at once.
SLOW_THUMBNAILS = [(size, accept) for size in ("400", "800", "preview") for accept in ("image/webp", "image/jpeg")]
# A 48-MP PNG: decoded whole (no draft scaling as for a JPEG), about a second per thumbnail.
BIG_PNG_SIZE = (8000, 6000)


def make_slow_png(path):
    """A PNG that takes its decoder a while: big, and smooth enough to stay a few dozen megabytes."""
    width, height = BIG_PNG_SIZE
    random.seed(22)
    coarse = Image.frombytes("RGB", (width // 16, height // 16), random.randbytes(width // 16 * height // 16 * 3))
    coarse.resize(BIG_PNG_SIZE, Image.Resampling.BILINEAR).save(path, compress_level=1)
    return path


def test_an_original_and_an_event_stream_answer_while_six_thumbnails_are_made(tmp_path, media_dir):
    # given a site holding a big PNG (no thumbnail made yet), and a small photo from a web import
    big = make_slow_png(media_dir / "big.png")
    with (running_site(tmp_path / "library", database_url="sqlite", imports=[big]) as site,
          closing(site.client()) as client):
        session = new_session(client)
        assert upload(client, session, factories.make_jpeg(media_dir / "small.jpg")).status_code == 200
        ids = photo_ids(site)
        # when the six thumbnails are asked for at once, and while they are made the original is
        # downloaded and the session's event stream opened, a few times over
        with ThreadPoolExecutor(len(SLOW_THUMBNAILS)) as pool:
            thumbnails = [pool.submit(client.get, f"/api/photo/{ids['big.png']}/thumbnail", params={"size": size},
                                      headers={"Accept": accept}, timeout=120)
                          for size, accept in SLOW_THUMBNAILS]
            wait_for(lambda: making_a_thumbnail(site, ids["big.png"]), 60, "a thumbnail of big.png being made")
            downloads = [seconds_to_download(client, ids["small.jpg"]) for _ in range(SAMPLES)]
            streams = [seconds_to_first_event(client, session["events_url"]) for _ in range(SAMPLES)]
            sampled_while_making = not all(thumbnail.done() for thumbnail in thumbnails)
        made = [thumbnail.result() for thumbnail in thumbnails]
    # then neither the download nor the stream waited for the thumbnails, which were still being made
    assert max(downloads) < ANSWERS_WITHIN_SECONDS, downloads
    assert max(streams) < ANSWERS_WITHIN_SECONDS, streams
    assert sampled_while_making
    assert all(response.status_code == 200 and "X-Thumbnail-Placeholder" not in response.headers
               for response in made)


def photo_ids(site) -> dict[str, int]:
    output = site.manage("shell", "-c", "import json; from library.models import Photo; "
                                        "print(json.dumps(dict(Photo.objects.values_list('original_name', 'pk'))))")
    return json.loads(output.stdout.strip().splitlines()[-1])


def making_a_thumbnail(site, photo_id) -> bool:
    """Whether the site is making a thumbnail of the photo now (its row claimed): by then the
    requests have passed Django's middleware, and only their thumbnails are left to make."""
    output = site.manage("shell", "-c", "from django.utils import timezone; from thumbnails.models import Rendition; "
                                        f"print(Rendition.objects.filter(photo_id={photo_id}, "
                                        "claimed_until__gt=timezone.now()).exists())")
    return output.stdout.strip().splitlines()[-1] == "True"


def seconds_to_download(client, photo_id) -> float:
    started = time.monotonic()
    response = client.get(f"/photo/{photo_id}/original", params={"download": "1"})
    assert response.status_code == 200
    return time.monotonic() - started


def seconds_to_first_event(client, events_url) -> float:
    """Until the stream's first event after its opening (the session's history, read from the
    database in the loop's pool)."""
    started = time.monotonic()
    with client.stream("GET", events_url, timeout=httpx.Timeout(STREAM_TIMEOUT_SECONDS)) as stream:
        events = parse_sse(stream.iter_lines())
        assert next(events)["event"] == "stream-open"
        next(events)
    return time.monotonic() - started
