"""How long a command takes before it does anything: `manage.py librarystatus` on an empty
library and `manage.py import` of one small JPEG, against the floor of starting Django itself.

The floor is `python -c 'import django; django.setup()'` with the same settings and environment
as the commands (this repo's settings, the same library): the interpreter, Django, every
installed app's models and `ready()`, and the admin's autodiscovery of every `admin.py`. Below
it, `python -c pass` is the interpreter alone, and "Django alone" is `django.setup()` with only
Django's auth and contenttypes apps on SQLite: what no setting of ours can take away. Each contender runs 5 times in turn (the import
with a new JPEG each time, so it is never a duplicate) and the medians are reported: the wall
time and the CPU time (user + system of the process and its children, from `os.wait4`).

The goals are the issue's: librarystatus within 0.25 s, one file's import within 0.4 s. They are
judged on CPU time: start-up is one thread that hardly waits for the disk, so on an idle machine
its wall time is its CPU time and a few milliseconds; on this shared machine (other engineers'
builds, a load of 10 and more on 2 cores) the wall time is mostly waiting for a core, and is
shown beside it for the record.

Runs without the corpus: `.venv/bin/python -m bench.bench_startup`."""
import os
import subprocess
import tempfile
import time
from statistics import median

from PIL import Image

from bench.run import PYTHON, REPO_ROOT, django_env, new_library

RUNS = 5
STATUS_GOAL_SECONDS = 0.25
IMPORT_GOAL_SECONDS = 0.4


def run(corpus, report):
    report.section("Command start-up (medians of 5; CPU = user + system)")
    library = new_library(report, "library")
    sources = report.workdir("sources")
    env = django_env(library)
    django_alone = django_alone_env(sources)
    manage_py = str(REPO_ROOT / "manage.py")
    contenders = {
        "python -c pass": lambda _: [PYTHON, "-c", "pass"],
        "Django alone: django.setup()": lambda _: [PYTHON, "-c", "import django; django.setup()"],
        "floor: django.setup()": lambda _: [PYTHON, "-c", "import django; django.setup()"],
        "librarystatus (empty library)": lambda _: [PYTHON, manage_py, "librarystatus"],
        "import of one JPEG": lambda index: [PYTHON, manage_py, "import", "--no-progress",
                                             small_jpeg(sources / f"start-{index}.jpg", index)],
    }
    walls, cpus = {name: [] for name in contenders}, {name: [] for name in contenders}
    for index in range(RUNS):
        for name, command in contenders.items():
            wall, cpu = timed_run(command(index), django_alone if name.startswith("Django alone") else env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    for name in contenders:
        report.row(f"{name}, wall", median(walls[name]), "s")
        report.row(f"{name}, CPU", median(cpus[name]), "s")
    floor = median(cpus["floor: django.setup()"])
    for name, goal in (("librarystatus (empty library)", STATUS_GOAL_SECONDS), ("import of one JPEG", IMPORT_GOAL_SECONDS)):
        report.row(f"{name} above the floor, CPU", median(cpus[name]) - floor, "s")
        report.limit(f"{name}, CPU", median(cpus[name]), goal, "s")


def django_alone_env(folder):
    """The environment of a Django with only auth and contenttypes, on SQLite in `folder`."""
    (folder / "django_alone_settings.py").write_text(
        'SECRET_KEY = "bench"\nINSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]\n'
        f'DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": "{folder / "alone.sqlite3"}"}}}}\n')
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "django_alone_settings", "PYTHONPATH": str(folder)}


def timed_run(command, env):
    """(wall seconds, CPU seconds) of one run of `command`; raises if it fails."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: nobody reads it while it runs
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            raise subprocess.CalledProcessError(process.returncode, command, stderr=errors.read().decode(errors="replace"))
    return wall, usage.ru_utime + usage.ru_stime


def small_jpeg(path, index):
    """A 64×48 JPEG whose bytes differ for every index."""
    Image.new("RGB", (64, 48), (index * 37 % 256, 120, 200)).save(path, quality=90)
    return str(path)


if __name__ == "__main__":
    from bench.run import Report

    run(None, Report("startup", repeat=1))
