"""How an import tells the world about each file. The pipeline calls a reporter; the web import
turns that into Server-Sent Events, the CLI into a progress bar."""
from dataclasses import asdict, dataclass
from typing import Protocol


@dataclass(frozen=True)
class FileResult:
    name: str
    size: int | None
    status: str
    error: str = ""
    photo_id: int | None = None
    outcome_id: int | None = None

    def as_dict(self):
        return asdict(self)


class ProgressReporter(Protocol):
    def file_done(self, result: FileResult, counts: dict) -> None:
        """After each file; `counts` are the session's running totals (imported/duplicate/skipped/failed)."""

    def files_done(self, results: list[FileResult], counts: dict) -> None:
        """After files committed together (a group, a web request's files, the page's known
        files), with the totals after them."""

    def outcomes_changed(self, results: list[FileResult], counts: dict) -> None:
        """Files told before whose outcome says more now (a sidecar whose photo has arrived)."""

    def session_complete(self, session) -> None:
        """Once, after the session's final counts and duration are saved."""


class NullReporter:
    def file_done(self, result, counts):
        pass

    def files_done(self, results, counts):
        pass

    def outcomes_changed(self, results, counts):
        pass

    def session_complete(self, session):
        pass
