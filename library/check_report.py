"""What `checklibrary` found, held as it is found: a count per kind and the first findings of
each, so a library with a million missing files costs a million counts, not a million objects in
memory. Every finding also goes to `on_finding` as it comes (the command's `--all` and `--json`
print it there), and those `keep` chooses are kept whole for the repair."""
from collections.abc import Callable
from dataclasses import dataclass, field

# Findings of each kind the summary lists; `--all` lists every one.
SAMPLE_SIZE = 50


@dataclass
class Finding:
    kind: str
    path: str
    detail: str = ""
    photo_id: int | None = None
    move_id: int | None = None
    repaired: bool = False
    repair_note: str = ""
    # How another app's finding is repaired (returns the note); the library's own kinds are
    # library_repair's.
    repair: Callable[[], str] | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "path": self.path, "detail": self.detail, "photo_id": self.photo_id,
                "repaired": self.repaired, "repair_note": self.repair_note}


@dataclass
class KindSummary:
    found: int = 0
    repaired: int = 0
    first: list[Finding] = field(default_factory=list)


@dataclass
class CheckReport:
    sample_size: int = SAMPLE_SIZE
    on_finding: Callable[[Finding], object] | None = None
    keep: Callable[[Finding], bool] | None = None
    kinds: dict[str, KindSummary] = field(default_factory=dict)
    kept: list[Finding] = field(default_factory=list)
    files_seen: int = 0
    rows_seen: int = 0
    busy_files: int = 0
    files_hashed: int = 0
    bytes_hashed: int = 0
    files_seconds: float = 0.0  # the walk of rows and files, hashing included

    def add(self, finding: Finding):
        summary = self.kinds.setdefault(finding.kind, KindSummary())
        summary.found += 1
        if len(summary.first) < self.sample_size:
            summary.first.append(finding)
        if self.keep is not None and self.keep(finding):
            self.kept.append(finding)  # handed on once repaired, with its note
        elif self.on_finding is not None:
            self.on_finding(finding)

    def mark_repaired(self, finding: Finding, note: str):
        finding.repaired, finding.repair_note = True, note
        self.kinds[finding.kind].repaired += 1

    def count_repaired(self, kind: str, photo_id: int, note: str):
        """A finding that was not kept turned out repaired by another's repair (a missing file
        restored from an unregistered copy): counted, and noted where it is among the first."""
        summary = self.kinds.get(kind)
        if summary is None:
            return
        listed = [finding for finding in summary.first if finding.photo_id == photo_id]
        for finding in listed:
            finding.repaired, finding.repair_note = True, note
        summary.repaired += 1

    def unrepaired(self) -> int:
        return sum(summary.found - summary.repaired for summary in self.kinds.values())

    def kept_of(self, kind: str) -> list[Finding]:
        return [finding for finding in self.kept if finding.kind == kind]
