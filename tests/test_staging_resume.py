"""The staging writer across the pieces of a resumable upload: paused and reopened, with the hash
state kept, brought up to date with bytes another process wrote since, or (a restarted server)
computed again from the bytes on disk."""
import hashlib
import os

import pytest

from library.importing.staging import RESUMABLE_SUFFIX, STAGED_SUFFIX, StagingWriter

pytestmark = pytest.mark.outside_database


@pytest.mark.parametrize("keep_state", [True, False], ids=["state kept", "hashed again"])
def test_a_file_written_in_pieces_hashes_as_a_whole(library_root, keep_state):
    # given: a file's first piece written and paused
    data = os.urandom(3 * 1024 * 1024 + 17)
    writer = StagingWriter("VIDEO.MOV", expected_size=len(data), suffix=RESUMABLE_SUFFIX)
    writer.write(data[:1_000_000])
    hasher = writer.pause()
    assert writer.temp_path.suffix == RESUMABLE_SUFFIX
    # when: the rest is written after reopening it
    resumed = StagingWriter.reopen(writer.temp_path, "VIDEO.MOV", len(data), hasher if keep_state else None,
                                   1_000_000 if keep_state else None)
    assert resumed.size == 1_000_000
    resumed.write(data[1_000_000:])
    staged = resumed.finish()
    # then
    assert staged.sha256 == hashlib.sha256(data).hexdigest()
    assert staged.size == len(data)
    assert staged.temp_path.suffix == STAGED_SUFFIX
    assert staged.temp_path.read_bytes() == data


def test_a_hash_state_behind_the_file_catches_up_on_the_bytes_after_it(library_root):
    # given: a state that covers fewer bytes than the file holds (a piece written by another process)
    writer = StagingWriter("VIDEO.MOV", expected_size=30, suffix=RESUMABLE_SUFFIX)
    writer.write(b"a" * 10)
    old_state = writer.pause().copy()
    with open(writer.temp_path, "ab") as file:
        file.write(b"b" * 10)
    # when
    resumed = StagingWriter.reopen(writer.temp_path, "VIDEO.MOV", 30, old_state, 10)
    resumed.write(b"c" * 10)
    # then
    assert resumed.finish().sha256 == hashlib.sha256(b"a" * 10 + b"b" * 10 + b"c" * 10).hexdigest()


def test_a_hash_state_ahead_of_the_file_is_not_trusted(library_root):
    # given: a state that covers more bytes than the file holds
    writer = StagingWriter("VIDEO.MOV", expected_size=30, suffix=RESUMABLE_SUFFIX)
    writer.write(b"a" * 20)
    state = writer.pause()
    os.truncate(writer.temp_path, 10)
    # when
    resumed = StagingWriter.reopen(writer.temp_path, "VIDEO.MOV", 30, state, 20)
    resumed.write(b"c" * 20)
    # then
    assert resumed.finish().sha256 == hashlib.sha256(b"a" * 10 + b"c" * 20).hexdigest()
