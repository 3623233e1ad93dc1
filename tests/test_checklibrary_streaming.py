"""`checklibrary` on many findings: a count per kind and the first fifty of each by default,
every one with `--all`, JSON lines with `--json`; the folder's sorted walk merged with the rows
ordered by path, so nothing grows with the library but the counts."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from test_gallery import make_rows

from library.check_report import SAMPLE_SIZE, CheckReport
from library.models import Photo
from library.services.library_check import Kind, check_files, library_files

from factories import make_jpeg

pytestmark = pytest.mark.django_db

MISSING = 3000


def checklibrary(*args):
    """(stdout, stderr) of a run that finds problems (it exits non-zero)."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"problem\(s\) remain"):
        call_command("checklibrary", *args, "--no-progress", "--stale-after", "0", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def rows_without_files(library_root):
    return make_rows(MISSING)


def test_many_findings_are_summarised_with_the_first_fifty_of_their_kind(rows_without_files):
    out, _ = checklibrary()
    assert f"{Kind.MISSING}: {MISSING} (0 repaired)" in out
    listed = [line for line in out.splitlines() if line.startswith("  x/")]
    assert len(listed) == SAMPLE_SIZE
    assert f"… and {MISSING - SAMPLE_SIZE} more (--all lists every one" in out


def test_all_lists_every_finding(rows_without_files):
    out, _ = checklibrary("--all")
    listed = [line for line in out.splitlines() if line.startswith(f"{Kind.MISSING}: x/")]
    assert len(listed) == MISSING
    assert f"{Kind.MISSING}: {MISSING} (0 repaired)" in out


def test_json_is_one_finding_a_line_then_the_summary(rows_without_files):
    out, err = checklibrary("--json")
    *findings, summary = [json.loads(line) for line in out.splitlines()]
    assert len(findings) == MISSING
    assert {finding["kind"] for finding in findings} == {Kind.MISSING}
    assert {finding["photo_id"] for finding in findings} == set(Photo.objects.values_list("pk", flat=True))
    assert summary["summary"]["kinds"] == {Kind.MISSING: {"found": MISSING, "repaired": 0}}
    assert summary["summary"]["unrepaired"] == MISSING
    assert "Library: " in err  # people's lines go to stderr


def test_the_report_holds_counts_and_the_first_of_each_kind_not_every_finding(rows_without_files):
    # given a report as the command builds it without --repair
    listed = []
    report = CheckReport(on_finding=listed.append)
    # when
    check_files(report)
    # then every finding went by, and only the first fifty stayed
    assert len(listed) == MISSING and report.unrepaired() == MISSING
    assert len(report.kinds[Kind.MISSING].first) == SAMPLE_SIZE and report.kept == []


def test_the_walk_is_in_the_order_of_whole_paths(library_root):
    # given names whose folder-by-folder order differs from the order of their whole paths
    names = ["a.jpg", "a/b.jpg", "a-b.jpg", "a/c/d.jpg", "a0.jpg", "B.jpg", "é.jpg", "a/b/x.jpg"]
    for name in names:
        (library_root / name).parent.mkdir(parents=True, exist_ok=True)
        (library_root / name).write_bytes(b"x")
    (library_root / ".trash").mkdir()
    (library_root / ".trash" / "hidden.jpg").write_bytes(b"x")
    # when / then
    assert list(library_files(library_root)) == sorted(names)


def test_the_merge_of_files_and_rows_finds_each_side_alone(library_root, media_dir):
    # given rows and files interleaved by path: some with both, some with only one
    both = ["2024/01/a.jpg", "2024/01/a/b.jpg", "2024/01-b.jpg"]
    only_files = ["2024/01/a-b.jpg", "2024/01/a/a.jpg", "zz.jpg"]
    only_rows = ["2024/01/a.jpeg", "2024/01/a/c.jpg", "0.jpg"]
    for name in both + only_files:
        (library_root / name).parent.mkdir(parents=True, exist_ok=True)
        make_jpeg(library_root / name)
    rows = make_rows(len(both) + len(only_rows))
    for row, name in zip(rows, both + only_rows, strict=True):
        Photo.objects.filter(pk=row.pk).update(path=name, size=(library_root / name).stat().st_size
                                               if name in both else 1)
    report = CheckReport()
    # when
    check_files(report, stale_after=0)
    # then
    found = {kind: sorted(finding.path for finding in summary.first) for kind, summary in report.kinds.items()}
    assert found == {Kind.UNTRACKED: sorted(only_files), Kind.MISSING: sorted(only_rows)}
    assert (report.files_seen, report.rows_seen) == (len(both + only_files), len(both + only_rows))
