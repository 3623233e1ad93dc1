"""Edge hashes for the photos imported before they were recorded (`manage.py edgehashes`).

Until a photo has one, the web import's browser hashes whole every file of its size
(services.web_import.edges_held), as it did before edge hashes: correct, only slower. Filling
them in reads 2 × 64 KB of each such photo's file, a batch at a time: one short transaction and
one batch of rows in memory at once, so the command may be stopped and run again at any point
while the site serves (a photo that has its edge hash is passed by)."""
import logging
from dataclasses import dataclass

from library.importing.edge_hash import file_edge_sha256
from library.models import Photo
from library.paths import absolute_path

logger = logging.getLogger("photosite.library")

BATCH_SIZE = 500


@dataclass
class FillCount:
    filled: int = 0
    unreadable: int = 0


def photos_without_edge_hash():
    return Photo.objects.filter(edge_sha256="")


def fill_edge_hashes(batch_size=BATCH_SIZE, on_batch=None) -> FillCount:
    """Reads and records the edge hash of every photo without one, `batch_size` rows at a time;
    `on_batch(rows)` hears of each batch done. A file that cannot be read, or whose size is not
    its row's, keeps none (logged): its size stays on the whole-file rule."""
    count, after = FillCount(), 0
    while batch := list(photos_without_edge_hash().filter(pk__gt=after).order_by("pk")
                        .only("pk", "path", "size")[:batch_size]):
        after = batch[-1].pk
        read = [photo for photo in batch if read_edge_hash(photo)]
        Photo.objects.bulk_update(read, ["edge_sha256"])
        count.filled += len(read)
        count.unreadable += len(batch) - len(read)
        if on_batch:
            on_batch(len(batch))
    return count


def read_edge_hash(photo: Photo) -> bool:
    """Sets the photo's edge hash from its file; False (logged) when the file cannot give it."""
    try:
        with open(absolute_path(photo.path), "rb") as original:
            size = original.seek(0, 2)
            if size != photo.size:
                logger.warning("No edge hash for photo %s: its file %s holds %d bytes, its row says %d",
                               photo.pk, photo.path, size, photo.size)
                return False
            photo.edge_sha256 = file_edge_sha256(original.fileno(), size)
    except OSError as error:
        logger.warning("No edge hash for photo %s: %s cannot be read (%s)", photo.pk, photo.path, error)
        return False
    return True
