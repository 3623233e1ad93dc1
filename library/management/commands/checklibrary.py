"""`manage.py checklibrary [--repair] [--verify-hashes] [--all | --json]`: compare the library
folder (or the object store holding the library) with the database, report what disagrees, and
optionally repair it. Exits non-zero while problems remain.

Findings stream: the report counts every one and holds the first SAMPLE_SIZE of each kind (the
summary lists those); `--all` prints every finding as it is found, `--json` as JSON lines. With
`--repair`, the findings the repair acts on are held until it has (and printed with their note)."""
import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from library import count_check
from library.check_report import SAMPLE_SIZE, CheckReport, Finding
from library.curation import moment_check
from library.database import ensure_database
from library.originals import kept_on_this_machine
from library.services import library_check, object_store_check
from library.services.library_repair import is_repairable, repair
from photosite.terminal import plain_stream


class Command(BaseCommand):
    help = "Check the library against the database (and repair what can be repaired without losing anything)."

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true",
                            help="re-register unknown files, finish or clean up crashed imports (aborting their uploads to an "
                                 "object store), remove orphaned thumbnails")
        parser.add_argument("--verify-hashes", action="store_true",
                            help="re-read every file and compare it with its SHA-256 (slow; finds bit rot)")
        parser.add_argument("--stale-after", type=int, default=library_check.DEFAULT_STALE_AFTER_SECONDS,
                            metavar="SECONDS",
                            help="files written more recently are taken to belong to a running import "
                                 "(default: %(default)s)")
        listing = parser.add_mutually_exclusive_group()
        listing.add_argument("--all", action="store_true",
                             help=f"list every finding (default: a count per kind and its first {SAMPLE_SIZE})")
        listing.add_argument("--json", action="store_true",
                             help="every finding as a JSON line, then a summary line; the rest goes to stderr")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        if options["stale_after"] < 0:
            raise CommandError("--stale-after cannot be negative")
        # With --json, stdout holds JSON lines only.
        self.text = self.stderr if options["json"] else self.stdout
        ensure_database(self.text)
        listing = self.listing(options)
        report = CheckReport(on_finding=listing, keep=is_repairable if options["repair"] else None)
        self.inspect(report, options)
        if options["repair"]:
            repair(report)
            for finding in report.kept if listing else ():
                listing(finding)
        self.print_report(report, listed=not (options["all"] or options["json"]))
        if options["json"]:
            self.stdout.write(json.dumps({"summary": summary_of(report)}))
        left = report.unrepaired()
        if left:
            raise CommandError(f"{left} problem(s) remain" + ("" if options["repair"] else "; try --repair"))

    def listing(self, options):
        """Where each finding goes as it is found: a JSON line, a line of the full list, or nowhere
        (the summary lists the first of each kind)."""
        if options["json"]:
            return lambda finding: self.stdout.write(json.dumps(finding.as_dict()))
        if options["all"]:
            return lambda finding: self.stdout.write(f"{finding.kind}: {finding_line(finding)}")
        return None

    def inspect(self, report, options):
        bar = None
        if options["verify_hashes"]:
            bar = tqdm(total=library_check.bytes_to_verify(), unit="B", unit_scale=True, file=plain_stream(self.stderr),
                       disable=options["no_progress"], desc="verifying")
        on_folder = kept_on_this_machine()
        check = library_check.check_files if on_folder else object_store_check.check_objects
        try:
            check(report, options["verify_hashes"], bar.update if bar else None, options["stale_after"])
        finally:
            if bar is not None:
                bar.close()
        if not on_folder:
            object_store_check.check_unfinished_uploads(report, options["stale_after"])
        library_check.check_import_temp(report, options["stale_after"])
        library_check.check_moves(report, options["stale_after"])
        moment_check.check_moments(report)
        count_check.check_counts(report)
        library_check.check_other_apps(report, options["stale_after"])

    def print_report(self, report, listed):
        write = self.text.write
        where = "file(s) on disk" if kept_on_this_machine() else "object(s) in the store"
        write(f"{report.files_seen} {where}, {report.rows_seen} row(s) checked")
        if report.files_hashed:
            seconds = report.files_seconds
            write(f"Verified the SHA-256 of {report.files_hashed} file(s), "
                  f"{report.bytes_hashed / 1e9:.2f} GB, in {seconds:.1f} s "
                  f"({report.bytes_hashed / 1e6 / max(seconds, 1e-3):.0f} MB/s)")
        if report.busy_files:
            write(f"{report.busy_files} recently written file(s) left alone (an import may be running)")
        for kind, summary in report.kinds.items():
            write(self.style.WARNING(f"{kind}: {summary.found} ({summary.repaired} repaired)"))
            if listed:
                for finding in summary.first:
                    write(f"  {finding_line(finding)}")
                if summary.found > len(summary.first):
                    write(f"  … and {summary.found - len(summary.first)} more (--all lists every one, --json too)")
        if not report.unrepaired():
            write(self.style.SUCCESS("The library and the database agree."))


def finding_line(finding: Finding) -> str:
    line = finding.path
    if finding.detail:
        line += f" — {finding.detail}"
    if finding.repair_note:
        line += f" → {finding.repair_note}"
    return line


def summary_of(report: CheckReport) -> dict:
    return {"files_seen": report.files_seen, "rows_seen": report.rows_seen, "busy_files": report.busy_files,
            "unrepaired": report.unrepaired(),
            "kinds": {kind: {"found": summary.found, "repaired": summary.repaired}
                      for kind, summary in report.kinds.items()}}
