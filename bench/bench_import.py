"""Issue 3: `manage.py import` against the floor of copying and hashing the same bytes.

The floor is `cp -r` of the corpus into a scratch folder on the same disk followed by
`sha256sum` of the copies: the least any import must do. The import adds fsyncs (the data must
be durable before its row claims it), metadata reads and a database; the goal is to stay within
1.5x of the floor. The corpus is read once first so every contender starts from a warm page
cache, and dirty pages are flushed (`sync`, untimed) before each run so no contender pays for
the previous one's writes. Each round times all three (floor, import into a fresh library,
re-import of the same files: all duplicates); the best of the rounds is reported."""
import shutil
import subprocess
from statistics import median

from bench.run import manage, new_library

GOAL = 1.5


def run(corpus, report):
    report.section(f"Import ({corpus.describe()})")
    corpus.warm()
    files, megabytes = len(corpus.all_files), corpus.total_bytes / 1e6

    scratch, library = {}, {}

    def fresh_scratch():
        scratch["dir"] = report.workdir("floor")
        flush_dirty_pages()

    def fresh_library():
        library["root"] = new_library(report, "library")
        flush_dirty_pages()

    # Rounds alternate the contenders, so a burst of load from elsewhere hits them alike.
    rounds = {"floor": [], "first": [], "again": []}
    for _ in range(report.repeat):
        rounds["floor"].append(report.best_time(lambda: copy_and_hash(corpus, scratch["dir"]), fresh_scratch, 1))
        rounds["first"].append(report.best_time(lambda: import_corpus(library["root"], corpus), fresh_library, 1))
        stored = count_library_files(library["root"])
        rounds["again"].append(report.best_time(lambda: import_corpus(library["root"], corpus), flush_dirty_pages, 1))
    floor, first, again = (min(times) for times in rounds.values())
    for folder in (scratch["dir"], library["root"]):
        shutil.rmtree(folder)  # 2.4 GB of copies

    report.row("floor: cp + sha256sum", floor, "s")
    report.row("floor throughput", megabytes / floor, "MB/s")
    report.row("import (fresh library)", first, "s")
    report.row("import throughput", megabytes / first, "MB/s")
    report.row("import rate", files / first, "files/s")
    report.row("files stored in the library", stored, f"of {files}")
    report.row("re-import (all duplicates)", again, "s")
    report.row("re-import rate", files / again, "files/s")
    report.ratio("import / floor", first, floor, goal=GOAL)
    report.ratio("re-import / floor", again, floor)
    report.ratio("import / floor, medians of the rounds", median(rounds["first"]), median(rounds["floor"]))
    if stored != files:
        report.goals_missed.append(f"import stored {stored} of {files} files")


def copy_and_hash(corpus, scratch):
    subprocess.run(["cp", "-r", str(corpus.root), str(scratch / "copy")], check=True)
    copies = sorted(str(path) for path in (scratch / "copy").rglob("*") if path.is_file())
    subprocess.run(["sha256sum", *copies], check=True, stdout=subprocess.DEVNULL)


def import_corpus(library_root, corpus):
    manage(library_root, "import", "--no-progress", corpus.root)


def flush_dirty_pages():
    subprocess.run(["sync"], check=True)


def count_library_files(library_root):
    return sum(1 for path in library_root.glob("????-??-??/*") if path.is_file())
