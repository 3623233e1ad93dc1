"""First plays over the real uvicorn server, two web processes: players asking at once for a
video with no rendition, whichever process answers them, share one ffmpeg run — each follows
the same growing copy — and the next play is the stored rendition with Range requests."""
import threading

import pytest

import factories
from live_site import LiveSite

pytestmark = [pytest.mark.slow, pytest.mark.outside_database]


@pytest.fixture
def site(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    factories.make_camera_video(media, "iphone-hevc-10bit-hdr", seconds=4, width=640, height=360)
    site = LiveSite(tmp_path / "library")
    site.root.mkdir()
    try:
        site.prepare()
        site.manage("import", "--no-progress", str(media))
        yield site.start_web(workers=2)
    finally:
        site.stop()


def test_players_asking_at_once_share_one_rendition(site):
    # given four players, each on its own connection
    clients = [site.client() for _ in range(4)]
    bodies, headers = [None] * 4, [None] * 4

    def play(index):
        with clients[index].stream("GET", "/api/photo/1/video") as response:
            headers[index] = response.headers
            bodies[index] = response.read()

    # when they all start at once
    threads = [threading.Thread(target=play, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then every one got the streamed rendition, the same bytes, from one ffmpeg run
    assert all(h["content-type"] == "video/mp4" and h["cache-control"] == "no-store" for h in headers)
    assert len(set(bodies)) == 1 and bodies[0][4:8] == b"ftyp" and b"moof" in bodies[0]
    generations = site.manage("shell", "-c", "from thumbnails.models import Rendition; "
                                             "print(Rendition.objects.get(spec='v1080-h264-v1').generations)")
    assert generations.stdout.strip().splitlines()[-1] == "1"
    # and the next play is the stored file, with ranges
    stored = clients[0].get("/api/photo/1/video", headers={"Range": "bytes=0-99"})
    assert stored.status_code == 206 and len(stored.content) == 100
    assert stored.headers["content-range"].startswith("bytes 0-99/")
    for client in clients:
        client.close()
