"""The import pipeline: outcomes, placement, duplicates, races, bad input and logs."""
import threading
from datetime import datetime

import pytest

from library.importing.pipeline import ImportPipeline
from library.importing.staging import StagingWriter
from library.models import DateSource, ImportOutcome, ImportSource, MediaKind, OutcomeStatus, Photo
from library.signals import import_session_finished

import factories

pytestmark = pytest.mark.django_db


def library_files(root):
    """Every original in the library (hidden folders such as .import_temp and .logs excluded)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts))


def temp_leftovers(root):
    temp = root / ".import_temp"
    return list(temp.iterdir()) if temp.exists() else []


@pytest.fixture
def pipeline(library_root):
    return ImportPipeline.start(ImportSource.CLI)


def test_photo_lands_in_its_day_folder_with_its_row(library_root, media_dir, pipeline):
    # given
    source = factories.make_jpeg(media_dir / "IMG_1234.JPEG", taken=datetime(2024, 1, 31, 10, 0), orientation=6,
                                 make="Canon", model="EOS R5")
    # when
    result = pipeline.import_path(source)
    # then
    photo = Photo.objects.get()
    assert result.status == OutcomeStatus.IMPORTED and result.photo_id == photo.pk
    assert photo.path == f"2024-01-31/img_20240131_{photo.sha256[:16]}.jpg"
    assert (library_root / photo.path).read_bytes() == source.read_bytes()
    assert (photo.kind, photo.format, photo.mime_type, photo.original_name) == (MediaKind.PHOTO, "jpeg", "image/jpeg", "IMG_1234.JPEG")
    assert (photo.width, photo.height, photo.orientation) == (640, 480, 6)
    assert (photo.camera_make, photo.camera_model, photo.taken_at_source) == ("Canon", "EOS R5", DateSource.EXIF)
    assert photo.size == source.stat().st_size and photo.import_session == pipeline.session
    assert source.exists(), "sources are copied, never moved by default"
    assert temp_leftovers(library_root) == []


def test_video_is_imported_with_container_metadata(library_root, media_dir, pipeline):
    source = factories.make_video(media_dir / "clip.MOV", seconds=1, rotation=-90, creation_time=datetime(2023, 5, 6, 7, 8, 9))
    pipeline.import_path(source)
    photo = Photo.objects.get()
    assert photo.kind == MediaKind.VIDEO and photo.path.startswith("2023-05-06/img_20230506_") and photo.path.endswith(".mov")
    assert (photo.width, photo.height) == (240, 320)
    assert photo.duration == pytest.approx(1.0, abs=0.1)


def test_same_bytes_again_is_a_duplicate_pointing_at_the_photo(library_root, media_dir, pipeline):
    # given
    first = factories.make_jpeg(media_dir / "a.jpg", taken=datetime(2024, 1, 31, 10, 0))
    copy = media_dir / "copy of a.jpg"
    copy.write_bytes(first.read_bytes())
    original = pipeline.import_path(first)
    # when
    again = pipeline.import_path(copy)
    # then
    assert again.status == OutcomeStatus.DUPLICATE and again.photo_id == original.photo_id
    assert len(library_files(library_root)) == 1
    assert temp_leftovers(library_root) == []
    assert pipeline.session.outcomes.get(status=OutcomeStatus.DUPLICATE).photo_id == original.photo_id


def test_a_taken_name_is_never_overwritten(library_root, media_dir, pipeline):
    # given another file already sits at the name this photo would get
    source = factories.make_jpeg(media_dir / "a.jpg", taken=datetime(2024, 1, 31, 10, 0))
    import hashlib

    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    squatter = library_root / "2024-01-31" / f"img_20240131_{digest[:16]}.jpg"
    squatter.parent.mkdir(parents=True)
    squatter.write_bytes(b"someone else's bytes")
    # when
    pipeline.import_path(source)
    # then
    assert squatter.read_bytes() == b"someone else's bytes"
    assert Photo.objects.get().path == f"2024-01-31/img_20240131_{digest[:16]}_1.jpg"


def bad_inputs(media_dir):
    """(file, expected status, words the error must contain)."""
    empty = media_dir / "empty.jpg"
    empty.write_bytes(b"")
    truncated = factories.truncate(factories.make_jpeg(media_dir / "truncated.jpg", taken=datetime(2020, 1, 1, 12, 0)), 0.4)
    corrupt_video = media_dir / "broken.mp4"
    corrupt_video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(500))
    return [
        (empty, OutcomeStatus.FAILED, "empty"),
        (factories.make_text_file(media_dir / "notes.jpg"), OutcomeStatus.FAILED, "text"),
        (factories.make_png_bomb(media_dir / "bomb.png"), OutcomeStatus.FAILED, "megapixels"),
        (corrupt_video, OutcomeStatus.FAILED, "video"),
        (media_dir / "vanished.jpg", OutcomeStatus.FAILED, "could not read"),
        (media_dir, OutcomeStatus.FAILED, "could not read"),  # a folder where a file was expected
        (truncated, OutcomeStatus.IMPORTED, ""),  # the header is intact: kept, never lost
    ]


def test_bad_input_gets_a_clear_per_file_outcome_and_the_session_goes_on(library_root, media_dir, pipeline):
    # given
    cases = bad_inputs(media_dir)
    good = factories.make_jpeg(media_dir.parent / "good.jpg")
    # when
    results = [pipeline.import_path(path) for path, _, _ in cases] + [pipeline.import_path(good)]
    # then
    for (path, status, words), result in zip(cases, results, strict=False):
        assert result.status == status, (path.name, result)
        assert words.lower() in result.error.lower(), (path.name, result.error)
        assert str(library_root) not in result.error
    assert results[-1].status == OutcomeStatus.IMPORTED
    assert temp_leftovers(library_root) == []
    assert len(library_files(library_root)) == 2
    pipeline.session.refresh_from_db()
    assert pipeline.session.counts() == {"imported": 2, "duplicate": 0, "failed": 6, "skipped": 0}


@pytest.mark.parametrize("hostile", ["../../etc/passwd.jpg", "/etc/cron.d/evil.jpg", "line\nbreak\r.jpg", "tab\tname.jpg",
                                     "bad-\udcff-bytes.jpg", "x" * 400 + ".jpg", "..\\..\\windows.jpg"])
def test_hostile_names_are_only_ever_displayed(library_root, media_dir, pipeline, hostile):
    # given
    source = factories.make_jpeg(media_dir / "a.jpg", taken=datetime(2024, 1, 31, 10, 0))
    # when
    result = pipeline.import_path(source, name=hostile)
    # then
    photo = Photo.objects.get()
    assert result.status == OutcomeStatus.IMPORTED
    assert photo.path.startswith("2024-01-31/img_20240131_")
    assert "/" not in photo.original_name and "\n" not in photo.original_name and len(photo.original_name) <= 255
    photo.original_name.encode("utf-8")
    assert library_files(library_root) == [photo.path]


def test_a_row_that_cannot_be_written_leaves_no_unclaimed_file(library_root, media_dir, pipeline):
    # given a (stale) row already claims the path this file would get, so the insert fails
    source = factories.make_jpeg(media_dir / "a.jpg", taken=datetime(2024, 1, 31, 10, 0))
    import hashlib

    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    Photo.objects.create(sha256="0" * 64, kind=MediaKind.PHOTO, original_name="ghost.jpg", size=1, format="jpeg",
                         mime_type="image/jpeg", path=f"2024-01-31/img_20240131_{digest[:16]}.jpg",
                         taken_at=datetime(2024, 1, 31, 10, 0).astimezone(), taken_at_source=DateSource.EXIF)
    # when
    result = pipeline.import_path(source)
    # then
    assert result.status == OutcomeStatus.FAILED and "database" in result.error
    assert library_files(library_root) == []
    assert temp_leftovers(library_root) == []


def test_cut_off_upload_leaves_nothing_behind(library_root):
    writer = StagingWriter("half.jpg")
    writer.write(b"\xff\xd8\xff" + bytes(1000))
    writer.abort()
    assert temp_leftovers(library_root) == []


def test_staging_refuses_files_over_the_limit(library_root, settings):
    settings.PHOTOSITE_MAX_UPLOAD_BYTES = 100
    writer = StagingWriter("big.jpg")
    with pytest.raises(Exception, match="larger than the limit"):
        writer.write(bytes(101))
    writer.abort()
    assert temp_leftovers(library_root) == []


def test_finish_logs_the_session_and_announces_it(library_root, media_dir, pipeline, django_capture_on_commit_callbacks):
    # given
    heard = []

    def listener(sender, session, **kwargs):
        heard.append(session.pk)

    import_session_finished.connect(listener)
    pipeline.import_path(factories.make_jpeg(media_dir / "a.jpg"))
    pipeline.import_path(factories.make_text_file(media_dir / "b.jpg"))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        session = pipeline.finish()
    import_session_finished.disconnect(listener)
    # then
    assert heard == [session.pk]
    assert session.finished_at is not None and session.duration_seconds >= 0
    logs = library_root / ".logs"
    import_log = next(logs.glob("import_*.log")).read_text()
    complete_lines = [line for line in import_log.splitlines() if "Import session complete" in line]
    assert len(complete_lines) == 1
    assert "imported=1 duplicate=0 failed=1" in complete_lines[0]
    assert "b.jpg" in (logs / "errors.log").read_text()


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_the_same_bytes_keep_one_copy(library_root, media_dir):
    # given eight threads, each with its own copy of the same photo and its own session
    source = factories.make_jpeg(media_dir / "a.jpg", taken=datetime(2024, 1, 31, 10, 0))
    copies = []
    for index in range(8):
        copy = media_dir / f"copy{index}.jpg"
        copy.write_bytes(source.read_bytes())
        copies.append(copy)
    results, start = [], threading.Barrier(len(copies), timeout=30)

    def import_copy(path):
        from django.db import connection

        try:
            pipeline = ImportPipeline.start(ImportSource.CLI)
            start.wait()
            results.append(pipeline.import_path(path))
        finally:
            connection.close()

    threads = [threading.Thread(target=import_copy, args=(copy,)) for copy in copies]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(result.status for result in results) == ["duplicate"] * 7 + ["imported"]
    assert Photo.objects.count() == 1
    assert library_files(library_root) == [Photo.objects.get().path]
    assert {result.photo_id for result in results} == {Photo.objects.get().pk}
    assert temp_leftovers(library_root) == []
    assert ImportOutcome.objects.count() == 8


def test_reporter_hears_every_file_with_running_counts(library_root, media_dir, django_capture_on_commit_callbacks):
    heard = []

    class Reporter:
        def file_done(self, result, counts):
            heard.append((result.status, counts))

        def session_complete(self, session):
            heard.append(("complete", session.counts()))

    pipeline = ImportPipeline.start(ImportSource.CLI, reporter=Reporter())
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.import_path(factories.make_jpeg(media_dir / "a.jpg"))
        pipeline.import_path(media_dir / "a.jpg")
        pipeline.import_path(factories.make_text_file(media_dir / "b.jpg"))
        pipeline.finish()
    assert heard == [
        ("imported", {"imported": 1, "duplicate": 0, "failed": 0, "skipped": 0}),
        ("duplicate", {"imported": 1, "duplicate": 1, "failed": 0, "skipped": 0}),
        ("failed", {"imported": 1, "duplicate": 1, "failed": 1, "skipped": 0}),
        ("complete", {"imported": 1, "duplicate": 1, "failed": 1, "skipped": 0}),
    ]


def test_a_cli_copy_stays_partial_until_it_is_known_to_be_new(library_root, media_dir):
    # given a copy staged without an fsync (the CLI's way: its source is still on disk)
    from library.importing.staging import PARTIAL_SUFFIX, STAGED_SUFFIX, make_durable, stage_copy

    source = factories.make_jpeg(media_dir / "a.jpg")
    copied = stage_copy(source, durable=False)
    uploaded = stage_copy(source, durable=True)
    # then a crash now would leave a `.part` file, which `checklibrary --repair` removes, not imports
    assert copied.temp_path.suffix == PARTIAL_SUFFIX and not copied.durable
    assert uploaded.temp_path.suffix == STAGED_SUFFIX and uploaded.durable
    make_durable(copied)
    for staged in (copied, uploaded):
        staged.temp_path.unlink()


@pytest.mark.parametrize("stretch", [1_000_003, 64 * 1024 * 1024], ids=["unaligned stretches", "one stretch"])
def test_the_kernel_copy_hashes_exactly_the_bytes_it_stored(library_root, media_dir, monkeypatch, stretch):
    # given: a file copied in stretches that end off a page boundary, or in one
    import hashlib
    import os

    from library.importing import staging

    monkeypatch.setattr(staging, "COPY_RANGE_BYTES", stretch)
    source = media_dir / "clip.mp4"
    source.write_bytes(os.urandom(5_432_109))
    # when
    staged = staging.stage_copy(source, durable=False)
    # then
    assert staged.size == source.stat().st_size
    assert staged.temp_path.read_bytes() == source.read_bytes()
    assert staged.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    staged.temp_path.unlink()
