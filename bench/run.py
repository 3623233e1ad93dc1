"""Photosite's benchmarks, in one command:

    .venv/bin/python bench/run.py [NAME ...] [--small] [--repeat N] [--rows N]

With no NAME it runs every `bench/bench_*.py` in name order; NAME is `import` or `bench_import`.
`--small` uses a small corpus (30 photos, 2 videos) for a quick check; goals are judged only
on the full one. Exit status 1 when a bench fails or misses a goal.

Speed goals are ratios against a floor measured in the same run on the same machine (copying
and hashing the same bytes, say), never absolute times: the machine is shared and noisy, so
each measurement is repeated (`report.best_time`) and the best is kept.

The contract for a bench module `bench/bench_<name>.py`:

    def run(corpus, report):
        report.section("Import")
        floor = report.best_time(lambda: ..., setup=lambda: ...)
        report.row("floor", floor, "s")
        report.ratio("import / floor", ours, floor, goal=1.5)

- `corpus` (bench/corpus.py): `.root`, `.photos`, `.videos`, `.all_files`, `.total_bytes`,
  `.warm()`; generated once under bench/.corpus/.
- `report` (Report below): `section(title)`, `row(label, value, unit)`, `ratio(label, ours,
  baseline, goal)` (ours / baseline must be <= goal), `workdir(name)` (a fresh empty folder
  under bench/.work/<bench>/), `best_time(fn, setup=None)`, `.repeat`, and `.rows` (`--rows`:
  the size of the library a database bench fills). A module whose `USES_CORPUS` is False is
  handed no corpus (None), and none is generated for it. Rows are printed as
  a table and appended as JSON lines to bench/.work/results.jsonl.
- Django: run Django work in subprocesses so each bench gets its own library and settings:
  `new_library(report, name)` makes a migrated library (SQLite inside it) and returns its
  root; `manage(library_root, "import", ...)` runs `manage.py` against it; `django_env()` gives
  the environment for other subprocesses (a uvicorn server, a django-q2 cluster).
  `setup_django(library_root)` configures Django in this process, once, for benches that must.

Benchmark-only dependencies go in bench/requirements.txt; before any bench runs, run.py checks
that each pinned package is installed at its version and, if one is not, installs the file with
pip into the running interpreter's environment. Checking first matters: a bench may need a peer
only in a worker subprocess (bench_thumbnails does), where a missing module cannot be retried.
"""
import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_ROOT / "bench"
WORK_DIR = BENCH_DIR / ".work"
RESULTS_PATH = WORK_DIR / "results.jsonl"
REQUIREMENTS = BENCH_DIR / "requirements.txt"
PYTHON = sys.executable

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


class Report:
    """Prints one bench's figures as a table and keeps them as JSON lines."""

    def __init__(self, bench, *, small=False, repeat=2, rows=1_000_000, results_path=RESULTS_PATH):
        self.bench = bench
        self.small = small
        self.repeat = repeat
        self.rows = rows
        self.results_path = results_path
        self.goals_missed = []
        self.run_id = time.strftime("%Y-%m-%dT%H:%M:%S")

    def section(self, title):
        print(f"\n== {title} ==", flush=True)

    def row(self, label, value, unit=""):
        shown = f"{value:,.3f}" if isinstance(value, float) else str(value)
        print(f"  {label:<48} {shown:>14} {unit}", flush=True)
        self._record(label=label, value=value, unit=unit)

    def ratio(self, label, ours, baseline, goal=None):
        """Prints ours / baseline; with a goal, whether that ratio is at most the goal. On the
        small corpus fixed costs (a process starting, say) dominate, so goals are shown, not judged."""
        ratio = ours / baseline
        verdict = ""
        if goal is not None:
            met = ratio <= goal
            verdict = f"(goal <= {goal:g}x: {'met' if met else 'MISSED'}{', not judged on --small' if self.small else ''})"
            if not met and not self.small:
                self.goals_missed.append(label)
        print(f"  {label:<48} {ratio:>13.2f}x {verdict}", flush=True)
        self._record(label=label, value=ratio, unit="x", ours=ours, baseline=baseline, goal=goal)
        return ratio

    def limit(self, label, value, goal, unit=""):
        """Prints a figure against an absolute goal the issue sets (value <= goal); judged like a ratio."""
        met = value <= goal
        verdict = f"(goal <= {goal:g} {unit}: {'met' if met else 'MISSED'}{', not judged on --small' if self.small else ''})"
        if not met and not self.small:
            self.goals_missed.append(label)
        print(f"  {label:<48} {value:>14,.3f} {unit} {verdict}", flush=True)
        self._record(label=label, value=value, unit=unit, goal=goal)
        return met

    def workdir(self, name):
        """A fresh, empty scratch folder under bench/.work/<bench>/."""
        path = WORK_DIR / self.bench / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def best_time(self, fn, setup=None, repeat=None):
        """The best wall time of `fn()` over `repeat` runs; `setup()` runs untimed before each."""
        times = []
        for _ in range(repeat or self.repeat):
            if setup is not None:
                setup()
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        return min(times)

    def _record(self, **fields):
        self.results_path.parent.mkdir(parents=True, exist_ok=True)
        line = {"run": self.run_id, "bench": self.bench, "small": self.small, **fields}
        with self.results_path.open("a") as results:
            results.write(json.dumps(line) + "\n")


def django_env(library_root=None, **extra):
    """The environment for a Django subprocess: this repo's settings, the library at
    `library_root` and, with no DATABASE_URL, the default SQLite database inside it."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "photosite.settings"
    env["PYTHONPATH"] = str(REPO_ROOT)
    if library_root is not None:
        env["PHOTOSITE_LIBRARY_ROOT"] = str(library_root)
        # The bench's libraries are thrown away: never remembered as this checkout's library.
        env["PHOTOSITE_REMEMBERED_FILE"] = str(Path(library_root).parent / "photosite.env")
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(library_root, *args, timeout=3600, **run_kwargs):
    """Runs `manage.py ARGS` against the library and returns the CompletedProcess, its output
    captured as text (`.stdout`) and shown only when it fails (then CalledProcessError)."""
    if "stdout" not in run_kwargs and "stderr" not in run_kwargs:
        run_kwargs.setdefault("capture_output", True)
    completed = subprocess.run([PYTHON, str(REPO_ROOT / "manage.py"), *map(str, args)], cwd=REPO_ROOT,
                               env=django_env(library_root), timeout=timeout, text=True, **run_kwargs)
    if completed.returncode:
        print(completed.stdout or "", completed.stderr or "", sep="\n", file=sys.stderr)
        completed.check_returncode()
    return completed


def new_library(report, name="library"):
    """A fresh library folder with a migrated SQLite database (not timed)."""
    root = report.workdir(name)
    manage(root, "migrate", "--no-input")
    return root


def setup_django(library_root):
    """Configures Django in this process (once per process) against `library_root`."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "photosite.settings"
    os.environ["PHOTOSITE_LIBRARY_ROOT"] = str(library_root)
    os.environ.pop("DATABASE_URL", None)
    django.setup()


def chromium_or_skip(report) -> str | None:
    """Debian's Chromium for a bench that drives it with Playwright; None, said in the report as
    the bench skipped, where either is missing."""
    tests = str(REPO_ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from browser import chromium_path

    try:
        import playwright.sync_api  # noqa: F401
        executable = chromium_path()
    except ImportError:
        executable = None
    if not executable:
        report.row("skipped: no Chromium or Playwright here", 0, "")
    return executable


def bench_modules(names):
    available = {path.stem.removeprefix("bench_"): path.stem for path in sorted(BENCH_DIR.glob("bench_*.py"))}
    if not names:
        return list(available.values())
    unknown = [name for name in names if name.removeprefix("bench_") not in available]
    if unknown:
        raise SystemExit(f"unknown bench {', '.join(unknown)}; available: {', '.join(available)}")
    return [available[name.removeprefix("bench_")] for name in names]


def missing_requirements(path=REQUIREMENTS) -> list[str]:
    """The `name==version` pins of the requirements file not installed at that version here."""
    if not path.exists():
        return []
    missing = []
    for line in path.read_text().splitlines():
        pin = line.split("#", 1)[0].strip()
        if not pin:
            continue
        name, _, version = pin.partition("==")
        try:
            installed = metadata.version(name.strip())
        except metadata.PackageNotFoundError:
            installed = None
        if installed is None or (version and installed != version.strip()):
            missing.append(pin)
    return missing


def install_requirements():
    """Installs bench/requirements.txt into this interpreter's environment when anything in it is missing."""
    missing = missing_requirements()
    if not missing:
        return
    print(f"installing {REQUIREMENTS.relative_to(REPO_ROOT)} ({', '.join(missing)} missing) ...", flush=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)
    importlib.invalidate_caches()


def loaded_corpus(small):
    from bench.corpus import load_corpus

    corpus = load_corpus(small=small)
    print(f"corpus: {corpus.describe()}")
    return corpus


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benches to run (default: all)")
    parser.add_argument("--small", action="store_true", help="quick run on a small corpus")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement; the best is kept")
    parser.add_argument("--rows", type=int, default=1_000_000, help="files in the library the million bench fills")
    options = parser.parse_args(argv)

    install_requirements()
    corpus = None
    failed = []
    for stem in bench_modules(options.names):
        report = Report(stem.removeprefix("bench_"), small=options.small, repeat=options.repeat, rows=options.rows)
        try:
            module = importlib.import_module(f"bench.{stem}")
            if corpus is None and getattr(module, "USES_CORPUS", True):
                corpus = loaded_corpus(options.small)
            module.run(corpus if getattr(module, "USES_CORPUS", True) else None, report)
        except Exception:  # noqa: BLE001 - one broken bench must not hide the others' figures
            traceback.print_exc()
            failed.append(f"{stem} (error)")
        failed += [f"{stem}: {label}" for label in report.goals_missed]
    if failed:
        print("\nFAILED or goal missed:\n  " + "\n  ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
