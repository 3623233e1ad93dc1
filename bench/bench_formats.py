"""Issue 13: which format thumbnails are made in. For 20 12 MP JPEGs of the corpus (their noise
is a codec's worst case) and up to 20 real camera files (from ../shared/corpus, when it is
beside the repository: phones, compacts, a trail camera; 1.2-24 MP), the grid thumbnail (400 px high) encoded as JPEG (quality 82), WebP (quality 80, methods 0 and 4) and, when Pillow has it,
AVIF (Pillow's defaults, quality 75 at speed 6, and the faster speed 8): ms to encode and bytes
per thumbnail, next to the ms to decode and shrink the photo (the same for every format).
AVIF is worth adding only if the bytes it saves are worth its encode time; docs/benchmarks.md has the
figures and the decision. No goal: this bench informs a choice.

Runs in a subprocess with minimal Django settings (the generator reads one setting). Run with
bench/run.py, or alone: `python -m bench.bench_formats`."""
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.run import PYTHON, REPO_ROOT

PHOTOS_MEASURED = 20
CAMERA_FILES = REPO_ROOT.parent / "shared" / "corpus"
# The orientation examples are one picture nine times over: one of each shape is enough.
REPEATED_PICTURES = ("Landscape_", "Portrait_")
ENCODINGS = {
    "JPEG q82": ("JPEG", {"quality": 82}),
    "WebP q80 method 0 (ours)": ("WEBP", {"quality": 80, "method": 0}),
    "WebP q80 method 4 (libwebp's default)": ("WEBP", {"quality": 80, "method": 4}),
    "AVIF q75 speed 6": ("AVIF", {"quality": 75, "speed": 6}),
    "AVIF q75 speed 8": ("AVIF", {"quality": 75, "speed": 8}),
}


def run(corpus, report):
    measure(report, f"generated corpus, {PHOTOS_MEASURED} photos", corpus.photos[:PHOTOS_MEASURED])
    cameras = camera_files()
    if cameras:
        measure(report, f"camera files, {len(cameras)} photos", cameras)


def camera_files() -> list[Path]:
    """Real camera JPEGs at least 1200 px on their short side, each picture once."""
    if not CAMERA_FILES.is_dir():
        return []
    from PIL import Image, UnidentifiedImageError

    chosen = []
    for path in sorted(CAMERA_FILES.rglob("*")):
        if path.suffix.lower() not in (".jpg", ".jpeg") or (path.name.startswith(REPEATED_PICTURES)
                                                             and not path.stem.endswith("_1")):
            continue
        try:
            with Image.open(path) as image:
                image.load()
                large = min(image.size) >= 1200
        except (OSError, UnidentifiedImageError):
            continue
        if large:
            chosen.append(path)
    return chosen[:PHOTOS_MEASURED]


def measure(report, title, photos):
    report.section(f"Grid thumbnail formats: {title} (best of {report.repeat})")
    completed = subprocess.run([PYTHON, "-m", "bench.bench_formats", "--worker", str(report.repeat), *map(str, photos)],
                               cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
                               capture_output=True, text=True, timeout=3600, check=False)
    if completed.returncode:
        raise RuntimeError(f"format bench worker failed:\n{completed.stderr[-3000:]}")
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    report.row("decode + shrink (any format)", figures.pop("decode + shrink"), "ms")
    for label, (ms, size) in figures.items():
        report.row(f"{label}: encode", ms, "ms")
        report.row(f"{label}: bytes", size, "B")


def worker_main(repeat, paths):
    """Per encoding, the best over `repeat` rounds of the mean encode time, and the mean size."""
    from django.conf import settings
    from PIL import features

    settings.configure(PHOTOSITE_MAX_IMAGE_PIXELS=500_000_000)
    from thumbnails.generators.photo import upright_rgb_thumbnail
    from thumbnails.specs import ThumbnailSpec

    spec = ThumbnailSpec.for_size("400", "jpeg")
    encodings = {label: encoding for label, encoding in ENCODINGS.items()
                 if encoding[0] != "AVIF" or features.check("avif")}
    pictures, shrink_best = [], float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        pictures = []
        for path in paths:
            pictures.append(upright_rgb_thumbnail(Path(path), spec))
        shrink_best = min(shrink_best, time.perf_counter() - started)
    figures = {"decode + shrink": shrink_best / len(paths) * 1000}
    for label, (image_format, options) in encodings.items():
        best, sizes = float("inf"), []
        for _ in range(repeat):
            started, sizes = time.perf_counter(), []
            for picture in pictures:
                buffer = io.BytesIO()
                picture.save(buffer, image_format, **options)
                sizes.append(buffer.tell())
            best = min(best, time.perf_counter() - started)
        figures[label] = (best / len(pictures) * 1000, round(sum(sizes) / len(sizes)))
    print(json.dumps(figures))


def main(argv):
    if argv[:1] == ["--worker"]:
        worker_main(int(argv[1]), argv[2:])
        return 0
    from bench.run import main as run_main

    return run_main(["formats", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
