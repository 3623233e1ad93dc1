"""`manage.py checklibrary [--repair] [--verify-hashes]`: compare the library folder with the
database, report what disagrees, and optionally repair it. Exits non-zero while problems remain."""
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from library.services import library_check, moment_check
from library.services.database import ensure_database
from library.services.library_repair import repair
from photosite.terminal import plain_stream


class Command(BaseCommand):
    help = "Check the library against the database (and repair what can be repaired without losing anything)."

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true",
                            help="re-register unknown files, finish or clean up crashed imports, remove orphaned thumbnails")
        parser.add_argument("--verify-hashes", action="store_true",
                            help="re-read every file and compare it with its SHA-256 (slow; finds bit rot)")
        parser.add_argument("--stale-after", type=int, default=library_check.DEFAULT_STALE_AFTER_SECONDS,
                            metavar="SECONDS",
                            help="files written more recently are taken to belong to a running import "
                                 "(default: %(default)s)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        if options["stale_after"] < 0:
            raise CommandError("--stale-after cannot be negative")
        ensure_database(self.stdout)
        report = self.inspect(options)
        if options["repair"]:
            repair(report)
        self.print_report(report)
        left = report.unrepaired()
        if left:
            raise CommandError(f"{len(left)} problem(s) remain" + ("" if options["repair"] else "; try --repair"))

    def inspect(self, options):
        report = library_check.CheckReport()
        bar = None
        if options["verify_hashes"]:
            bar = tqdm(total=library_check.bytes_to_verify(), unit="B", unit_scale=True, file=plain_stream(self.stderr),
                       disable=options["no_progress"], desc="verifying")
        try:
            library_check.check_files(report, options["verify_hashes"], bar.update if bar else None,
                                      options["stale_after"])
        finally:
            if bar is not None:
                bar.close()

        library_check.check_import_temp(report, options["stale_after"])
        library_check.check_moves(report, options["stale_after"])
        moment_check.check_moments(report)
        library_check.check_other_apps(report, options["stale_after"])
        return report

    def print_report(self, report):
        self.stdout.write(f"{report.files_seen} file(s) on disk, {report.rows_seen} row(s) checked")
        if report.files_hashed:
            seconds = report.files_seconds
            self.stdout.write(f"Verified the SHA-256 of {report.files_hashed} file(s), "
                              f"{report.bytes_hashed / 1e9:.2f} GB, in {seconds:.1f} s "
                              f"({report.bytes_hashed / 1e6 / max(seconds, 1e-3):.0f} MB/s)")
        if report.busy_files:
            self.stdout.write(f"{report.busy_files} recently written file(s) left alone (an import may be running)")
        for kind, findings in report.by_kind().items():
            repaired = sum(finding.repaired for finding in findings)
            self.stdout.write(self.style.WARNING(f"{kind}: {len(findings)} ({repaired} repaired)"))
            for finding in findings:
                line = f"  {finding.path}"
                if finding.detail:
                    line += f" — {finding.detail}"
                if finding.repair_note:
                    line += f" → {finding.repair_note}"
                self.stdout.write(line)
        if not report.unrepaired():
            self.stdout.write(self.style.SUCCESS("The library and the database agree."))
