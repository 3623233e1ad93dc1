"""Issue 22: six thumbnails of 100-megapixel hostile files made at once over the live server
stay within a memory budget, and the memory goes back afterwards.

The files are a few hundred kilobytes each (one colour compresses well) but decode to 100 to
400 MB: 16-bit grey, palette with transparency, RGBA and grey with alpha PNGs, 16-bit grey and
palette TIFFs. The web server's high-water mark (VmHWM) says its peak without sampling; the
thumbnails are made in its own threads (no child processes for photos)."""
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image
from test_thumbnail_concurrency import shell_output

import factories
from live_site import running_site
from polling import wait_for

# Its subject is the web process's memory, whatever the database: a site of its own on SQLite, run once in CI.
pytestmark = [pytest.mark.slow, pytest.mark.outside_database]

SIDE = 10_000  # 100 megapixels
PEAK_GROWTH_LIMIT_MB = 600
SETTLED_LIMIT_MB = 150


def palette():
    image = Image.new("P", (SIDE, SIDE), 1)
    image.putpalette([0, 0, 0, 200, 30, 30])
    return image


FAST_PNG = {"compress_level": 1}
DEFLATED_TIFF = {"compression": "tiff_adobe_deflate"}
# name: (how the picture is made, how it is saved)
HOSTILE = {
    "grey16.png": (lambda: Image.new("I;16", (SIDE, SIDE), 30000), FAST_PNG),
    "palette.png": (palette, {**FAST_PNG, "transparency": 0}),
    "rgba.png": (lambda: Image.new("RGBA", (SIDE, SIDE), (10, 200, 10, 128)), FAST_PNG),
    "grey-alpha.png": (lambda: Image.new("LA", (SIDE, SIDE), (128, 200)), FAST_PNG),
    "grey16.tif": (lambda: Image.new("I;16B", (SIDE, SIDE), 30000), DEFLATED_TIFF),
    "palette.tif": (palette, DEFLATED_TIFF),
}


def make_hostile_files(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = []
    for name, (make, options) in HOSTILE.items():
        with make() as image:
            image.save(folder / name, **options)
        paths.append(folder / name)
    return paths


def memory_mb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of the process, and the resident memory of its children, in MB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    children = [int(child) for task in Path(f"/proc/{pid}/task").iterdir() for child in children_of(task)]
    return {"rss": int(status["VmRSS"].split()[0]) // 1024, "hwm": int(status["VmHWM"].split()[0]) // 1024,
            "children": sum(resident_mb(child) for child in children)}


def children_of(task: Path) -> list[str]:
    """The child processes a thread started; none from a thread that ended while it was listed
    (the server's threads come and go as it works)."""
    try:
        return (task / "children").read_text().split()
    except FileNotFoundError:
        return []


def resident_mb(pid: int) -> int:
    """What the process and its children hold now."""
    memory = memory_mb(pid)
    return memory["rss"] + memory["children"]


def test_six_100_megapixel_thumbnails_at_once_stay_within_the_memory_budget(tmp_path):
    # given six hostile 100 MP files and a small photo in the live site's library
    hostile = make_hostile_files(tmp_path / "hostile")
    warm_up = factories.make_jpeg(tmp_path / "warm-up.jpg", 640, 480)
    with running_site(tmp_path / "library", database_url="sqlite", imports=[*hostile, warm_up]) as site:
        ids = dict(line.split("=") for line in shell_output(
            site, "from library.models import Photo; "
                  "print(' '.join(f'{p.original_name}={p.pk}' for p in Photo.objects.all()))").split())
        assert set(ids) == {path.name for path in [*hostile, warm_up]}
        client = site.client()
        assert client.get(f"/api/photo/{ids['warm-up.jpg']}/thumbnail").status_code == 200  # code paths loaded
        pid = site.web.pid
        start = memory_mb(pid)
        # when their thumbnails are asked for all at once
        with ThreadPoolExecutor(len(hostile)) as pool:
            responses = list(pool.map(lambda path: client.get(f"/api/photo/{ids[path.name]}/thumbnail"), hostile))
        peak = memory_mb(pid)
        # then each is a real thumbnail
        assert [response.status_code for response in responses] == [200] * len(hostile)
        assert not [response for response in responses if "X-Thumbnail-Placeholder" in response.headers]
        # and the server's peak grew by at most 600 MB
        growth = peak["hwm"] - start["rss"]
        assert growth <= PEAK_GROWTH_LIMIT_MB, f"peak resident memory grew by {growth} MB (start {start}, after {peak})"
        # and its memory goes back to within 150 MB of the start
        settled = start["rss"] + start["children"] + SETTLED_LIMIT_MB
        wait_for(lambda: resident_mb(pid) <= settled, 30, f"resident memory back within {SETTLED_LIMIT_MB} MB "
                 f"of the start ({start}; now {memory_mb(pid)})")
        client.close()
