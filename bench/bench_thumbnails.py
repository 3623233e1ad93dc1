"""Issue 5: thumbnails against their peers and floors, measured in the same run.

- Photos: ms per 12 MP JPEG (with EXIF orientation) for our generator; sorl-thumbnail,
  easy-thumbnails and django-imagekit making the same 400-px-high JPEG (quality 82, upright);
  and the floor, Pillow merely decoding the file at 1/8 scale (`draft`). Goals: at least 3x
  faster than the fastest peer, within 1.5x of the floor. Also our generator making the WebP
  that browsers are served (thumbnails.formats), against the same floor and goal.
- Raw and JPEG XL (issue 14), on files made from the corpus's first JPEGs: a 12 MP DNG whose
  embedded preview is that JPEG (as cameras embed a full-size one), our thumbnail against
  decoding the preview alone at the needed scale (bytes already in memory, `draft`); goal within
  1.5x. The same DNG without a preview (LibRaw's half-size demosaic) is shown, without a goal.
  The JPEG re-encoded as JPEG XL: our thumbnail against pillow-jxl decoding it alone; goal 1.5x.
- Videos: our generator against the bare `ffmpeg -ss S -i F -frames:v 1 -vf scale=-2:400 out.jpg`
  extracting the same frame. Goal: within 1.2x.
- Cache hits: requests/s of the thumbnail URL on a running uvicorn (logged-in session, the
  content-addressed URL) answered by the fast path (thumbnails/fast_path.py), and by the Django
  view on a second server with PHOTOSITE_THUMBNAIL_FAST_PATH=0, against the same bytes served
  by a tiny static-file ASGI app on the same uvicorn (the least an ASGI server can do per
  request) and by Django's own static handler (`/static/`). Load from ApacheBench (`ab -k`)
  when installed, else a small asyncio client. Goal: the fast path within 1.5x of the static app.

Peers and generators run in a subprocess with its own minimal Django settings (the peers need
their apps installed; the site must not). Run with bench/run.py, or alone:
`python -m bench.bench_thumbnails [--small]`."""
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.run import PYTHON, REPO_ROOT, django_env, manage, new_library

sys.path.insert(0, str(REPO_ROOT / "tests"))
from live_site import uvicorn

PHOTO_GOAL_VS_PEER = 1 / 3
PHOTO_GOAL_VS_FLOOR = 1.5
VIDEO_GOAL = 1.2
HIT_GOAL = 1.5
RAW_PREVIEW_GOAL = 1.5
JXL_GOAL = 1.5
FORMAT_FILES = 3
PHOTOS_MEASURED = 12
HEIGHT = 400
QUALITY = 82
HIT_REQUESTS = 4000
HIT_CONCURRENCY = 8
GOAL_ROUNDS = 4


def run(corpus, report):
    corpus.warm()
    photo_figures(corpus, report)
    raw_and_jxl_figures(corpus, report)
    video_figures(corpus, report)
    cache_hit_figures(corpus, report)


# -- photos and videos (measured in a worker subprocess) -------------------------------------

def photo_figures(corpus, report):
    photos = corpus.photos[:PHOTOS_MEASURED]
    report.section(f"Photo thumbnails: ms per 12 MP JPEG ({len(photos)} photos, best of {report.repeat})")
    timings = worker(report, "photos", photos)
    for label in ("ours", "ours, WebP", "sorl-thumbnail", "easy-thumbnails", "django-imagekit",
                  "floor: draft 1/8 decode"):
        report.row(label, timings[label], "ms")
    fastest_peer = min(timings[peer] for peer in ("sorl-thumbnail", "easy-thumbnails", "django-imagekit"))
    report.ratio("ours / fastest peer", timings["ours"], fastest_peer, goal=PHOTO_GOAL_VS_PEER)
    report.ratio("ours / floor", timings["ours"], timings["floor: draft 1/8 decode"], goal=PHOTO_GOAL_VS_FLOOR)
    report.ratio("ours, WebP / floor", timings["ours, WebP"], timings["floor: draft 1/8 decode"],
                 goal=PHOTO_GOAL_VS_FLOOR)


def raw_and_jxl_figures(corpus, report):
    sources = corpus.photos[:1 if report.small else FORMAT_FILES]
    folder = report.workdir("raw-and-jxl")
    raws, jxls = worker(report, "make-formats", [folder, *sources])
    report.section(f"Raw thumbnails: ms per 12 MP DNG with a full-size preview ({len(raws)} files, "
                   f"best of {report.repeat})")
    timings = worker(report, "raw", raws)
    for label in ("ours, from the preview", "floor: preview decode at the needed scale",
                  "ours, the preview as a JPEG of its own", "ours, no preview: half-size demosaic"):
        report.row(label, timings[label], "ms")
    report.ratio("ours from the preview / preview decode", timings["ours, from the preview"],
                 timings["floor: preview decode at the needed scale"], goal=RAW_PREVIEW_GOAL)
    report.ratio("  (the preview as a JPEG / preview decode)", timings["ours, the preview as a JPEG of its own"],
                 timings["floor: preview decode at the needed scale"])
    report.section(f"JPEG XL thumbnails: ms per 12 MP JPEG XL ({len(jxls)} files, best of {report.repeat})")
    timings = worker(report, "jxl", jxls)
    for label in ("ours", "floor: pillow-jxl decode"):
        report.row(label, timings[label], "ms")
    report.ratio("ours / decode alone", timings["ours"], timings["floor: pillow-jxl decode"], goal=JXL_GOAL)


def make_format_files(folder, sources):
    """A DNG with the JPEG as its preview (and that JPEG beside it), the same DNG without one, and the
    JPEG's pixels as JPEG XL
    (quality 90, libjxl effort 3), for each source; prints the two lists as JSON."""
    import numpy as np
    import pillow_jxl  # noqa: F401 - registers the JPEG XL plugin
    from PIL import Image

    from format_factories import dng_bytes

    raws, jxls = [], []
    for index, source in enumerate(sources):
        jpeg = source.read_bytes()
        with Image.open(source) as image:
            size, pixels = image.size, image.convert("RGB")
        width, height = size[0] // 2 * 2, size[1] // 2 * 2
        mosaic = np.random.default_rng(index).integers(0, 4095, (height, width), dtype=np.uint16).tobytes()
        raw = folder / f"raw{index}.dng"
        raw.write_bytes(dng_bytes((width, height), mosaic, jpeg, size, 1, "Bench", "DNG", "2024:01:31 10:00:00"))
        raw.with_name(f"raw{index}-preview.jpg").write_bytes(jpeg)
        raw.with_name(f"raw{index}-no-preview.dng").write_bytes(
            dng_bytes((width, height), mosaic, None, None, 1, "Bench", "DNG", "2024:01:31 10:00:00"))
        jxl = folder / f"photo{index}.jxl"
        pixels.save(jxl, "JXL", quality=90, effort=3)
        raws.append(str(raw))
        jxls.append(str(jxl))
    print(json.dumps([raws, jxls]))


def raw_contenders():
    import io

    import rawpy
    from PIL import Image

    from thumbnails.generators.encoding import fitted_size
    from thumbnails.generators.photo import generate_photo_thumbnail
    from thumbnails.specs import ThumbnailSpec

    spec = ThumbnailSpec.for_size(str(HEIGHT), "webp")  # what browsers are served
    previews = {}

    def floor(path):
        if path not in previews:  # read once, untimed in effect: the floor is the decode alone
            with rawpy.imread(str(path)) as raw:
                previews[path] = raw.extract_thumb().data
        with Image.open(io.BytesIO(previews[path])) as image:
            image.draft("RGB", fitted_size(image.size, spec.box))
            image.load()

    return {
        "ours, from the preview": lambda path: generate_photo_thumbnail(path, spec),
        "floor: preview decode at the needed scale": floor,
        "ours, the preview as a JPEG of its own": lambda path: generate_photo_thumbnail(
            path.with_name(f"{path.stem}-preview.jpg"), spec),
        "ours, no preview: half-size demosaic": lambda path: generate_photo_thumbnail(
            path.with_name(f"{path.stem}-no-preview.dng"), spec),
    }


def jxl_contenders():
    from PIL import Image

    from thumbnails.generators.photo import generate_photo_thumbnail
    from thumbnails.specs import ThumbnailSpec

    spec = ThumbnailSpec.for_size(str(HEIGHT), "webp")

    def floor(path):
        with Image.open(path) as image:  # pillow-jxl decodes the whole picture here
            image.load()

    return {"ours": lambda path: generate_photo_thumbnail(path, spec), "floor: pillow-jxl decode": floor}


def video_figures(corpus, report):
    report.section(f"Video thumbnails: ms per video ({len(corpus.videos)} videos, best of {report.repeat})")
    timings = worker(report, "videos", corpus.videos)
    report.row("ours", timings["ours"], "ms")
    report.row("bare ffmpeg, same frame", timings["bare ffmpeg"], "ms")
    report.ratio("ours / bare ffmpeg", timings["ours"], timings["bare ffmpeg"], goal=VIDEO_GOAL)


def worker(report, kind, paths):
    scratch = report.workdir(f"worker-{kind}")
    completed = subprocess.run(
        [PYTHON, "-m", "bench.bench_thumbnails", "--worker", kind, "--repeat", str(report.repeat),
         "--scratch", str(scratch), *map(str, paths)],
        cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True,
        timeout=3600, check=False,
    )
    if completed.returncode:
        raise RuntimeError(f"thumbnail bench worker failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def worker_main(kind, paths, repeat, scratch):
    """Per contender, the best over `repeat` rounds of its mean time per file. Contenders take
    turns file by file (in a rotating order), so a noisy neighbour slows them all alike."""
    configure_peers(scratch)
    if kind == "make-formats":
        make_format_files(paths[0], paths[1:])
        return
    contenders = {"photos": lambda: photo_contenders(scratch), "videos": lambda: video_contenders(scratch),
                  "raw": raw_contenders, "jxl": jxl_contenders}[kind]()
    for make in contenders.values():
        make(paths[0])  # warm imports and caches, untimed
    best = dict.fromkeys(contenders, float("inf"))
    labels = list(contenders)
    for round_number in range(repeat):
        totals = dict.fromkeys(contenders, 0.0)
        for index, path in enumerate(paths):
            shift = (round_number + index) % len(labels)
            for label in labels[shift:] + labels[:shift]:
                started = time.perf_counter()
                contenders[label](path)
                totals[label] += time.perf_counter() - started
        best = {label: min(best[label], totals[label]) for label in labels}
    print(json.dumps({label: total / len(paths) * 1000 for label, total in best.items()}))


def configure_peers(scratch):
    import django
    from django.conf import settings

    media = scratch / "media"
    media.mkdir()
    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "sorl.thumbnail", "easy_thumbnails", "imagekit"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        MEDIA_ROOT=str(media), MEDIA_URL="/media/",
        THUMBNAIL_KVSTORE="sorl.thumbnail.kvstores.dbm_kvstore.KVStore",
        THUMBNAIL_DBM_FILE=str(scratch / "sorl-kvstore"),
        THUMBNAIL_QUALITY=QUALITY,
        PHOTOSITE_MAX_IMAGE_PIXELS=500_000_000,
    )
    django.setup()


def photo_contenders(scratch):
    from PIL import Image

    from thumbnails.generators.photo import generate_photo_thumbnail
    from thumbnails.specs import ThumbnailSpec

    spec = ThumbnailSpec.for_size(str(HEIGHT), "jpeg")  # what the peers make
    webp = ThumbnailSpec.for_size(str(HEIGHT), "webp")

    def floor(path):
        with Image.open(path) as image:
            image.draft("RGB", (image.width // 8, image.height // 8))
            image.load()

    return {
        "ours": lambda path: generate_photo_thumbnail(path, spec),
        "ours, WebP": lambda path: generate_photo_thumbnail(path, webp),
        "sorl-thumbnail": sorl_contender(scratch),
        "easy-thumbnails": easy_thumbnails_contender(),
        "django-imagekit": imagekit_contender(),
        "floor: draft 1/8 decode": floor,
    }


def sorl_contender(scratch):
    """sorl's public API (`get_thumbnail`), its key-value store emptied first so it always generates."""
    from sorl.thumbnail import default, get_thumbnail

    sources = scratch / "media" / "sources"
    sources.mkdir()

    def make(path):
        link = sources / path.name
        if not link.exists():
            link.symlink_to(path)
        default.kvstore.clear()
        shutil.rmtree(scratch / "media" / "cache", ignore_errors=True)
        get_thumbnail(f"sources/{path.name}", f"x{HEIGHT}", quality=QUALITY, format="JPEG")

    return make


def easy_thumbnails_contender():
    from easy_thumbnails.files import get_thumbnailer

    def make(path):
        with open(path, "rb") as source:
            get_thumbnailer(source, relative_name=path.name).generate_thumbnail(
                {"size": (0, HEIGHT), "quality": QUALITY})

    return make


def imagekit_contender():
    from django.core.files import File
    from imagekit import ImageSpec
    from imagekit.processors import ResizeToFit, Transpose

    class Tile(ImageSpec):
        processors = [Transpose(), ResizeToFit(width=4 * HEIGHT, height=HEIGHT, upscale=False)]
        format = "JPEG"
        options = {"quality": QUALITY}

    def make(path):
        with open(path, "rb") as source:
            Tile(source=File(source, name=path.name)).generate().read()

    return make


def video_contenders(scratch):
    from library.media.ffmpeg_binaries import ffmpeg_path
    from thumbnails.generators.video import generate_video_thumbnail, seek_seconds
    from thumbnails.specs import ThumbnailSpec

    spec = ThumbnailSpec.for_size(str(HEIGHT), "jpeg")  # what the bare ffmpeg command writes
    durations = {}

    def duration(path):
        if path not in durations:
            durations[path] = probe_duration(path)
        return durations[path]

    def bare(path):
        subprocess.run([ffmpeg_path(), "-nostdin", "-v", "error", "-y", "-ss", str(seek_seconds(duration(path))),
                        "-i", str(path), "-frames:v", "1", "-vf", f"scale=-2:{HEIGHT}", str(scratch / "frame.jpg")],
                       check=True, timeout=120)

    return {
        "ours": lambda path: generate_video_thumbnail(path, spec, duration(path)),
        "bare ffmpeg": bare,
    }


def probe_duration(path):
    from library.media.ffmpeg_binaries import ffprobe_path

    if ffprobe_path() is None:
        return None
    output = subprocess.run([ffprobe_path(), "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                             str(path)], capture_output=True, text=True, check=True, timeout=60).stdout
    return float(output.strip())


# -- cache hits through the running server ---------------------------------------------------

def cache_hit_figures(corpus, report):
    """Every contender is served while all servers are up, round by round in turn, and keeps its
    best round: on a loaded machine a slow moment then hurts them all alike."""
    report.section(f"Cache hits: requests/s, {HIT_CONCURRENCY} concurrent, best of {report.repeat} "
                   f"(the fast path and the static app: of {report.repeat + GOAL_ROUNDS}) ({load_tool_name()})")
    library = new_library(report, "site")
    manage(library, "import", "--no-progress", corpus.photos[0])
    manage(library, "shell", "-c", "from django.contrib.auth.models import User; "
                                   "User.objects.create_user('bench', password='bench-password')")
    path = manage(library, "shell", "-c", "from library.models import Photo; from thumbnails.links import "
                                          "thumbnail_url; print(thumbnail_url(Photo.objects.get()))").stdout
    path = path.strip().splitlines()[-1]
    static_dir = report.workdir("static")
    site_env = {**django_env(library), "BENCH_STATIC_DIR": str(static_dir)}
    site_app = ["--factory", "bench.bench_thumbnails:site_with_floor_routes"]
    with uvicorn(site_app, site_env) as site_url, \
            uvicorn(site_app, {**site_env, "PHOTOSITE_THUMBNAIL_FAST_PATH": "0"}) as django_only_url:
        session = logged_in_session(site_url)
        body = fetch(django_only_url + path, session, fast_path=False).content
        (static_dir / "thumbnail.jpg").write_bytes(body)
        with uvicorn(["bench.bench_thumbnails:static_file_app"], {
                **os.environ, "PYTHONPATH": str(REPO_ROOT), "BENCH_STATIC_FILE": str(static_dir / "thumbnail.jpg"),
        }) as static_url:
            fetch(site_url + path, session)  # the view fills the fast path's tables
            fetch(site_url + path, session, fast_path=True)
            goal_pair = {"fast path": (site_url + path, session), "static": (static_url + "/thumbnail.jpg", None)}
            figures = best_rates(report.repeat, {
                **goal_pair,
                "django view": (django_only_url + path, session),
                "django static": (site_url + "/static/thumbnail.jpg", None),
                "django": (f"{site_url}/bench-floor/plain", session),
                "django-login": (f"{site_url}/bench-floor/login-required", session),
            })
            # The two the goal compares take a few more turns back to back: a couple of seconds
            # each, so noise from the machine's other work is cheap to wash out.
            for label, rate in best_rates(GOAL_ROUNDS, goal_pair).items():
                figures[label] = max(figures[label], rate)
    cache_hit_table(report, figures, len(body))


def best_rates(rounds, targets):
    """Label → the best requests/s over `rounds` rounds, the targets taking turns each round."""
    best = dict.fromkeys(targets, 0.0)
    for _ in range(rounds):
        for label, (url, session) in targets.items():
            best[label] = max(best[label], requests_per_second(url, session))
    return best


def cache_hit_table(report, figures, size):
    report.row(f"thumbnail, fast path ({size} bytes)", figures["fast path"], "req/s")
    report.row("thumbnail, Django view (FAST_PATH=0)", figures["django view"], "req/s")
    report.row("static-file ASGI app, same bytes", figures["static"], "req/s")
    report.row("Django static handler (/static/), same bytes", figures["django static"], "req/s")
    report.row("Django, same bytes, no login check", figures["django"], "req/s")
    report.row("Django, same bytes, @login_required", figures["django-login"], "req/s")
    report.ratio("static file / fast path (time per request)", figures["static"], figures["fast path"],
                 goal=HIT_GOAL)
    report.ratio("static file / Django view", figures["static"], figures["django view"])
    report.ratio("static file / Django static handler", figures["static"], figures["django static"])
    report.ratio("fast path / Django view (speed-up)", figures["fast path"], figures["django view"])


def site_with_floor_routes():
    """`uvicorn --factory`: the real site plus two floor routes answering the same bytes from
    memory, one without and one with a login check, to show what Django itself costs."""
    import types

    import django
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import include, path

    django.setup()
    body = {}

    async def plain(request):
        return HttpResponse(body.setdefault("jpeg", thumbnail_bytes()), content_type="image/jpeg")

    settings.STATICFILES_DIRS = [os.environ["BENCH_STATIC_DIR"]]
    urls = types.ModuleType("bench_thumbnail_urls")
    urls.urlpatterns = [path("bench-floor/plain", plain),
                        path("bench-floor/login-required", login_required(plain)),
                        path("", include("photosite.urls"))]
    sys.modules[urls.__name__] = urls
    settings.ROOT_URLCONF = urls.__name__
    from photosite.asgi import application

    return application


def thumbnail_bytes():
    """The one thumbnail the bench's library holds (read from disk: no ORM inside the event loop)."""
    from django.conf import settings

    return next(Path(settings.STORAGES["thumbnails"]["OPTIONS"]["location"]).rglob("*.jpg")).read_bytes()


async def static_file_app(scope, receive, send):
    """The floor: an ASGI app that reads one file per request and sends it, nothing else."""
    if scope["type"] != "http":
        return
    with open(os.environ["BENCH_STATIC_FILE"], "rb") as static:
        body = static.read()
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"image/jpeg"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"private, max-age=31536000, immutable"), (b"etag", b'"static"')]})
    await send({"type": "http.response.body", "body": body})


def logged_in_session(base_url):
    """A session cookie from the site's real login form."""
    import httpx

    with httpx.Client(base_url=base_url, timeout=60) as client:
        client.get("/accounts/login/")
        client.post("/accounts/login/", data={"username": "bench", "password": "bench-password",
                                              "csrfmiddlewaretoken": client.cookies["csrftoken"]},
                    headers={"Referer": base_url + "/accounts/login/"})
        return client.cookies["sessionid"]


def fetch(url, session, fast_path=None):
    """The response; with `fast_path` True or False, checks which path answered it."""
    import httpx

    response = httpx.get(url, cookies={"sessionid": session} if session else None, timeout=60)
    response.raise_for_status()
    assert "x-thumbnail-placeholder" not in response.headers, "the bench photo got a placeholder"
    if fast_path is not None:
        served_fast = response.headers.get("x-thumbnail-served-by") == "fast-path"
        assert served_fast == fast_path, f"{url} was {'' if served_fast else 'not '}served by the fast path"
    return response


def load_tool_name():
    return "ApacheBench ab -k" if shutil.which("ab") else "asyncio client"


def requests_per_second(url, session, status=200, requests=HIT_REQUESTS):
    """Requests/s of `url` over `requests` requests, every answer `status` (a redirect's 302, say)."""
    if status == 200:
        fetch(url, session)
    if shutil.which("ab"):
        args = ["ab", "-q", "-k", "-n", str(requests), "-c", str(HIT_CONCURRENCY)]
        if session:
            args += ["-C", f"sessionid={session}"]
        output = subprocess.run([*args, url], capture_output=True, text=True, check=True, timeout=600).stdout
        failed = int(re.search(r"Failed requests:\s+(\d+)", output)[1])
        non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", output)
        if failed or (int(non_2xx[1]) if non_2xx else 0) != (0 if status < 300 else requests):
            raise RuntimeError(f"load run had failures:\n{output}")
        return float(re.search(r"Requests per second:\s+([\d.]+)", output)[1])
    return asyncio.run(asyncio_load(url, session, status, requests))


async def asyncio_load(url, session, status=200, requests=HIT_REQUESTS):
    """Keep-alive HTTP/1.1 GETs over HIT_CONCURRENCY connections; requests per second."""
    import httpx

    cookies = {"sessionid": session} if session else None
    async with httpx.AsyncClient(cookies=cookies, limits=httpx.Limits(max_connections=HIT_CONCURRENCY)) as client:
        async def worker_loop(count):
            for _ in range(count):
                response = await client.get(url)
                if response.status_code != status:
                    raise RuntimeError(f"{url} answered {response.status_code}, not {status}")

        started = time.perf_counter()
        await asyncio.gather(*(worker_loop(requests // HIT_CONCURRENCY) for _ in range(HIT_CONCURRENCY)))
        return requests // HIT_CONCURRENCY * HIT_CONCURRENCY / (time.perf_counter() - started)


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(description="thumbnail benchmark")
    parser.add_argument("--worker", choices=["photos", "videos", "raw", "jxl", "make-formats"])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--scratch", type=Path)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("paths", nargs="*", type=Path)
    options = parser.parse_args(argv)
    if options.worker:
        return worker_main(options.worker, options.paths, options.repeat, options.scratch)
    from bench.corpus import load_corpus
    from bench.run import Report

    report = Report("thumbnails", small=options.small, repeat=options.repeat)
    run(load_corpus(small=options.small), report)
    return 1 if report.goals_missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
