"""`manage.py import` in groups (library/importing/sync_batches.py): each file's outcome in order
within a group, and, with a real process, a Ctrl-C in the middle: the files under way are
finished, no file is left without its row, and nothing stays in .import_temp."""
import logging
import signal

import pytest

import factories
from fault_helpers import assert_library_consistent, count_originals, make_distinct_jpegs, start_manage
from live_site import LiveSite
from polling import wait_for


@pytest.fixture
def site(tmp_path):
    site = LiveSite(tmp_path / "library")
    site.root.mkdir()
    site.manage("migrate", "--noinput", "-v0")
    return site


@pytest.mark.outside_database  # the site's own SQLite, whatever the test run's database
def test_ctrl_c_finishes_the_files_under_way_and_starts_no_more(site, tmp_path):
    # given: an import of 600 photos, interrupted once the first groups are in
    make_distinct_jpegs(tmp_path / "card", 600)
    process = start_manage(site, "import", str(tmp_path / "card"), "--no-progress", log_name="import")
    wait_for(lambda: count_originals(site.root) >= 40, what="the first groups to land")
    # when
    process.send_signal(signal.SIGINT)
    # then: it says so and fails; no repair is needed, and nothing is left in .import_temp
    assert process.wait(timeout=60) == 1
    assert "interrupted:" in (site.log_dir / "import.log").read_text()
    rows = assert_library_consistent(site)
    assert 40 <= len(rows) < 600, "the import finished before the interrupt: nothing was tested"


@pytest.mark.django_db(transaction=True)
def test_a_group_decides_each_file_in_order(library_root, media_dir):
    # given: new files, the same bytes twice in one group, a file that fails, a path that is gone
    from library.importing.pipeline import ImportPipeline
    from library.importing.sources import SourceFile
    from library.importing.sync_batches import import_sources
    from library.models import ImportSource, Photo

    first = factories.make_jpeg(media_dir / "first.jpg", 64, 48)
    second = factories.make_jpeg(media_dir / "second.jpg", 48, 64)
    again = media_dir / "again.jpg"
    again.write_bytes(first.read_bytes())
    text = factories.make_text_file(media_dir / "notes.jpg")
    sources = [SourceFile(path) for path in (first, second, again, text)] + [
        SourceFile(media_dir / "gone.jpg", "no such file or folder")]
    pipeline = ImportPipeline.start(ImportSource.CLI)
    # when
    results = import_sources(pipeline, sources, jobs=2)
    # then
    assert [result.status for result in results] == ["imported", "imported", "duplicate", "failed", "failed"]
    assert results[2].photo_id == results[0].photo_id
    assert Photo.objects.count() == 2
    assert pipeline.finish().counts() == {"imported": 2, "duplicate": 1, "failed": 2, "skipped": 0}
    assert list((library_root / ".import_temp").iterdir()) == []


def swap_for_a_link(folder, target):
    """What someone who can write in the imported folder can do between two steps of an import."""
    folder.rename(folder.with_name(".was-" + folder.name))
    folder.symlink_to(target, target_is_directory=True)


@pytest.mark.django_db(transaction=True)
def test_a_folder_replaced_by_a_link_after_the_walk_is_not_read(library_root, media_dir, tmp_path):
    # given: a file found in a subfolder, which is then replaced by a link to private files of the same names
    from library.importing.pipeline import ImportPipeline
    from library.importing.sources import iter_source_files
    from library.importing.sync_batches import import_sources
    from library.models import ImportSource, Photo

    make_distinct_jpegs(media_dir / "trip", 1)
    private = make_distinct_jpegs(tmp_path / "private", 1, start=1)[0]
    private.rename(private.with_name("IMG_00000.jpg"))
    sources = list(iter_source_files([media_dir]))
    swap_for_a_link(media_dir / "trip", tmp_path / "private")
    # when
    results = import_sources(ImportPipeline.start(ImportSource.CLI), sources, jobs=1, move=True)
    # then
    assert [(result.status, result.error) for result in results] == [
        ("failed", "a symbolic link on its way leads out of the folder (not followed)")]
    assert (tmp_path / "private" / "IMG_00000.jpg").exists()
    assert Photo.objects.count() == 0


def test_move_never_removes_through_a_folder_replaced_by_a_link_after_the_read(library_root, media_dir, tmp_path,
                                                                               caplog, monkeypatch):
    # given: a file read from a subfolder, which is then replaced by a link to a private file of the same name
    from library.importing.sources import iter_source_files
    from library.importing.sync_batches import remove_source

    make_distinct_jpegs(media_dir / "trip", 1)
    [source] = iter_source_files([media_dir])
    make_distinct_jpegs(tmp_path / "private", 1)
    swap_for_a_link(media_dir / "trip", tmp_path / "private")
    monkeypatch.setattr(logging.getLogger("photosite.import"), "propagate", True)  # to caplog's handler
    # when
    with caplog.at_level(logging.WARNING, logger="photosite.import"):
        remove_source(source)
    # then: what the link points at stays, and so does the file read (under the folder's old name)
    assert (tmp_path / "private" / "IMG_00000.jpg").exists()
    assert (media_dir / ".was-trip" / "IMG_00000.jpg").exists()
    assert "Not removed after its import" in caplog.text
