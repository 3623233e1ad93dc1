"""A file's edge hash: the SHA-256 of its first and last EDGE_BYTES. Two files of one size whose
edges differ are different files, and telling that costs a reader 2 × EDGE_BYTES of each, not the
whole file: the web import's browser reads edges to learn which files of a size the library holds
are worth hashing whole (library/static/library/hash_worker.js spells the same rule in JS).

A file of at most 2 × EDGE_BYTES is read whole, so its edge hash is its SHA-256."""
import hashlib
import os

EDGE_BYTES = 64 * 1024


def tail_start(size: int) -> int:
    """Where the tail begins: never inside the head, so no byte is taken twice."""
    return max(EDGE_BYTES, size - EDGE_BYTES)


def file_edge_sha256(descriptor: int, size: int) -> str:
    """The edge hash of an open file of `size` bytes, read by position (the file's offset is left alone)."""
    hasher = hashlib.sha256(os.pread(descriptor, min(size, EDGE_BYTES), 0))
    start = tail_start(size)
    if start < size:
        hasher.update(os.pread(descriptor, size - start, start))
    return hasher.hexdigest()
