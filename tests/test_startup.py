"""Commands start without the heavy modules they do not use: rawpy and numpy load where a raw file
is read or a thumbnail made, redis where Redis is configured, django-eventstream (and the
requests it imports) where events are streamed or sent. Each was a large share of every
command's start (bench/bench_startup.py has the figures); a top-level import anywhere on the
way from `django.setup()` (an admin module, an app's `ready()`, a signal handler, a template tag
library) would bring it back unnoticed, so real `manage.py` processes are asked what they loaded."""
import os
import subprocess
import sys

import pytest

from factories import make_heic, make_image, make_jpeg
from live_site import PROJECT_DIR

HEAVY = ("rawpy", "numpy", "redis", "django_eventstream", "requests", "pillow_heif", "pillow_jxl", "ffmpeg", "botocore")
# Runs manage.py as `python manage.py ARGS` would, then names the heavy modules it loaded.
DRIVER = f"""
import runpy, sys
sys.argv = ["manage.py", *sys.argv[1:]]
try:
    runpy.run_path("manage.py", run_name="__main__")
finally:
    print("LOADED:", *sorted(set({HEAVY!r}) & sys.modules.keys()))
"""


def heavy_modules_loaded(root, *args):
    """The HEAVY modules `manage.py ARGS` loaded on the library at `root`, with no Redis configured."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="photosite.settings", PHOTOSITE_LIBRARY_ROOT=str(root),
               PHOTOSITE_REMEMBERED_FILE=str(root.parent / "photosite.env"))
    result = subprocess.run([sys.executable, "-c", DRIVER, *args], cwd=PROJECT_DIR, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    loaded_line = result.stdout.splitlines()[-1]
    assert loaded_line.startswith("LOADED:"), result.stdout
    return loaded_line.removeprefix("LOADED:").split()


@pytest.fixture
def library(tmp_path):
    root = tmp_path / "library"
    root.mkdir()
    return root


def test_librarystatus_on_an_empty_library_loads_none_of_them(library):
    assert heavy_modules_loaded(library, "librarystatus") == []


def test_importing_a_jpeg_loads_none_of_them(library, tmp_path):
    # given one JPEG (not a raw: LibRaw is asked only about TIFF-like or unknown content)
    photo = make_jpeg(tmp_path / "photo.jpg")
    # when it is imported, then neither LibRaw, numpy nor redis was loaded on the way
    assert heavy_modules_loaded(library, "import", "--no-progress", str(photo)) == []


def test_pillow_opens_heic_and_jpeg_xl_loading_their_plugins_at_the_first_file(library, tmp_path):
    # given a HEIC and a JPEG XL, and a process where Pillow has not met one yet
    heic, jxl = make_heic(tmp_path / "photo.heic"), make_image(tmp_path / "photo.jxl", "JXL")
    # when Pillow decodes them (the command fails if it cannot), then their plugins were loaded
    decode = f"from PIL import Image; [Image.open(path).load() for path in {[str(heic), str(jxl)]!r}]"
    assert {"pillow_heif", "pillow_jxl"} <= set(heavy_modules_loaded(library, "shell", "-c", decode))
