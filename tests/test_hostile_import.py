"""Hostile files through `manage.py import`: each gets a clear per-file error or a correct
import, nothing lands outside the library, .import_temp is empty and the good file beside it
is imported as usual."""
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from library.media import video_metadata
from library.models import ImportOutcome, OutcomeStatus, Photo

from factories import make_jpeg
from hostile import CONTENT_CASES, FAILED, HOSTILE_NAMES, small_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60),
              pytest.mark.filterwarnings("ignore:Truncated File Read")]


def snapshot(folder: Path) -> dict:
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file() and not path.is_symlink()}


def run_import(*paths):
    out = StringIO()
    try:
        call_command("import", *map(str, paths), "--no-progress", "--jobs", "1", stdout=out, stderr=StringIO())
    except CommandError as error:
        out.write(str(error))
    return out.getvalue()


def assert_library_is_clean(library_root: Path, tmp_path: Path, expected_folders=("library", "source")):
    """Only our own names in the library, nothing in .import_temp, no traceback in the logs,
    and no new file anywhere under the test's folder except inside the library."""
    assert list((library_root / ".import_temp").iterdir()) == []
    for photo in Photo.objects.all():
        assert (library_root / photo.path).is_file()
        assert photo.path.split("/")[1].startswith("img_"), photo.path
    errors_log = library_root / ".logs" / "errors.log"
    log_text = errors_log.read_text() if errors_log.exists() else ""
    assert "Traceback" not in log_text and "unexpected error" not in log_text, log_text
    outside = [path for path in tmp_path.iterdir() if path.name not in expected_folders]
    assert outside == []


def good_photo(folder: Path) -> Path:
    return make_jpeg(folder / "good.jpg", 200, 100)


@pytest.mark.parametrize("case", CONTENT_CASES, ids=lambda case: case.id)
def test_hostile_content(library_root, media_dir, tmp_path, case):
    # given a hostile file beside a good one
    hostile_path = case.make(media_dir)
    good_photo(media_dir)
    before = snapshot(media_dir)
    # when
    output = run_import(media_dir)
    # then
    outcome = ImportOutcome.objects.get(original_name=case.file_name)
    assert outcome.status == case.expect, (outcome.status, outcome.error)
    if case.expect == FAILED:
        assert case.error.lower() in outcome.error.lower(), outcome.error
        assert case.file_name in output
    else:
        photo = outcome.photo
        assert (library_root / photo.path).read_bytes() == hostile_path.read_bytes()
    assert ImportOutcome.objects.get(original_name="good.jpg").status == OutcomeStatus.IMPORTED
    assert snapshot(media_dir) == before, "sources are never changed"
    assert_library_is_clean(library_root, tmp_path)


def test_absurd_exif_values_fall_back_and_are_trimmed(library_root, media_dir):
    # given
    for case in CONTENT_CASES:
        if case.id in ("exif-year-0", "exif-year-9999", "exif-nonsense"):
            case.make(media_dir)
    # when
    run_import(media_dir)
    # then
    for photo in Photo.objects.all():
        assert 1900 <= photo.taken_at.year <= 2100
        assert photo.taken_at_source == "mtime"
        assert len(photo.camera_make) <= 64 and photo.camera_model.isprintable()
        assert photo.orientation in (None, *range(1, 9))


def test_hostile_file_names_on_disk(library_root, media_dir, tmp_path):
    # given real files whose names are hostile bytes (distinct pictures, so none is a duplicate)
    folder = os.fsencode(media_dir)
    for index, name in enumerate(HOSTILE_NAMES):
        path = os.path.join(folder, name)
        Image.new("RGB", (40 + index, 30), (index * 20, 0, 0)).save(os.fsdecode(path), "JPEG")
    # when
    run_import(media_dir)
    # then every one is imported under our own name, its own name kept only as printable text
    outcomes = list(ImportOutcome.objects.all())
    assert [outcome.status for outcome in outcomes] == [OutcomeStatus.IMPORTED] * len(HOSTILE_NAMES)
    for outcome in outcomes:
        assert outcome.original_name.isprintable() and len(outcome.original_name) <= 255
        assert "/" not in outcome.original_name
        outcome.original_name.encode("utf-8")
    assert_library_is_clean(library_root, tmp_path)


def test_symlinks_out_of_the_folder_are_not_followed(library_root, media_dir, tmp_path):
    # given links to a secret file and folder outside the imported folder
    secret_dir = tmp_path / "secret"
    secret_dir.mkdir()
    secret = make_jpeg(secret_dir / "secret.jpg")
    folder = media_dir / "card"
    folder.mkdir()
    (folder / "link-to-file.jpg").symlink_to(secret)
    (folder / "link-to-dir").symlink_to(secret_dir, target_is_directory=True)
    (folder / "link-to-etc-passwd.jpg").symlink_to("/etc/passwd")
    (folder / "loop.jpg").symlink_to(folder / "loop.jpg")
    (folder / "dangling.jpg").symlink_to(folder / "nowhere.jpg")
    (folder / "dir-loop").symlink_to(folder / "dir-loop", target_is_directory=True)
    make_jpeg(folder / "inside.jpg")
    (folder / "link-inside.jpg").symlink_to(folder / "inside.jpg")
    # when
    output = run_import(folder)
    # then
    statuses = {outcome.original_name: (outcome.status, outcome.error) for outcome in ImportOutcome.objects.all()}
    assert statuses["inside.jpg"][0] == OutcomeStatus.IMPORTED
    assert statuses["link-inside.jpg"][0] == OutcomeStatus.DUPLICATE
    for name in ("link-to-file.jpg", "link-to-etc-passwd.jpg"):
        assert statuses[name] == (OutcomeStatus.FAILED, "symbolic link pointing outside the imported folder (not followed)")
    for name in ("loop.jpg", "dangling.jpg", "dir-loop"):
        assert statuses[name][0] == OutcomeStatus.FAILED, statuses[name]
    assert "secret.jpg" not in statuses
    assert Photo.objects.count() == 1
    assert "Traceback" not in output
    assert_library_is_clean(library_root, tmp_path, ("library", "source", "secret"))


def test_special_files_are_refused_without_hanging(library_root, media_dir, tmp_path):
    # given a named pipe (reading it would block forever) beside a good photo
    os.mkfifo(media_dir / "pipe.jpg")
    good_photo(media_dir)
    # when
    run_import(media_dir)
    # then
    outcome = ImportOutcome.objects.get(original_name="pipe.jpg")
    assert outcome.status == OutcomeStatus.FAILED and "not a regular file" in outcome.error
    assert ImportOutcome.objects.get(original_name="good.jpg").status == OutcomeStatus.IMPORTED
    assert_library_is_clean(library_root, tmp_path)


def test_a_video_probe_beyond_its_time_limit_fails_cleanly(library_root, media_dir, tmp_path, monkeypatch):
    """ffprobe is real; only its time budget is cut so that even a small file exceeds it."""
    # given
    small_video(media_dir / "slow.mp4")
    good_photo(media_dir)
    monkeypatch.setattr(video_metadata, "PROBE_TIMEOUT_SECONDS", 0.001)
    # when
    run_import(media_dir)
    # then
    outcome = ImportOutcome.objects.get(original_name="slow.mp4")
    assert outcome.status == OutcomeStatus.FAILED and "took longer than" in outcome.error
    assert ImportOutcome.objects.get(original_name="good.jpg").status == OutcomeStatus.IMPORTED
    assert_library_is_clean(library_root, tmp_path)
