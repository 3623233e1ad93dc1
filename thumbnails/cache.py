"""The thumbnail cache: the one owner of both records of a thumbnail, its file in the storage
and its `Thumbnail` row, and the one way to make a missing one.

Names come from the photo's SHA-256 and the spec (`ab/cd/<sha256>-h400-jpeg-v1.jpg`), so the
same bytes imported twice share thumbnails and a new generator version never meets an old
file. Files go through `storages["thumbnails"]` and the Storage API alone, so a deployment can
put them elsewhere; atomic, no-overwrite writes are that storage's job (thumbnails.storage).

`ensure()` is shared by both strategies, the lazy view and the background pre-generation, and
keeps file and row in step: it returns what to serve (the bytes it just made, or the stored
file) with its ETag. Whoever wins the claim on the rendition row makes the thumbnail, everyone
else waits for its result, whichever process or machine they run in. Failures are recorded on
the row and back off, so a file that makes ffmpeg fail is not re-run on every request. The rest
is a small read API (`read`, `exists`, `thumbnail_path`) and the deletions (trash, repair).

Videos' web renditions (thumbnails.video_cache) live in the same storage and rows and use the
same claim, back-off and failure record; only how they are made and served differs."""
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from library.models import Photo
from library.paths import absolute_path

from .errors import (
    DecoderFailureError,
    ThumbnailBackoffError,
    ThumbnailBusyError,
    ThumbnailError,
    ThumbnailStoreError,
)
from .generators.video import FFMPEG_TIMEOUT_SECONDS, generate_video_thumbnail
from .generators.video_rendition import VideoRenditionSpec
from .models import Thumbnail, ThumbnailState
from .specs import GENERATOR_VERSION, InvalidSpecError, ThumbnailSpec, all_current_specs
from .storage import local_path

logger = logging.getLogger("photosite.thumbnails")

# A claim outlives the slowest generation (ffmpeg's limit) so that only a crashed process
# loses it; then another may take over.
CLAIM_LEASE = timedelta(seconds=2 * FFMPEG_TIMEOUT_SECONDS + 30)
WAIT_POLL_SECONDS = 0.05
WAIT_LIMIT_SECONDS = CLAIM_LEASE.total_seconds()
RETRY_FIRST_SECONDS = 60
RETRY_LONGEST_SECONDS = 24 * 3600
THUMBNAIL_NAME = re.compile(r"^(?P<sha256>[0-9a-f]{64})-")


def thumbnail_storage() -> Storage:
    return storages["thumbnails"]


def stored_on_this_machine() -> bool:
    """Whether the storage keeps its files on this machine (reads are then quick enough to do anywhere)."""
    return local_path(thumbnail_storage(), "") is not None


def current_video_spec() -> VideoRenditionSpec:
    """The web rendition videos get today (thumbnails.video_cache makes and serves it)."""
    return VideoRenditionSpec(settings.PHOTOSITE_VIDEO_RENDITION_LINES)


def storage_name(sha256: str, spec: ThumbnailSpec | VideoRenditionSpec) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}-{spec}.{spec.extension}"


def etag(photo: Photo, spec: ThumbnailSpec) -> str:
    """The thumbnail's entity tag: its content's name, so it changes exactly when the name does."""
    return f'"{photo.sha256}-{spec}"'


def photo_sha256_of(name: str) -> str | None:
    """The SHA-256 of the photo a name in the storage is a thumbnail of (current or not), or None
    for a name that is no thumbnail's (`checklibrary` asks, to find thumbnails of no photo)."""
    match = THUMBNAIL_NAME.match(name.rsplit("/", 1)[-1])
    return match["sha256"] if match else None


def is_current_name(name: str) -> bool:
    """Whether a name in the storage is one today's specs would give: false for a thumbnail of an
    older generator version or of a format no longer in the allow-list, which nothing serves."""
    base = name.rsplit("/", 1)[-1]
    sha256, _, rest = base.partition("-")
    spec_text, _, extension = rest.rpartition(".")
    if name == storage_name(sha256, current_video_spec()):
        return True
    try:
        spec = ThumbnailSpec.from_string(spec_text)
    except InvalidSpecError:
        return False
    return spec.version == GENERATOR_VERSION and storage_name(sha256, spec) == name


def delete_stored(name: str):
    """Removes a thumbnail from the storage and its row, if any (for `checklibrary --repair`)."""
    thumbnail_storage().delete(name)
    Thumbnail.objects.filter(name=name).delete()


def exists(photo: Photo, spec: ThumbnailSpec) -> bool:
    return thumbnail_storage().exists(storage_name(photo.sha256, spec))


def read(photo: Photo, spec: ThumbnailSpec) -> bytes:
    """The cached bytes; FileNotFoundError when the thumbnail is not (or no longer) there."""
    return read_stored(storage_name(photo.sha256, spec))


def read_stored(name: str) -> bytes:
    with thumbnail_storage().open(name, "rb") as cached:
        return cached.read()


def thumbnail_path(photo: Photo, spec: ThumbnailSpec) -> str | None:
    """Where the thumbnail's file is on this machine, or None when the storage is not local."""
    return local_path(thumbnail_storage(), storage_name(photo.sha256, spec))


def stored_size() -> tuple[int, int, int]:
    """(files, bytes, files of unknown size) of the cache, from the rendition rows: a walk of the
    storage costs seconds at a million files (and an object store has no cheap walk). A row says
    its size since it was made or found; one that does not (none is written so today) is counted
    apart. Embedded videos cut out of motion photos have no row and are not counted."""
    totals = Thumbnail.objects.filter(state=ThumbnailState.READY).aggregate(
        files=Count("id"), size=Sum("bytes"), unknown=Count("id", filter=Q(bytes__isnull=True)))
    return totals["files"], totals["size"] or 0, totals["unknown"]


def recorded_annotation(spec: ThumbnailSpec) -> Exists:
    """For annotating a queryset of photos: whether the row of the photo's `spec` thumbnail says
    it is cached. The view asks it with the photo (no extra query), to hand `ensure(recorded=)`."""
    return Exists(Thumbnail.objects.filter(photo=OuterRef("pk"), spec=str(spec), state=ThumbnailState.READY))


@dataclass(frozen=True)
class Rendition:
    """A thumbnail in the storage, ready to serve. `made` holds its bytes when the call that
    returned it made them (a miss): they are served as they are, never read back."""
    name: str
    etag: str
    content_type: str
    made: bytes | None = None

    def read(self) -> bytes:
        """Its bytes; FileNotFoundError when it is no longer in the storage (its photo trashed)."""
        return self.made if self.made is not None else read_stored(self.name)


def rendition(photo: Photo, spec: ThumbnailSpec, made: bytes | None = None) -> Rendition:
    return Rendition(storage_name(photo.sha256, spec), etag(photo, spec), spec.content_type, made)


def ensure(photo: Photo, spec: ThumbnailSpec, force: bool = False, recorded: bool | None = None) -> Rendition:
    """The photo's thumbnail, made first if it is missing (or if `force`); either way its row says
    cached afterwards. This is the one place that keeps the file and the row in step.

    `recorded` is whether the caller already knows the row says cached (pre-generation asks for a
    whole batch at once, the view with the photo); None makes ensure ask. A file found while its
    row does not say so (its maker was killed between the write and the row's update) is recorded,
    not made again. Single-flight across threads, processes and machines. Raises a ThumbnailError
    subclass when it cannot be made (the failure is recorded and logged once, by whoever tried)."""
    name = storage_name(photo.sha256, spec)
    storage = thumbnail_storage()
    if not force and storage.exists(name):
        if not (is_recorded(photo, spec) if recorded is None else recorded):
            record_found(rendition_row(photo, spec, name), name)
        return rendition(photo, spec)
    row = rendition_row(photo, spec, name)
    if not force:
        refuse_during_backoff(row)
    if not wait_for_claim(row, name, photo, spec, force):
        return rendition(photo, spec)  # made meanwhile by the claim's holder, who records it
    if not force and storage.exists(name):  # made between our look and our claim
        record_claimed(row, name)
        return rendition(photo, spec)
    return rendition(photo, spec, made=make_claimed(photo, spec, row, name, storage, force))


def is_recorded(photo: Photo, spec: ThumbnailSpec) -> bool:
    return Thumbnail.objects.filter(photo=photo, spec=str(spec), state=ThumbnailState.READY).exists()


def wait_for_claim(row: Thumbnail, name: str, photo: Photo, spec: ThumbnailSpec, force: bool = False) -> bool:
    """True once we hold the row's claim; False when the file appeared while another held it.
    Raises ThumbnailBackoffError when the claim's holder failed meanwhile (unless `force`)."""
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while not claim(row, during_backoff=force):
        row.refresh_from_db()
        if not force:
            refuse_during_backoff(row)
        time.sleep(WAIT_POLL_SECONDS)
        if thumbnail_storage().exists(name):
            return False
        if time.monotonic() > deadline:
            raise ThumbnailBusyError(f"another process is still making {spec} of photo {photo.pk}")
    return True


def rendition_row(photo: Photo, spec: ThumbnailSpec, name: str) -> Thumbnail:
    row, _ = Thumbnail.objects.get_or_create(photo=photo, spec=str(spec), defaults={"name": name})
    return row


def refuse_during_backoff(row: Thumbnail):
    if row.state == ThumbnailState.FAILED and row.retry_after and row.retry_after > timezone.now():
        raise ThumbnailBackoffError(f"{row.last_error} (next attempt after {row.retry_after:%Y-%m-%d %H:%M:%S})")


def unclaimed(now) -> Q:
    """Rows nobody holds at `now`: never claimed, released, or with a lapsed lease."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def claim(row: Thumbnail, lease: timedelta = CLAIM_LEASE, during_backoff: bool = False) -> bool:
    """Win the row's lease with one conditional UPDATE: the database picks a single winner.

    A row in its back-off is not claimed (unless `during_backoff`, for a forced remake): the
    back-off is part of the same condition, because a caller's earlier look at the row may be
    stale. Two workers that both read the row before the first failed would otherwise try twice."""
    now = timezone.now()
    rows = Thumbnail.objects.filter(unclaimed(now), pk=row.pk)
    if not during_backoff:
        rows = rows.exclude(state=ThumbnailState.FAILED, retry_after__gt=now)
    return rows.update(claimed_until=now + lease) == 1


def release(row: Thumbnail):
    Thumbnail.objects.filter(pk=row.pk).update(claimed_until=None)


def make_claimed(photo: Photo, spec: ThumbnailSpec, row: Thumbnail, name: str, storage: Storage,
                 replace: bool = False) -> bytes:
    """Makes and stores the thumbnail while holding the row's claim; returns its bytes."""
    started = time.monotonic()
    try:
        data = generate(photo, spec)
        save_atomically(storage, name, data, replace)
    except ThumbnailError as error:
        record_failure(photo, spec, row, error)
        raise
    except BaseException:
        release(row)  # a bug or an interrupt: let the next request try at once, not after the lease
        raise
    Thumbnail.objects.filter(pk=row.pk).update(**ready_fields(name, len(data)))
    logger.info("Thumbnail made: photo %s %s, %d bytes in %.0f ms", photo.pk, spec, len(data),
                (time.monotonic() - started) * 1000)
    return data


def ready_fields(name: str, size: int) -> dict:
    """What a row records once its thumbnail is in the storage: one more generation, no failure, no claim."""
    return {"state": ThumbnailState.READY, "name": name, "bytes": size, "generated_at": timezone.now(),
            "generations": F("generations") + 1, "attempts": 0, "last_error": "", "retry_after": None,
            "claimed_until": None}


def record_found(row: Thumbnail, name: str):
    """Records a file found in the storage while its row does not say cached, under the row's
    claim like any write of the row. A row under a live claim is left alone: its maker may be
    about to record the file itself (so a file never counts two generations). The file is there,
    so a back-off (a failed forced remake) does not stop its record."""
    if claim(row, during_backoff=True):
        record_claimed(row, name)


def record_claimed(row: Thumbnail, name: str):
    """Records the stored file on a row we hold, as the one generation it was (unless the row
    already says cached), and releases the claim."""
    unrecorded = Thumbnail.objects.filter(pk=row.pk).exclude(state=ThumbnailState.READY)
    if not unrecorded.update(**ready_fields(name, thumbnail_storage().size(name))):
        release(row)


def generate(photo: Photo, spec: ThumbnailSpec) -> bytes:
    """The generator's bytes; whatever it raises is a ThumbnailError, so the file gets a placeholder,
    one errors.log line and the back-off, never a 500.

    The one place that says so: a generator is pure (a file in, bytes out), so anything it raises
    comes from the file, through a decoder (Pillow and its plugins, rawpy, numpy, ffmpeg's output)
    that may raise any class on hostile bytes: Pillow's TIFF plugin gave TypeError on a CR2."""
    from .generators.photo import generate_photo_thumbnail  # here: it brings rawpy and numpy, which commands never need

    source = absolute_path(photo.path)
    try:
        if photo.is_video:
            return generate_video_thumbnail(source, spec, photo.duration)
        return generate_photo_thumbnail(source, spec)
    except ThumbnailError:
        raise
    except Exception as error:
        raise DecoderFailureError(f"cannot decode {source.name}: {type(error).__name__}: {error}") from error


def save_atomically(storage: Storage, name: str, data: bytes, replace: bool = False):
    """Stores the bytes under `name` (first removing what is there, with `replace`). Atomicity is
    the storage's: thumbnails.storage on disk, an object store's whole-object writes elsewhere.

    The name is the content's, so if a storage that never overwrites saved them under another
    name, another writer stored the same thumbnail first (a lapsed claim): that copy stays."""
    try:
        if replace:
            storage.delete(name)
        saved = storage.save(name, ContentFile(data))
        if saved != name:
            storage.delete(saved)
    except OSError as error:
        raise ThumbnailStoreError(f"could not store thumbnail {name}: {error}") from error


def record_failure(photo: Photo, spec: ThumbnailSpec | VideoRenditionSpec, row: Thumbnail, error: ThumbnailError,
                   what: str = "Thumbnail"):
    row.refresh_from_db(fields=["attempts"])
    attempts = row.attempts + 1
    delay = min(RETRY_FIRST_SECONDS * 4 ** (attempts - 1), RETRY_LONGEST_SECONDS)
    retry_after = timezone.now() + timedelta(seconds=delay)
    reason = " ".join(str(error).split())  # one line: decoders' messages may hold line breaks
    Thumbnail.objects.filter(pk=row.pk).update(
        state=ThumbnailState.FAILED, attempts=attempts, last_error=reason, retry_after=retry_after,
        claimed_until=None,
    )
    logger.error("%s failed: photo %s (%s) %s, attempt %d, next after %ds: %s",
                 what, photo.pk, photo.original_name, spec, attempts, delay, reason)


def delete_all(photo: Photo):
    """Remove every thumbnail of the photo from the storage and the database (photo trashed)."""
    storage = thumbnail_storage()
    names = {storage_name(photo.sha256, spec) for spec in all_current_specs()}
    names.update(name for name in Thumbnail.objects.filter(photo=photo).values_list("name", flat=True) if name)
    for name in names:
        if storage.exists(name):
            storage.delete(name)
    Thumbnail.objects.filter(photo=photo).delete()
