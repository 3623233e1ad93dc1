"""Still thumbnails over the rendition store (thumbnails.store): the one way to make a missing one.

`ensure()` is shared by both strategies, the lazy view and the background pre-generation: it
returns what to serve (the bytes it just made, or the stored file). Whoever wins
the claim on the rendition's row makes the thumbnail, everyone else waits for its result,
whichever process or machine they run in; failures are recorded and back off (the store's)."""
import logging
import time
from dataclasses import dataclass

from library.models import Photo
from library.paths import absolute_path

from .errors import DecoderFailureError, RenditionError
from .generators.video import generate_video_thumbnail
from .placeholders import placeholder_fields
from .specs import ThumbnailSpec
from .store import Entry

logger = logging.getLogger("photosite.thumbnails")


@dataclass(frozen=True)
class Rendition:
    """A thumbnail in the store, ready to serve (its ETag is `names.etag`'s). `made` holds its bytes when the call that
    returned it made them (a miss): they are served as they are, never read back."""
    entry: Entry
    made: bytes | None = None

    @property
    def name(self) -> str:
        return self.entry.name

    def read(self) -> bytes:
        """Its bytes; FileNotFoundError when it is no longer in the storage (its photo trashed)."""
        return self.made if self.made is not None else self.entry.read()


def ensure(photo: Photo, spec: ThumbnailSpec, force: bool = False, recorded: bool | None = None) -> Rendition:
    """The photo's thumbnail, made first if it is missing (or if `force`); either way its row says
    ready afterwards.

    `recorded` is whether the caller already knows the row says ready (pre-generation asks for a
    whole batch at once, the view with the photo); None makes ensure ask. A file found while its
    row does not say so is recorded, not made again. Single-flight across threads, processes and
    machines. Raises a RenditionError subclass when it cannot be made (the failure is recorded
    and logged once, by whoever tried)."""
    entry = Entry(photo, spec)
    if not force and entry.exists():
        if not (entry.is_ready() if recorded is None else recorded):
            entry.record_found()
        return Rendition(entry)
    if not force:
        entry.refuse_during_backoff()
    if not entry.wait_for_claim(during_backoff=force):
        return Rendition(entry)  # made meanwhile by the claim's holder, who records it
    if not force and entry.exists():  # made between our look and our claim
        entry.record_claimed()
        return Rendition(entry)
    return Rendition(entry, made=make_claimed(entry, replace=force))


def make_claimed(entry: Entry, replace: bool = False) -> bytes:
    """Makes and stores the thumbnail while holding the row's claim; returns its bytes."""
    started = time.monotonic()
    try:
        data = generate(entry.photo, entry.spec)
        placeholder = placeholder_fields(entry.spec, data)
        entry.save(data, replace)
    except RenditionError as error:
        entry.set_failed(error, what="Thumbnail")
        raise
    except BaseException:
        entry.release()  # a bug or an interrupt: let the next request try at once, not after the lease
        raise
    entry.set_ready(len(data), **placeholder)
    logger.info("Thumbnail made: photo %s %s, %d bytes in %.0f ms", entry.photo.pk, entry.spec, len(data),
                (time.monotonic() - started) * 1000)
    return data


def generate(photo: Photo, spec: ThumbnailSpec) -> bytes:
    """The generator's bytes; whatever it raises is a RenditionError, so the file gets a
    placeholder, one errors.log line and the back-off, never a 500.

    The one place that says so: a generator is pure (a file in, bytes out), so anything it raises
    comes from the file, through a decoder (Pillow and its plugins, rawpy, numpy, ffmpeg's output)
    that may raise any class on hostile bytes: Pillow's TIFF plugin gave TypeError on a CR2."""
    from .generators.photo import generate_photo_thumbnail  # here: it brings rawpy and numpy, which commands never need

    source = absolute_path(photo.path)
    try:
        if photo.is_video:
            return generate_video_thumbnail(source, spec, photo.duration)
        return generate_photo_thumbnail(source, spec)
    except RenditionError:
        raise
    except Exception as error:
        raise DecoderFailureError(f"cannot decode {source.name}: {type(error).__name__}: {error}") from error
