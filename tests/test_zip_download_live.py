"""The ZIP download through uvicorn: a file that vanishes from the library after the length was
promised ends the response short of it, so the client sees a failed download (never an archive
that looks whole), and the server logs why."""
import re
from contextlib import closing
from datetime import datetime

import httpx
import pytest

import factories
from live_site import running_site
from polling import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.outside_database]

BIG_BYTES = 24 * 1024 * 1024  # more than the sockets' buffers hold, so the stream is still in the first file


@pytest.fixture
def site(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    factories.padded_jpeg(factories.make_jpeg(media / "big.jpg", taken=datetime(2024, 5, 2, 9, 0)), BIG_BYTES)
    factories.make_jpeg(media / "small.jpg", taken=datetime(2024, 5, 1, 9, 0))
    with running_site(tmp_path / "library", database_url="sqlite", imports=[media]) as site:
        yield site


def library_file_of_size(root, size):
    return next(path for path in root.rglob("*.jpg") if ".thumbnails" not in path.parts and path.stat().st_size == size)


def test_a_file_vanishing_mid_download_fails_the_download(site, tmp_path):
    # given the two photos, the big one first
    small_size = (tmp_path / "media" / "small.jpg").stat().st_size
    with closing(site.client()) as client:
        ids = [int(found) for found in re.findall(r'data-id="(\d+)"', client.get("/").text)]
        assert len(ids) == 2
        promised = client.get("/download/size", params={"ids": ",".join(map(str, ids))}).json()["bytes"]
        # when the download has begun and the small photo's file then vanishes
        received = 0
        with pytest.raises(httpx.RemoteProtocolError), client.stream("POST", "/download/", data={"ids": ids}) as response:
            assert int(response.headers["Content-Length"]) == promised
            for chunk in response.iter_bytes():
                if received == 0:
                    library_file_of_size(site.root, small_size).unlink()
                received += len(chunk)
    # then less than promised arrived, the connection was closed, and the log says why
    assert received < promised
    log = site.log_dir / "web.log"
    wait_for(lambda: "A ZIP download was cut short" in log.read_text(errors="replace"))
