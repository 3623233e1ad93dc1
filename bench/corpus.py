"""The benchmark corpus: camera-sized photos and phone-like videos, generated once and cached.

Benchmarks need files of realistic size, not thumbnails-sized toys: the import's speed is
dominated by bytes moved and hashed, so the corpus is 12-megapixel JPEGs of 4-5 MB each (noise
keeps JPEG from compressing them to nothing) with EXIF dates, camera make/model and a mix of
orientations, plus a few 1080p and 4K H.264 clips, some carrying a rotation matrix.

Everything lives under `bench/.corpus/` (git-ignored). `full/` holds the whole corpus; `small/`
holds hard links to its first few files, for quick runs. Each file is written to a temporary
name and renamed, so an interrupted generation resumes where it stopped; photos are made in
parallel processes.

    corpus = load_corpus(small=False)
    corpus.root          # a folder holding exactly the corpus (photos/ and videos/ inside)
    corpus.photos        # sorted list of Paths
    corpus.videos        # sorted list of Paths
    corpus.all_files     # photos + videos
    corpus.total_bytes
    corpus.warm()        # read everything once (warm page cache)
"""
import os
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO_ROOT / "bench" / ".corpus"

FULL_PHOTOS = 240
SMALL_PHOTOS = 30
PHOTO_SIZE = (4000, 3000)
# (display width, height, orientation tag): landscape, upright portrait, and rotated portraits
# and landscapes the way phones store them.
PHOTO_LAYOUTS = [(4000, 3000, 1), (4000, 3000, 1), (3000, 4000, 6), (3000, 4000, 8), (4000, 3000, 3),
                 (3000, 4000, 1)]
CAMERAS = [("Canon", "Canon EOS R6"), ("NIKON CORPORATION", "NIKON Z 6_2"), ("Google", "Pixel 8"),
           ("Apple", "iPhone 15 Pro")]
FIRST_DATE = datetime(2021, 3, 14, 9, 30)

# (file name, width, height, seconds, rotation). The first SMALL_VIDEOS are in the small corpus.
VIDEOS = [
    ("VID_20240131_101500.mp4", 1920, 1080, 3, 90),
    ("clip_4k.mp4", 3840, 2160, 2, None),
    ("MOV_1080p.mov", 1920, 1080, 4, None),
    ("VID_20240201_183000.mp4", 3840, 2160, 3, -90),
]
SMALL_VIDEOS = 2


@dataclass(frozen=True)
class Corpus:
    root: Path
    photos: list = field(default_factory=list)
    videos: list = field(default_factory=list)

    @property
    def all_files(self):
        return [*self.photos, *self.videos]

    @property
    def total_bytes(self):
        return sum(path.stat().st_size for path in self.all_files)

    def warm(self):
        """Reads every file once, so each contender starts from the same warm page cache."""
        for path in self.all_files:
            with path.open("rb") as source:
                while source.read(1 << 20):
                    pass

    def describe(self):
        return (f"{len(self.photos)} photos + {len(self.videos)} videos, "
                f"{self.total_bytes / 1e6:.0f} MB in {self.root}")


def load_corpus(small=False):
    """The cached corpus, generating whatever is missing first."""
    full = CORPUS_DIR / "full"
    photo_names = [photo_name(index) for index in range(FULL_PHOTOS)]
    _make_missing_photos(full / "photos", photo_names)
    _make_missing_videos(full / "videos")
    if not small:
        return _corpus_in(full)
    small_root = CORPUS_DIR / "small"
    for subdir, names in (("photos", photo_names[:SMALL_PHOTOS]), ("videos", [v[0] for v in VIDEOS[:SMALL_VIDEOS]])):
        _link_into(full / subdir, small_root / subdir, names)
    return _corpus_in(small_root)


def photo_name(index):
    return f"{'IMG' if index % 3 else 'DSC'}_{index:04d}.JPG"


def _corpus_in(root):
    return Corpus(root=root, photos=sorted((root / "photos").iterdir()), videos=sorted((root / "videos").iterdir()))


def _link_into(source_dir, target_dir, names):
    target_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        if not (target_dir / name).exists():
            os.link(source_dir / name, target_dir / name)


def _make_missing_photos(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    missing = [index for index, name in enumerate(names) if not (folder / name).exists()]
    if not missing:
        return
    print(f"corpus: generating {len(missing)} photos in {folder} (once) ...", file=sys.stderr, flush=True)
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        list(pool.map(_make_photo, [folder / names[index] for index in missing], missing, chunksize=4))


def _make_photo(path, index):
    """One 12 MP photo. Noise blended into a smooth colour field compresses, at quality 80-84, to
    the 4-5 MB that phone and camera JPEGs of this size typically weigh."""
    from PIL import Image

    from tests.factories import make_jpeg

    width, height, orientation = PHOTO_LAYOUTS[index % len(PHOTO_LAYOUTS)]
    make, model = CAMERAS[index % len(CAMERAS)]
    rng = random.Random(index)
    small = Image.frombytes("RGB", (PHOTO_SIZE[0] // 8, PHOTO_SIZE[1] // 8),
                            rng.randbytes(PHOTO_SIZE[0] // 8 * PHOTO_SIZE[1] // 8 * 3))
    picture = small.resize((width, height), Image.Resampling.BILINEAR)
    picture = Image.blend(picture, Image.effect_noise((width, height), 40).convert("RGB"), 0.35)
    taken = FIRST_DATE + timedelta(hours=37 * index, minutes=rng.randrange(60))
    temporary = path.with_name(f".{path.name}.partial")
    make_jpeg(temporary, width, height, taken=taken, orientation=orientation, make=make, model=model,
              quality=80 + index % 5, image=picture)
    temporary.rename(path)


def _make_missing_videos(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, width, height, seconds, rotation in VIDEOS:
        path = folder / name
        if path.exists():
            continue
        print(f"corpus: generating {name} ({width}x{height}, {seconds}s) ...", file=sys.stderr, flush=True)
        _make_video(path, width, height, seconds, rotation)


def _make_video(path, width, height, seconds, rotation):
    from tests.factories import make_video

    temporary = path.with_name(f"partial_{path.name}")
    make_video(temporary, seconds=seconds, width=width, height=height, rotation=rotation, fps=30, audio=True,
               creation_time=FIRST_DATE + timedelta(days=len(path.name)),
               extra_output_args=("-preset", "ultrafast", "-b:v", f"{width * height * 8 // 1000}k"))
    temporary.rename(path)
