"""The streamed ZIP writer: archives that zipfile and `unzip -t` accept, byte for byte, with the
length promised before the first byte, ZIP64 records where sizes or offsets need them, and
memory that stays a chunk or two however large the members."""
import io
import shutil
import subprocess
import tracemalloc
import zipfile
from datetime import datetime
from functools import partial

import pytest

from photosite import zip_stream
from photosite.zip_stream import MemberSizeError, ZipMember, ZipStream

from browser import run_coroutine

MODIFIED = datetime(2024, 1, 31, 10, 15, 42)
CHUNK = 256 * 1024


def file_chunks(path):
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk


def member(name, content, modified=MODIFIED):
    return ZipMember(name, len(content), modified, partial(iter, [content[:7], content[7:]]))


def collect(stream):
    async def run():
        return b"".join([chunk async for chunk in stream.chunks()])
    return run_coroutine(run())  # in a thread of its own: a browser test may hold this thread's loop


def test_an_archive_reads_back_byte_for_byte_with_zipfile():
    # given
    contents = {"IMG_0001.jpg": b"\xff\xd8 not really a jpeg \xff\xd9", "été à Paris.mov": bytes(range(256)) * 999,
                "empty.txt": b""}
    stream = ZipStream([member(name, content) for name, content in contents.items()])
    # when
    archive = collect(stream)
    # then
    assert len(archive) == stream.length
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.testzip() is None
        assert opened.namelist() == list(contents)
        assert {name: opened.read(name) for name in contents} == contents
        info = opened.getinfo("IMG_0001.jpg")
        assert (info.compress_type, info.date_time) == (zipfile.ZIP_STORED, (2024, 1, 31, 10, 15, 42))


def test_unzip_tests_the_archive_clean(tmp_path):
    stream = ZipStream([member("a.jpg", b"a" * 1000), member("b (2).jpg", b"b" * 5)])
    (tmp_path / "x.zip").write_bytes(collect(stream))
    unzip_test(tmp_path / "x.zip")


@pytest.mark.parametrize("moment", [datetime(1970, 1, 1), datetime(2200, 5, 5)])
def test_times_outside_what_dos_can_say_are_clamped(moment):
    stream = ZipStream([member("old.jpg", b"x", modified=moment)])
    with zipfile.ZipFile(io.BytesIO(collect(stream))) as opened:
        assert opened.getinfo("old.jpg").date_time[0] in (1980, 2107)


def unzip_test(path):
    if shutil.which("unzip") is None:
        pytest.skip("unzip is not installed")
    result = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No errors detected" in result.stdout


def test_zip64_records_appear_only_where_needed(monkeypatch, tmp_path):
    # given limits small enough to cross with a few bytes (the records are the same as at 4 GiB)
    monkeypatch.setattr(zip_stream, "ZIP64_FROM_BYTES", 100)
    monkeypatch.setattr(zip_stream, "ZIP64_FROM_COUNT", 2)
    contents = {"big.mov": b"v" * 150, "after.jpg": b"j" * 10, "third.jpg": b"t" * 3}
    stream = ZipStream([member(name, content) for name, content in contents.items()])
    # when
    archive = collect(stream)
    # then
    assert len(archive) == stream.length
    assert b"PK\x06\x06" in archive and b"PK\x06\x07" in archive  # the ZIP64 end record and its locator
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert {name: opened.read(name) for name in contents} == contents
    (tmp_path / "x.zip").write_bytes(archive)
    unzip_test(tmp_path / "x.zip")


def test_a_member_of_another_size_than_announced_stops_the_stream():
    stream = ZipStream([ZipMember("short.jpg", 10, MODIFIED, partial(iter, [b"12345"]))])
    with pytest.raises(MemberSizeError):
        collect(stream)


def test_memory_stays_bounded_while_large_files_stream(tmp_path):
    # given three files of 100 MB (sparse: the disk is not what is measured)
    paths = []
    for index in range(3):
        path = tmp_path / f"clip{index}.mov"
        with open(path, "wb") as file:
            file.truncate(100 * 1024 * 1024)
        paths.append(path)
    stream = ZipStream([ZipMember(path.name, path.stat().st_size, MODIFIED, partial(file_chunks, path))
                        for path in paths])

    async def drain():
        sent = 0
        async for chunk in stream.chunks():
            sent += len(chunk)
        return sent
    # when
    tracemalloc.start()
    try:
        sent = run_coroutine(drain())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # then
    assert sent == stream.length > 300 * 1024 * 1024
    assert peak < 4 * 1024 * 1024, f"peak {peak:,} bytes"
