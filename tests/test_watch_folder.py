"""`manage.py import --watch`: real watcher processes, files written into the folder slowly, in
pieces, under sync tools' temporary names, while the watcher is down, and `serve` running one."""
import os
import signal
import subprocess
import sys
import time

import pytest
from test_serve import descendants

import factories
from fault_helpers import (
    assert_library_consistent,
    count_originals,
    make_distinct_jpegs,
    photo_rows,
    sha256_of,
    start_manage,
)
from live_site import PROJECT_DIR, LiveSite
from polling import wait_for

pytestmark = pytest.mark.outside_database
SETTLE = "0.6"


@pytest.fixture
def site(tmp_path):
    site = LiveSite(tmp_path / "library", extra_env={"PHOTOSITE_WATCH_SETTLE_SECONDS": SETTLE})
    site.root.mkdir()
    site.manage("migrate", "--noinput", "-v0")
    return site


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def start_watcher(site, inbox):
    started = []

    def start(*options):
        process = start_manage(site, "import", "--watch", "--no-progress", *options, str(inbox), log_name="watch")
        started.append(process)
        wait_for(lambda: "Watching" in watch_log(site), 30, "the watcher to start")
        return process

    yield start
    for process in started:
        stop(process)


def watch_log(site):
    path = site.log_dir / "watch.log"
    return path.read_text() if path.exists() else ""


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def photo_source(tmp_path, name="a.jpg", **kwargs):
    """A real JPEG made outside the watched folder, to be written into it."""
    kwargs.setdefault("width", 640)
    kwargs.setdefault("height", 480)
    (tmp_path / "made").mkdir(exist_ok=True)
    return factories.make_jpeg(tmp_path / "made" / name, **kwargs)


def write_slowly(target, data, pieces=5, pause=0.3):
    """Like a slow sync: the file grows in pieces, its size and time changing between them."""
    step = len(data) // pieces + 1
    with open(target, "wb") as file:
        for start in range(0, len(data), step):
            file.write(data[start:start + step])
            file.flush()
            os.fsync(file.fileno())
            time.sleep(pause)


@pytest.mark.parametrize("mode", [(), ("--poll",)], ids=["events", "polling"])
def test_a_file_written_in_pieces_is_imported_once_whole(site, inbox, start_watcher, tmp_path, mode):
    # given
    start_watcher(*mode)
    data = photo_source(tmp_path, make="Canon").read_bytes()
    # when: written in pieces with pauses shorter than the settle time
    write_slowly(inbox / "IMG_0001.jpg", data)
    # then: one photo with all of its bytes, and never a failure for a half-written file
    wait_for(lambda: "1 imported, 0 duplicate, 0 failed" in watch_log(site), 30, "the photo to be imported")
    assert list(photo_rows(site).values()) == [sha256_of(inbox / "IMG_0001.jpg")]
    assert "failed:" not in watch_log(site)
    assert (inbox / "IMG_0001.jpg").exists(), "without --move the source stays"
    assert_library_consistent(site)


def test_sync_tools_temporary_files_are_left_alone_until_renamed(site, inbox, start_watcher, tmp_path):
    # given
    start_watcher()
    data = photo_source(tmp_path).read_bytes()
    temporaries = [inbox / ".syncthing.IMG_0002.jpg.tmp", inbox / "~IMG_0003.jpg", inbox / "IMG_0004.jpg.part"]
    for index, path in enumerate(temporaries):
        path.write_bytes(data[:len(data) // 2] + bytes([index]))  # half-written, as when the sync is cut off
    (inbox / ".stversions").mkdir()
    (inbox / ".stversions" / "old.jpg").write_bytes(photo_source(tmp_path, "old.jpg", width=320).read_bytes())
    time.sleep(float(SETTLE) * 3)
    assert photo_rows(site) == {}, "nothing is imported from temporary names or hidden folders"
    # when: the sync tool finishes and renames its temporary file
    temporaries[0].write_bytes(data)
    temporaries[0].rename(inbox / "IMG_0002.jpg")
    # then
    wait_for(lambda: "1 imported, 0 duplicate, 0 failed" in watch_log(site), 30, "the renamed photo")
    assert list(photo_rows(site).values()) == [sha256_of(inbox / "IMG_0002.jpg")]
    assert "failed:" not in watch_log(site)


def test_a_restart_takes_what_arrived_meanwhile_and_copies_nothing_twice(site, inbox, start_watcher, tmp_path):
    # given: one photo imported, then the watcher stopped
    watcher = start_watcher()
    (inbox / "first.jpg").write_bytes(photo_source(tmp_path, "first.jpg").read_bytes())
    wait_for(lambda: "1 imported" in watch_log(site), 30, "the first photo")
    stop(watcher)
    # when: a photo arrives while it is down (in a new subfolder), and it starts again
    (inbox / "DCIM").mkdir()
    (inbox / "DCIM" / "second.jpg").write_bytes(photo_source(tmp_path, "second.jpg", width=500).read_bytes())
    start_watcher()
    # then: the second is imported, the first neither copied again nor even reported again
    wait_for(lambda: watch_log(site).count("1 imported") == 2, 30, "the photo that arrived while the watcher was down")
    time.sleep(float(SETTLE) * 2)
    assert count_originals(site.root) == 2
    assert watch_log(site).count("1 imported, 0 duplicate, 0 failed") == 2
    assert "duplicate, 0 failed" in watch_log(site) and "1 duplicate" not in watch_log(site)
    assert_library_consistent(site)


def test_a_changed_copy_of_an_imported_file_is_a_duplicate_not_a_second_copy(site, inbox, start_watcher, tmp_path):
    # given
    start_watcher()
    data = photo_source(tmp_path).read_bytes()
    (inbox / "a.jpg").write_bytes(data)
    wait_for(lambda: "1 imported" in watch_log(site), 30, "the photo")
    # when: the same bytes arrive under another name
    (inbox / "a copy.jpg").write_bytes(data)
    # then
    wait_for(lambda: "0 imported, 1 duplicate, 0 failed" in watch_log(site), 30, "the duplicate")
    assert count_originals(site.root) == 1


def test_move_takes_the_files_out_of_the_folder(site, inbox, start_watcher, tmp_path):
    # given
    start_watcher("--move")
    good = photo_source(tmp_path).read_bytes()
    # when
    write_slowly(inbox / "good.jpg", good, pieces=3)
    (inbox / "notes.jpg").write_text("not a photo at all, just text")
    # then: the photo is moved in, the bad file stays where it was with a reason in the log
    wait_for(lambda: not (inbox / "good.jpg").exists(), 30, "the photo to be moved in")
    wait_for(lambda: "failed: notes.jpg" in watch_log(site), 30, "the failure")
    assert (inbox / "notes.jpg").exists(), "a file that failed is never deleted"
    assert_library_consistent(site)
    assert count_originals(site.root) == 1


@pytest.mark.parametrize("mode", [(), ("--poll",)], ids=["events", "polling"])
def test_move_never_deletes_what_links_lead_to_outside_the_folder(site, inbox, start_watcher, tmp_path, mode):
    # given: private files outside the watched folder, and a watcher with --move running
    private = tmp_path / "private"
    make_distinct_jpegs(private, 2)
    factories.make_jpeg(private / "secret.jpg", width=300)
    outside = {path: sha256_of(path) for path in private.iterdir()}
    assert len(outside) == 3
    start_watcher("--move", *mode)
    # when: someone with write access to the folder links out of it, one link in a folder moved in whole
    (inbox / "holiday").symlink_to(private, target_is_directory=True)
    (inbox / "secret.jpg").symlink_to(private / "secret.jpg")
    album = tmp_path / "synced" / "album"
    album.mkdir(parents=True)
    (album / "beach.jpg").write_bytes(photo_source(tmp_path, "beach.jpg").read_bytes())
    (album / "more").symlink_to(private, target_is_directory=True)
    album.rename(inbox / "album")
    # then: the album's own photo is moved in, every outside file is still there, each link is reported
    wait_for(lambda: not (inbox / "album" / "beach.jpg").exists(), 30, "the album's photo to be moved in")
    assert {path: sha256_of(path) for path in private.iterdir() if path.exists()} == outside
    for name in ("holiday", "secret.jpg", "more"):
        wait_for(lambda name=name: f"failed: {name}: symbolic link" in watch_log(site), 30, f"{name} to be reported")
    # and once only: another photo in the album (its folder walked again) reports no link again
    (inbox / "album" / "sand.jpg").write_bytes(photo_source(tmp_path, "sand.jpg", width=500).read_bytes())
    wait_for(lambda: watch_log(site).count("1 imported, ") == 2, 30, "the second photo's batch")
    assert [watch_log(site).count(f"failed: {name}: ") for name in ("holiday", "secret.jpg", "more")] == [1, 1, 1]
    assert {path: sha256_of(path) for path in private.iterdir()} == outside, "nothing outside was deleted"
    assert len(photo_rows(site)) == 2
    assert all((inbox / link).is_symlink() for link in ("holiday", "secret.jpg", "album/more"))
    assert_library_consistent(site)


def test_serve_runs_a_watcher_for_photosite_watch_dirs(site, inbox, tmp_path):
    # given
    env = {**site.env, "PHOTOSITE_WATCH_DIRS": str(inbox), "PHOTOSITE_WORKERS": "1"}
    log = open(site.log_dir / "serve.log", "w+b")  # noqa: SIM115 - closed below
    process = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(site.port), "--stop-timeout", "10"],
                               cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: any(b"--watch" in cmdline(pid) for pid in descendants(process.pid)), 40, "the watcher")
        # when
        (inbox / "IMG_0009.jpg").write_bytes(photo_source(tmp_path).read_bytes())
        # then
        wait_for(lambda: len(photo_rows(site)) == 1, 40, "the photo dropped into the watch folder")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=40) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_serve_refuses_a_watch_folder_that_is_not_there(site, tmp_path):
    env_site = LiveSite(site.root, extra_env={"PHOTOSITE_WATCH_DIRS": str(tmp_path / "nope")})
    completed = env_site.manage("serve", check=False, timeout=60)
    assert completed.returncode != 0
    assert "PHOTOSITE_WATCH_DIRS names what is not a folder" in completed.stderr


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            return file.read()
    except OSError:
        return b""
