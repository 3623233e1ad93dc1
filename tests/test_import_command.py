"""`manage.py import`: folders, skipping rules, --move, summary and exit status."""
import os
from datetime import datetime
from io import StringIO

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
    assert session.counts() == {"imported": 1, "duplicate": 0, "failed": 1}
    assert session.outcomes.get(status=OutcomeStatus.FAILED).original_name == "bad.jpg"


def test_failures_name_the_path_within_what_was_imported(library_root, media_dir):
    # given two files called LICENSE in one project folder, and a bad file given by its own path
    project = media_dir / "project"
    (project / "vendor").mkdir(parents=True)
    factories.make_text_file(project / "LICENSE")
    factories.make_text_file(project / "vendor" / "LICENSE")
    lone = factories.make_text_file(media_dir / "notes.jpg")
    out = StringIO()
    # when
    with pytest.raises(CommandError, match="3 file"):
        call_command("import", "--no-progress", str(project), str(lone), stdout=out, stderr=StringIO())
    # then each is told apart by its path
    failed = [line.split(": ")[1] for line in out.getvalue().splitlines() if line.startswith("failed: ")]
    assert failed == ["project/LICENSE", "project/vendor/LICENSE", str(lone)]


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
