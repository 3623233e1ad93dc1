"""The README stays short and points into docs/; every link between them leads somewhere.

A page moved or a heading renamed would otherwise leave the newcomer at a dead link: each relative
link and `#anchor` in README.md and docs/*.md must name a file that exists and, for a Markdown
file, a heading in it (anchors as GitHub makes them from headings)."""
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.outside_database

PROJECT = Path(__file__).resolve().parent.parent
PAGES = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]
README_MOST_LINES = 250

FENCE = re.compile(r"^(```|~~~)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
CODE_SPAN = re.compile(r"`+[^`]*`+")
LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def prose_lines(path: Path) -> list[str]:
    """The page's lines outside code blocks: fenced ones, and lines indented by four spaces after a
    blank line (a list item's continuation follows its item directly)."""
    lines, fenced, indented_code, previous = [], False, False, ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line.lstrip()):
            fenced = not fenced
        elif not fenced:
            indented_code = line.startswith("    ") and (indented_code or not previous.strip())
            if not indented_code:
                lines.append(line)
        previous = line
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text lower-cased, punctuation but `-` and `_` dropped,
    spaces made hyphens."""
    text = CODE_SPAN.sub(lambda match: match.group(0).strip("`"), heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("*", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for line in prose_lines(path):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    targets = []
    for line in prose_lines(path):
        targets += [target for target in LINK.findall(CODE_SPAN.sub("", line)) if not SCHEME.match(target)]
    return targets


def broken(path: Path, target: str) -> str | None:
    """Why `target`, a link on page `path`, leads nowhere; None when it resolves."""
    file_part, _, anchor = target.partition("#")
    destination = (path.parent / file_part).resolve() if file_part else path
    if not destination.exists():
        return f"{target}: no such file"
    if anchor and destination.suffix == ".md" and anchor not in anchors(destination):
        return f"{target}: no heading #{anchor} in {destination.relative_to(PROJECT)}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(PROJECT)))
def test_every_relative_link_resolves(page):
    # given a page of the documentation
    # when each of its relative links is followed
    problems = [problem for target in relative_links(page) if (problem := broken(page, target))]
    # then it names a file that exists, and a heading there
    assert not problems, problems


def test_every_docs_page_is_linked_from_the_readme():
    linked = {(PROJECT / target.partition("#")[0]).resolve() for target in relative_links(PROJECT / "README.md")}
    assert [page.name for page in PAGES[1:] if page not in linked] == []


def test_the_readme_stays_short():
    assert len((PROJECT / "README.md").read_text(encoding="utf-8").splitlines()) <= README_MOST_LINES


@pytest.mark.parametrize("heading, anchor", [
    ("Checking and repairing the library", "checking-and-repairing-the-library"),
    ("The camera's own time", "the-cameras-own-time"),
    ("Curation (admin, staff only)", "curation-admin-staff-only"),
    ("Made ahead of time: the workers and `pregenerate`", "made-ahead-of-time-the-workers-and-pregenerate"),
    ("Metadata is read in bounded, linear time", "metadata-is-read-in-bounded-linear-time"),
    ("What brought the web import from 2.6–3.2× to 1.6–1.8×", "what-brought-the-web-import-from-2632-to-1618"),
    ("`manage.py import` and `PHOTOSITE_WATCH_DIRS`", "managepy-import-and-photosite_watch_dirs"),
])
def test_anchors_are_made_as_github_makes_them(heading, anchor):
    assert slug(heading) == anchor
