"""A sidecar meets its photo, whichever comes first, in this import or a later one.

A sidecar is always written down first (a PendingSidecar row, committed with its outcome), then
its photo is looked for; a photo, once its row is committed, looks for the sidecars waiting
for it. Of a sidecar and a photo committed side by side, the one committed second always sees
the other; both may, and the one whose DELETE of the waiting row counts applies it, so a
sidecar is applied once. Photo and sidecar meet within one scope: the folder they came from
(command line, watch folder, a folder inside a zip) or the person who uploaded them (web).

Applying: the person's words and marks (title, description, keywords, rating, label) are set,
a favourite becomes stars and the importer's favourite (library.curation.favourites); the
sidecar's date is taken only when the photo has none of its own (its date came from its name or
file time), and then the file moves to that day's folder like a fixed date; an XMP sidecar is kept beside the original (`<original>.xmp`), so nothing the
person had is lost."""
import logging
import os
import tempfile
from dataclasses import dataclass

from django.db import transaction

from library.curation.favourites import apply_sidecar_favourite
from library.curation.file_moves import move_original
from library.curation.placement import fsync_path
from library.curation.places import apply_location
from library.curation.trash import library_candidates
from library.media.dates import dating
from library.media.places import locate
from library.media.sidecar_facts import ParsedSidecar, SidecarFacts
from library.media.sidecar_names import SidecarName, match_key
from library.models import DateSource, ImportOutcome, MoveReason, PendingSidecar, Photo
from library.paths import absolute_path, import_temp_dir, sidecar_path

logger = logging.getLogger("photosite.import")

# Dates a sidecar's may replace: the photo has none of its own.
GUESSED_DATES = {DateSource.FILENAME, DateSource.MTIME}
CANDIDATE_LIMIT = 50


@dataclass(frozen=True)
class Scope:
    """Where a photo and its sidecar must both come from: a folder, else an uploader."""

    folder: str
    user_id: int | None = None

    @classmethod
    def of(cls, source_folder: str, session) -> "Scope":
        return cls(source_folder) if source_folder else cls("", session.user_id)

    def photos(self):
        photos = Photo.objects.filter(source_folder=self.folder)
        return photos if self.folder else photos.filter(import_session__user_id=self.user_id)

    def waiting(self):
        return PendingSidecar.objects.filter(source_folder=self.folder, user_id=None if self.folder else self.user_id)

    def holds(self, pending: PendingSidecar) -> bool:
        return pending.source_folder == self.folder and pending.user_id == (None if self.folder else self.user_id)


def keep_waiting(name: str, sidecar: ParsedSidecar, scope: Scope, outcome_id: int) -> PendingSidecar:
    """Written in the transaction that records the sidecar's outcome; the same sidecar brought
    again (an import run twice before its photo came) replaces the one waiting."""
    key = SidecarName.parse(name).key
    scope.waiting().filter(match_key=key, original_name=name).delete()
    return PendingSidecar.objects.create(
        original_name=name, match_key=key, source_folder=scope.folder,
        user_id=None if scope.folder else scope.user_id, kind=sidecar.kind, facts=sidecar.facts.as_json(),
        content=sidecar.content, outcome_id=outcome_id)


def find_photo(pending: PendingSidecar, scope: Scope) -> Photo | None:
    """After the sidecar's row is committed: its photo, if the library has it (the oldest that fits)."""
    name = SidecarName.parse(pending.original_name, pending.facts.get("for_name") or "")
    keys = {name.key, match_key(name.title)} if name.title else {name.key}
    for photo in scope.photos().filter(name_key__in=keys).order_by("id")[:CANDIDATE_LIMIT]:
        if name.fits(photo.original_name):
            return photo
    return None


def photos_arrived(arrivals: list[tuple[int, str, Scope]]) -> list[int]:
    """After a group's photo rows are committed (imported, or duplicates brought again; each
    `(photo id, name it came under, scope)`): the sidecars waiting for them, applied. One indexed
    query for the group, the common answer being none. Returns the ids of the sidecars' outcomes,
    whose text now says what they gave."""
    keys = {match_key(name) for _, name, _ in arrivals}
    waiting = list(PendingSidecar.objects.filter(match_key__in=keys).order_by("id")[:CANDIDATE_LIMIT * len(keys)])
    settled = []
    for photo_id, name, scope in arrivals if waiting else ():
        for pending in waiting:
            fits = SidecarName.parse(pending.original_name, pending.facts.get("for_name") or "").fits(name)
            photo = Photo.objects.filter(pk=photo_id).first() if fits and scope.holds(pending) else None
            if photo is not None and settle(pending, photo) and pending.outcome_id:
                settled.append(pending.outcome_id)
    return settled


def settle(pending: PendingSidecar, photo: Photo) -> str:
    """Apply a waiting sidecar to its photo, if this caller is the one that takes it off the list;
    returns its outcome's new text ('' when another caller took it)."""
    if not PendingSidecar.objects.filter(pk=pending.pk).delete()[0]:
        return ""
    facts = SidecarFacts.from_json(pending.facts)
    applied = apply_facts(photo, facts, importer_of(pending))
    if pending.content:
        keep_beside(photo, pending.content)
    text = outcome_text(photo.original_name, applied)
    if pending.outcome_id:
        ImportOutcome.objects.filter(pk=pending.outcome_id).update(error=text, photo=photo)
    logger.info("Sidecar %s applied to photo %s (%s)", pending.original_name, photo.pk, ", ".join(applied) or "nothing")
    return text


def outcome_text(photo_name, applied) -> str:
    told = ", ".join(applied) + " applied" if applied else "nothing to apply"
    return f"sidecar of {photo_name}: {told}"


WAITING_TEXT = "sidecar: its photo is not in the library yet; applied when the photo is imported"


def importer_of(pending: PendingSidecar) -> int | None:
    """The user who brought the sidecar: its scope's uploader, else its import session's (none
    from the command line)."""
    if pending.user_id or not pending.outcome_id:
        return pending.user_id
    return ImportOutcome.objects.filter(pk=pending.outcome_id).values_list("session__user_id", flat=True).first()


def apply_facts(photo: Photo, facts: SidecarFacts, importer_id: int | None) -> list[str]:
    """Sets what the sidecar says on the photo's row; returns what was applied, for people.
    A favourite is the importer's (library.curation.favourites)."""
    changes = {}
    for field in ("title", "description", "label"):
        if getattr(facts, field):
            changes[field] = getattr(facts, field)
    if facts.keywords:
        changes["keywords"] = list(dict.fromkeys([*photo.keywords, *facts.keywords]))
    if facts.rating is not None:
        changes["rating"] = facts.rating
    if facts.favorite:
        changes.update(apply_sidecar_favourite(photo, facts.rating, importer_id))
    Photo.objects.filter(pk=photo.pk).update(**changes)
    applied = [item for item in facts.found() if item not in ("date taken", "place")]
    if facts.taken_at and photo.taken_at_source in GUESSED_DATES:
        take_sidecar_date(photo, facts.taken_at)
        applied.insert(0, "date taken")
    if apply_sidecar_location(photo, facts):
        applied.append("place")
    photo.refresh_from_db()
    return applied


def apply_sidecar_location(photo: Photo, facts: SidecarFacts) -> bool:
    """Where the sidecar says the photo was taken, unless the photo has a position of its own;
    a photo dated only in TIME_ZONE is dated again in the zone there. True once applied."""
    if facts.latitude is None or facts.longitude is None:
        return False
    photo.refresh_from_db()
    return apply_location(photo, locate(facts.latitude, facts.longitude, facts.altitude))


def take_sidecar_date(photo: Photo, taken_at):
    """The file follows the date, as when a person fixes it (journalled, never overwriting)."""
    candidates = list(library_candidates(photo, taken_at))
    if photo.trashed_at is not None or photo.path in candidates:
        Photo.objects.filter(pk=photo.pk).update(**dating(taken_at, photo.zone), taken_at_source=DateSource.SIDECAR)
    else:
        move_original(photo, MoveReason.SIDECAR, candidates, taken_at=taken_at)


def keep_beside(photo: Photo, content: str):
    """`<original>.xmp`, written whole or not at all: the newest sidecar brought replaces an older one."""
    photo.refresh_from_db()
    target = absolute_path(sidecar_path(photo.path))
    data = content.encode("utf-8")
    if target.exists() and target.read_bytes() == data:
        return
    descriptor, temp_name = tempfile.mkstemp(dir=import_temp_dir(), suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as temp_file:
            temp_file.write(data)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.replace(temp_name, target)
    except BaseException:
        os.unlink(temp_name)
        raise
    fsync_path(target.parent)


def settle_new_sidecars(pending_rows: list[tuple[PendingSidecar, Scope]]) -> dict[int, tuple[str, int]]:
    """After the sidecars' rows are committed: each whose photo is in the library, applied.
    Returns {outcome id: (new text, photo id)}."""
    settled = {}
    for pending, scope in pending_rows:
        photo = find_photo(pending, scope)
        if photo is not None and (text := settle(pending, photo)):
            settled[pending.outcome_id] = (text, photo.pk)
    return settled


def record_waiting(entries_and_outcomes, scope_of) -> list[tuple[PendingSidecar, Scope]]:
    """Inside the outcome's transaction: the rows that keep each sidecar until its photo comes."""
    with transaction.atomic():
        return [(keep_waiting(item.name, item.sidecar, scope_of(item), outcome_id), scope_of(item))
                for item, outcome_id in entries_and_outcomes]
