"""The thumbnail cache: where thumbnails live, and the one way to make a missing one.

Names come from the photo's SHA-256 and the spec (`ab/cd/<sha256>-h400-jpeg-v1.jpg`), so the
same bytes imported twice share thumbnails and a new generator version never meets an old
file. Files go through `storages["thumbnails"]`, so a deployment can put them elsewhere.

`ensure()` is shared by both strategies, the lazy view and the background pre-generation:
whoever wins the claim on the rendition row makes the thumbnail, everyone else waits for its
result, whichever process or machine they run in. Failures are recorded on the row and back
off, so a file that makes ffmpeg fail is not re-run on every request."""
import logging
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models import F, Q
from django.utils import timezone

from library.models import Photo
from library.paths import absolute_path

from .errors import ThumbnailBackoffError, ThumbnailBusyError, ThumbnailError, ThumbnailStoreError
from .generators.photo import generate_photo_thumbnail
from .generators.video import FFMPEG_TIMEOUT_SECONDS, generate_video_thumbnail
from .models import Thumbnail, ThumbnailState
from .specs import InvalidSpecError, ThumbnailSpec, all_current_specs

logger = logging.getLogger("photosite.thumbnails")

# A claim outlives the slowest generation (ffmpeg's limit) so that only a crashed process
# loses it; then another may take over.
CLAIM_LEASE = timedelta(seconds=2 * FFMPEG_TIMEOUT_SECONDS + 30)
WAIT_POLL_SECONDS = 0.05
WAIT_LIMIT_SECONDS = CLAIM_LEASE.total_seconds()
RETRY_FIRST_SECONDS = 60
RETRY_LONGEST_SECONDS = 24 * 3600


def thumbnail_storage() -> Storage:
    return storages["thumbnails"]


def is_local() -> bool:
    """Whether the storage is a local folder (reads are then quick enough to do anywhere)."""
    return isinstance(thumbnail_storage(), FileSystemStorage)


def storage_name(sha256: str, spec: ThumbnailSpec) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}-{spec}.{spec.extension}"


def is_current_name(name: str) -> bool:
    """Whether a name in the storage is one today's specs would give: false for a thumbnail of an
    older generator version or of a format no longer in the allow-list, which nothing serves."""
    base = name.rsplit("/", 1)[-1]
    sha256, _, rest = base.partition("-")
    spec_text, _, extension = rest.rpartition(".")
    try:
        spec = ThumbnailSpec.from_string(spec_text)
    except InvalidSpecError:
        return False
    return spec.is_current and storage_name(sha256, spec) == name


def delete_stored(name: str):
    """Removes a thumbnail from the storage and its row, if any (for `checklibrary --repair`)."""
    thumbnail_storage().delete(name)
    Thumbnail.objects.filter(name=name).delete()


def exists(photo: Photo, spec: ThumbnailSpec) -> bool:
    return thumbnail_storage().exists(storage_name(photo.sha256, spec))


def read(photo: Photo, spec: ThumbnailSpec) -> bytes:
    """The cached bytes; FileNotFoundError when the thumbnail is not (or no longer) there."""
    with thumbnail_storage().open(storage_name(photo.sha256, spec), "rb") as cached:
        return cached.read()


def ensure(photo: Photo, spec: ThumbnailSpec, force: bool = False) -> str:
    """The storage name of the photo's thumbnail, made first if it is missing (or if `force`).

    Single-flight across threads, processes and machines. Raises a ThumbnailError subclass
    when it cannot be made (the failure is recorded and logged once, by whoever tried)."""
    name = storage_name(photo.sha256, spec)
    storage = thumbnail_storage()
    if not force and storage.exists(name):
        return name
    row = rendition_row(photo, spec, name)
    if not force:
        refuse_during_backoff(row)
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while not claim(row):
        time.sleep(WAIT_POLL_SECONDS)
        if storage.exists(name):
            return name
        row.refresh_from_db()
        refuse_during_backoff(row)
        if time.monotonic() > deadline:
            raise ThumbnailBusyError(f"another process is still making {spec} of photo {photo.pk}")
    if not force and storage.exists(name):
        if not record_found(photo, spec, claimed_row=row):
            release(row)
        return name
    return make_claimed(photo, spec, row, name, storage)


def rendition_row(photo: Photo, spec: ThumbnailSpec, name: str) -> Thumbnail:
    row, _ = Thumbnail.objects.get_or_create(photo=photo, spec=str(spec), defaults={"name": name})
    return row


def refuse_during_backoff(row: Thumbnail):
    if row.state == ThumbnailState.FAILED and row.retry_after and row.retry_after > timezone.now():
        raise ThumbnailBackoffError(f"{row.last_error} (next attempt after {row.retry_after:%Y-%m-%d %H:%M:%S})")


def unclaimed(now) -> Q:
    """Rows nobody holds at `now`: never claimed, released, or with a lapsed lease."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def claim(row: Thumbnail) -> bool:
    """Win the row's lease with one conditional UPDATE: the database picks a single winner."""
    now = timezone.now()
    return Thumbnail.objects.filter(unclaimed(now), pk=row.pk).update(claimed_until=now + CLAIM_LEASE) == 1


def release(row: Thumbnail):
    Thumbnail.objects.filter(pk=row.pk).update(claimed_until=None)


def make_claimed(photo: Photo, spec: ThumbnailSpec, row: Thumbnail, name: str, storage: Storage) -> str:
    started = time.monotonic()
    try:
        data = generate(photo, spec)
        save_atomically(storage, name, data)
    except ThumbnailError as error:
        record_failure(photo, spec, row, error)
        raise
    except BaseException:
        release(row)  # a bug or an interrupt: let the next request try at once, not after the lease
        raise
    Thumbnail.objects.filter(pk=row.pk).update(**ready_fields(name, len(data)))
    logger.info("Thumbnail made: photo %s %s, %d bytes in %.0f ms", photo.pk, spec, len(data),
                (time.monotonic() - started) * 1000)
    return name


def ready_fields(name: str, size: int) -> dict:
    """What a row records once its thumbnail is in the storage: one more generation, no failure, no claim."""
    return {"state": ThumbnailState.READY, "name": name, "bytes": size, "generated_at": timezone.now(),
            "generations": F("generations") + 1, "attempts": 0, "last_error": "", "retry_after": None,
            "claimed_until": None}


def record_found(photo: Photo, spec: ThumbnailSpec, claimed_row: Thumbnail | None = None) -> bool:
    """Records a thumbnail that is in the storage while its row is not ready: its maker was killed
    between the rename and the row's update, so the file is whole but unrecorded (the status page
    and the admin filter would count it missing). It counts as the one generation it was.

    `claimed_row` is the row when the caller holds its claim. Without one, a row under a live
    claim is left alone: its maker may be about to record the file itself."""
    name = storage_name(photo.sha256, spec)
    if claimed_row is None:
        rows = Thumbnail.objects.filter(unclaimed(timezone.now()), pk=rendition_row(photo, spec, name).pk)
    else:
        rows = Thumbnail.objects.filter(pk=claimed_row.pk)
    unrecorded = rows.exclude(state=ThumbnailState.READY)
    return unrecorded.update(**ready_fields(name, thumbnail_storage().size(name))) == 1


def generate(photo: Photo, spec: ThumbnailSpec) -> bytes:
    source = absolute_path(photo.path)
    if photo.is_video:
        return generate_video_thumbnail(source, spec, photo.duration)
    return generate_photo_thumbnail(source, spec)


def save_atomically(storage: Storage, name: str, data: bytes):
    """Readers never see half a file: on disk, a temp file renamed over the name; elsewhere the
    storage's own save (object stores write whole objects)."""
    try:
        if isinstance(storage, FileSystemStorage):
            replace_file(Path(storage.path(name)), data, storage.file_permissions_mode or 0o644)
        else:
            storage.delete(name)
            storage.save(name, ContentFile(data))
    except OSError as error:
        raise ThumbnailStoreError(f"could not store thumbnail {name}: {error}") from error


def replace_file(path: Path, data: bytes, mode: int):
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as temp:
        try:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
            os.chmod(temp.name, mode)
            os.replace(temp.name, path)
        except OSError:
            os.unlink(temp.name)
            raise


def record_failure(photo: Photo, spec: ThumbnailSpec, row: Thumbnail, error: ThumbnailError):
    row.refresh_from_db(fields=["attempts"])
    attempts = row.attempts + 1
    delay = min(RETRY_FIRST_SECONDS * 4 ** (attempts - 1), RETRY_LONGEST_SECONDS)
    retry_after = timezone.now() + timedelta(seconds=delay)
    Thumbnail.objects.filter(pk=row.pk).update(
        state=ThumbnailState.FAILED, attempts=attempts, last_error=str(error), retry_after=retry_after,
        claimed_until=None,
    )
    logger.error("Thumbnail failed: photo %s (%s) %s, attempt %d, next after %ds: %s",
                 photo.pk, photo.original_name, spec, attempts, delay, error)


def delete_all(photo: Photo):
    """Remove every thumbnail of the photo from the storage and the database (photo trashed)."""
    storage = thumbnail_storage()
    names = {storage_name(photo.sha256, spec) for spec in all_current_specs()}
    names.update(name for name in Thumbnail.objects.filter(photo=photo).values_list("name", flat=True) if name)
    for name in names:
        if storage.exists(name):
            storage.delete(name)
    Thumbnail.objects.filter(photo=photo).delete()
