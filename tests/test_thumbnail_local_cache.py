"""The copies of stored thumbnails kept on this machine (thumbnails.local_cache): bounded by bytes,
the least recently used going first, another process's copies counted, and a copy never torn."""
import os

from thumbnails.local_cache import TEMP_PREFIX, LocalCache

KB = 1024


def test_a_copy_is_found_again_under_its_content_name(tmp_path):
    # given
    cache = LocalCache(tmp_path / "cache", 100 * KB)
    # when
    path = cache.put("ab/cd/abcd-h400-webp-v1.webp", b"bytes")
    # then
    assert path == tmp_path / "cache" / "abcd-h400-webp-v1.webp"
    assert cache.lookup("ab/cd/abcd-h400-webp-v1.webp") == path and path.read_bytes() == b"bytes"
    assert cache.lookup("ab/cd/other-h400-webp-v1.webp") is None
    assert [entry.name for entry in path.parent.iterdir()] == [path.name], "no temp file left"


def test_past_its_budget_the_least_recently_used_copies_go_first(tmp_path):
    # given: four 30 KB copies in a 100 KB folder, the first served again since
    cache = LocalCache(tmp_path / "cache", 100 * KB)
    for name in ("a", "b", "c"):
        cache.put(name, b"x" * 30 * KB)
    cache.lookup("a")
    # when
    cache.put("d", b"x" * 30 * KB)
    # then: down to 90 KB at most, "b" (least recently used) gone
    assert sorted(entry.name for entry in (tmp_path / "cache").iterdir()) == ["a", "c", "d"]


def test_copies_written_by_another_process_count_and_go_first(tmp_path):
    # given: another process's 60 KB copy in the folder, older than ours
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "theirs").write_bytes(b"x" * 60 * KB)
    os.utime(folder / "theirs", (1, 1))
    cache = LocalCache(folder, 100 * KB)
    cache.put("mine", b"x" * 30 * KB)
    # when
    cache.put("new", b"x" * 30 * KB)
    # then
    assert sorted(entry.name for entry in folder.iterdir()) == ["mine", "new"]


def test_an_abandoned_temp_file_is_cleared_when_the_folder_is_walked(tmp_path):
    # given: a write that died half way, long ago
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / f"{TEMP_PREFIX}dead").write_bytes(b"half")
    os.utime(folder / f"{TEMP_PREFIX}dead", (1, 1))
    cache = LocalCache(folder, 100 * KB)
    # when
    cache.put("copy", b"x")
    # then
    assert [entry.name for entry in folder.iterdir()] == ["copy"]
