"""Many files through the pipeline at once (the command line, the watch folder).

Worker threads copy and hash (both release the GIL, so on two cores one file is hashed while
another is copied) and read metadata; the calling thread commits their outcomes a group at a
time, while the workers go on with the next files. A group's files share the waits for the
disk (two syncfs) and one transaction: with an fsync of the file and one of its folder per file,
the fsyncs were the largest part of the import's time (docs/benchmarks.md)."""
import contextlib
import errno
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from library.models import OutcomeStatus

from .archives import OpenArchives
from .pipeline import Failure, ImportPipeline, Prepared
from .progress import FileResult
from .sources import SourceFile, still_inside, unlink_inside

logger = logging.getLogger("photosite.import")

GROUP_FILES = 32
# The outcomes after which a source's bytes are safe in the library (`--move` may delete it).
KEPT_IN_LIBRARY = {OutcomeStatus.IMPORTED, OutcomeStatus.DUPLICATE}
GROUP_BYTES = 256 * 1024 * 1024
# Files staged ahead of the group being committed: enough to keep the workers busy meanwhile,
# few enough that an import killed outright leaves little in .import_temp.
AHEAD_FILES = 2 * GROUP_FILES


def import_sources(pipeline: ImportPipeline, sources, jobs: int, move=False, stop=None) -> list[FileResult]:
    """Imports `sources` (SourceFile) in order; with `move`, each source whose bytes are in the
    library (imported, or there already) is deleted once its outcome is committed; a file passed
    by (a sidecar, a text) is never deleted. Once
    `stop` (a threading.Event) is set, no new file is started: those under way are finished."""
    results = []
    sources = iter(sources)
    archives = OpenArchives()
    with contextlib.closing(archives), ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="import") as pool:
        pending = deque()

        def fill():
            while (len(pending) < AHEAD_FILES and not (stop and stop.is_set())
                   and (source := next(sources, None)) is not None):
                pending.append((source, pool.submit(prepare_source, pipeline, source, move, archives)))

        group, group_bytes = [], 0
        try:
            fill()
            while pending:
                source, future = pending.popleft()
                item = future.result()
                fill()
                group.append((source, item))
                group_bytes += item.staged.size if isinstance(item, Prepared) else 0
                if len(group) >= GROUP_FILES or group_bytes >= GROUP_BYTES or not pending:
                    results += commit_group(pipeline, group, move)
                    group, group_bytes = [], 0
        except BaseException:  # Ctrl-C, SIGTERM: the files staged ahead must not stay in .import_temp
            pool.shutdown(cancel_futures=True)
            discard([item for _, item in group] + [future.result() for _, future in pending
                                                    if not future.cancelled() and future.exception() is None])
            raise
    return results


def discard(items):
    for item in items:
        if isinstance(item, Prepared):
            item.staged.temp_path.unlink(missing_ok=True)


def prepare_source(pipeline: ImportPipeline, source: SourceFile, move: bool, archives: OpenArchives) -> Prepared | Failure:
    if source.problem:
        return Failure(str(source.path), None, source.problem)
    if not still_inside(source):
        return Failure(str(source.path), None, "a symbolic link on its way leads out of the folder (not followed)")
    if source.member:
        return pipeline.prepare_member(archives, source.path, source.member)
    return pipeline.prepare_path(source.path, move=move)


def commit_group(pipeline: ImportPipeline, group, move: bool) -> list[FileResult]:
    results = pipeline.commit([item for _, item in group])
    if move:
        for (source, _), result in zip(group, results, strict=True):
            if result.status in KEPT_IN_LIBRARY and not source.member:  # an archive stays whole
                remove_source(source)
    return results


def remove_source(source: SourceFile):
    """A source that vanished meanwhile (someone else moved it) is not an error: its bytes are
    safe. One whose folder became a link out after it was read stays, and so does what the link
    points at."""
    try:
        with contextlib.suppress(FileNotFoundError):
            unlink_inside(source)
    except OSError as error:
        if error.errno not in (errno.ELOOP, errno.ENOTDIR, errno.EXDEV):
            raise
        logger.warning("Not removed after its import: %s (a folder on its way is now a symbolic link)", source.path)
