"""`manage.py import`: folders, skipping rules, --move, summary and exit status."""
import os
import shutil
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from library.models import ImportSession, OutcomeStatus, Photo

import factories

pytestmark = pytest.mark.django_db(transaction=True)


def run_import(*args):
    out, err = StringIO(), StringIO()
    call_command("import", "--no-progress", *map(str, args), stdout=out, stderr=err)
    return out.getvalue()


def test_imports_folders_recursively_and_skips_hidden_files(library_root, media_dir):
    # given
    factories.make_jpeg(media_dir / "a.jpg", taken=datetime(2024, 1, 1, 9, 0))
    (media_dir / "trip" / "day2").mkdir(parents=True)
    factories.make_jpeg(media_dir / "trip" / "day2" / "b.jpg", taken=datetime(2024, 1, 2, 9, 0))
    factories.make_video(media_dir / "trip" / "VID_20240103_101010.mp4")
    factories.make_jpeg(media_dir / ".hidden.jpg", taken=datetime(2024, 1, 4, 9, 0))
    (media_dir / ".thumbnails").mkdir()
    factories.make_jpeg(media_dir / ".thumbnails" / "c.jpg", taken=datetime(2024, 1, 5, 9, 0))
    # when
    output = run_import(media_dir)
    # then
    assert sorted(p.path[:10] for p in Photo.objects.all()) == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert "3 imported, 0 duplicate, 0 failed" in output
    assert (media_dir / "a.jpg").exists()


def test_second_run_reports_duplicates(library_root, media_dir):
    factories.make_jpeg(media_dir / "a.jpg")
    run_import(media_dir)
    output = run_import(media_dir)
    assert "0 imported, 1 duplicate, 0 failed" in output
    assert Photo.objects.count() == 1


def test_failures_are_listed_and_make_the_exit_status_non_zero(library_root, media_dir):
    factories.make_jpeg(media_dir / "good.jpg")
    factories.make_text_file(media_dir / "bad.jpg")
    with pytest.raises(CommandError, match="1 file"):
        run_import(media_dir)
    session = ImportSession.objects.get()
    assert session.counts() == {"imported": 1, "duplicate": 0, "failed": 1, "skipped": 0}
    assert session.outcomes.get(status=OutcomeStatus.FAILED).original_name == "bad.jpg"


def test_failures_name_the_path_within_what_was_imported(library_root, media_dir):
    # given two broken photos called cover.jpg in one project folder, and a bad file given by its own path
    # (a LICENSE or README there is no photo at all: skipped, test_sidecar_import.py)
    project = media_dir / "project"
    (project / "vendor").mkdir(parents=True)
    factories.make_text_file(project / "cover.jpg")
    factories.make_text_file(project / "vendor" / "cover.jpg")
    lone = factories.make_text_file(media_dir / "notes.jpg")
    out = StringIO()
    # when
    with pytest.raises(CommandError, match="3 file"):
        call_command("import", "--no-progress", str(project), str(lone), stdout=out, stderr=StringIO())
    # then each is told apart by its path
    failed = [line.split(": ")[1] for line in out.getvalue().splitlines() if line.startswith("failed: ")]
    assert failed == ["project/cover.jpg", "project/vendor/cover.jpg", str(lone)]


def test_move_deletes_sources_only_once_they_are_safe(library_root, media_dir):
    good = factories.make_jpeg(media_dir / "good.jpg")
    bad = factories.make_text_file(media_dir / "bad.jpg")
    with pytest.raises(CommandError):
        run_import("--move", media_dir)
    assert not good.exists()
    assert bad.exists(), "a file that failed is never deleted"


def test_the_library_itself_is_never_imported(library_root, settings, media_dir):
    factories.make_jpeg(media_dir / "a.jpg")
    run_import(media_dir)
    settings.PHOTOSITE_LIBRARY_ROOT = media_dir.parent  # the library now *contains* the source folder
    output = run_import(media_dir.parent)
    assert Photo.objects.count() == 1
    assert "Nothing to import" in output


def test_symlinks_leading_out_of_the_folder_are_reported_not_followed(library_root, media_dir, tmp_path):
    secret = factories.make_jpeg(tmp_path / "elsewhere.jpg")
    os.symlink(secret, media_dir / "link.jpg")
    factories.make_jpeg(media_dir / "real.jpg", width=10, height=10)
    with pytest.raises(CommandError):
        run_import(media_dir)
    failed = ImportSession.objects.get().outcomes.get(status=OutcomeStatus.FAILED)
    assert "symbolic link" in failed.error
    assert Photo.objects.count() == 1


def test_missing_path_is_a_clear_error(library_root, tmp_path):
    with pytest.raises(CommandError):
        run_import(tmp_path / "nope")
    assert "no such file" in ImportSession.objects.get().outcomes.get().error


def test_parallel_jobs_import_everything_once(library_root, media_dir):
    for index in range(20):
        factories.make_jpeg(media_dir / f"{index}.jpg", width=64 + index, height=48)
    (media_dir / "dupe.jpg").write_bytes((media_dir / "0.jpg").read_bytes())
    output = run_import("--jobs", "4", media_dir)
    assert "20 imported, 1 duplicate, 0 failed" in output
    assert Photo.objects.count() == 20


def test_move_on_the_same_filesystem_links_the_file_into_place(library_root, media_dir):
    # given
    source = factories.make_jpeg(media_dir / "a.jpg")
    inode, data = source.stat().st_ino, source.read_bytes()
    # when
    run_import("--move", media_dir)
    # then: the very file, not a copy of it, and nothing left behind in .import_temp
    stored = library_root / Photo.objects.get().path
    assert stored.stat().st_ino == inode and stored.stat().st_nlink == 1
    assert stored.read_bytes() == data and not source.exists()
    assert list((library_root / ".import_temp").iterdir()) == []


def test_move_copies_a_file_with_other_names_and_leaves_them_alone(library_root, media_dir, tmp_path):
    # given: the source has a second name outside the imported folder
    source = factories.make_jpeg(media_dir / "a.jpg")
    other_name = tmp_path / "other.jpg"
    os.link(source, other_name)
    # when
    run_import("--move", media_dir)
    # then: the library's original shares no bytes with a path someone can still write to
    stored = library_root / Photo.objects.get().path
    assert stored.stat().st_ino != other_name.stat().st_ino
    assert other_name.read_bytes() == stored.read_bytes() and not source.exists()


def test_move_across_filesystems_copies(library_root, tmp_path):
    # given: a source on another filesystem (tmpfs)
    shared_memory = Path("/dev/shm")
    if not shared_memory.is_dir() or shared_memory.stat().st_dev == library_root.stat().st_dev:
        pytest.skip("no second filesystem (/dev/shm) to import from")
    card = shared_memory / f"photosite-test-{tmp_path.name}"
    card.mkdir()
    try:
        source = factories.make_jpeg(card / "a.jpg")
        data = source.read_bytes()
        # when
        output = run_import("--move", card)
        # then
        assert "1 imported" in output and not source.exists()
        assert (library_root / Photo.objects.get().path).read_bytes() == data
    finally:
        shutil.rmtree(card)


def test_a_source_written_to_while_it_is_moved_in_fails_and_stays(library_root, media_dir, monkeypatch):
    # given: the file changes between the look at it and the end of its hashing (a sync still writing)
    from library.importing import staging

    source = factories.make_jpeg(media_dir / "a.jpg")
    real_hash = staging.hash_linked

    def hash_while_written(temp_path, before, name):
        with open(source, "ab") as appending:
            appending.write(b"more bytes")
        return real_hash(temp_path, before, name)

    monkeypatch.setattr(staging, "hash_linked", hash_while_written)
    # when
    with pytest.raises(CommandError):
        run_import("--move", media_dir)
    # then
    assert "changed while it was being imported" in ImportSession.objects.get().outcomes.get().error
    assert source.exists() and Photo.objects.count() == 0
    assert list((library_root / ".import_temp").iterdir()) == []
