"""`manage.py checklibrary`: what it finds, what `--repair` fixes, and what it never deletes."""
import logging
import os
import shutil
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from library.importing.pipeline import ImportPipeline
from library.importing.staging import ORIGIN_ATTRIBUTE, Origin, origins_not_kept, remember_origin, stage_copy
from library.models import FileMove, ImportSource, MoveReason, Photo
from library.services.library_check import Kind
from thumbnails import names, store, thumbnail_renditions
from thumbnails.library_check import ORPHAN_THUMBNAIL
from thumbnails.models import Rendition, RenditionState
from thumbnails.specs import ThumbnailSpec

from factories import a_date, make_jpeg, make_text_file

pytestmark = pytest.mark.django_db(transaction=True)


def run_check(*args, stale_after=0):
    """(exit ok?, stdout) of `checklibrary` with the given options."""
    out = StringIO()
    try:
        call_command("checklibrary", *args, "--no-progress", "--stale-after", str(stale_after), stdout=out,
                     stderr=StringIO())
    except CommandError as error:
        return False, out.getvalue() + str(error)
    return True, out.getvalue()


def imported_photo(media_dir, name="a.jpg", **kwargs):
    pipeline = ImportPipeline.start(ImportSource.CLI)
    result = pipeline.import_path(make_jpeg(media_dir / name, taken=a_date(), **kwargs))
    pipeline.finish()
    return Photo.objects.get(pk=result.photo_id)


def media_files(library_root):
    return sorted(
        path.relative_to(library_root).as_posix() for path in library_root.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(library_root).parts)
    )


def test_a_consistent_library_passes(library_root, media_dir):
    # given
    imported_photo(media_dir)
    # when
    ok, out = run_check("--verify-hashes")
    # then
    assert ok, out
    assert "agree" in out
    assert "Verified the SHA-256 of 1 file(s)" in out


def test_a_file_without_a_row_is_reported_then_registered_by_the_pipeline(library_root, media_dir):
    # given a photo someone copied into the library by hand
    (library_root / "2020-05-05").mkdir()
    make_jpeg(library_root / "2020-05-05" / "holiday.jpg", taken=a_date(2020, 5, 5))
    # when / then
    ok, out = run_check()
    assert not ok and Kind.UNTRACKED in out and "2020-05-05/holiday.jpg" in out
    ok, out = run_check("--repair")
    assert ok, out
    photo = Photo.objects.get()
    assert media_files(library_root) == [photo.path]
    assert photo.taken_at_source == "exif" and photo.original_name == "holiday.jpg"
    assert run_check()[0]


def test_a_second_copy_of_a_known_photo_is_removed(library_root, media_dir):
    # given
    photo = imported_photo(media_dir)
    shutil.copy(library_root / photo.path, library_root / "copy.jpg")
    # when
    ok, out = run_check("--repair")
    # then
    assert ok, out
    assert media_files(library_root) == [photo.path]
    assert Photo.objects.count() == 1


def test_a_trashed_photo_is_checked_in_the_trash(library_root, media_dir):
    # given
    photo = imported_photo(media_dir)
    trashed = f".trash/{photo.path}"
    (library_root / trashed).parent.mkdir(parents=True)
    (library_root / photo.path).rename(library_root / trashed)
    Photo.objects.filter(pk=photo.pk).update(path=trashed, trashed_at=photo.imported_at)
    # when
    ok, out = run_check("--verify-hashes")
    # then
    assert ok, out


def test_a_row_whose_file_is_missing_is_flagged_never_deleted(library_root, media_dir):
    # given
    photo = imported_photo(media_dir)
    (library_root / photo.path).unlink()
    # when
    ok, out = run_check("--repair")
    # then
    assert not ok
    assert Kind.MISSING in out and photo.path in out
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_a_missing_file_is_restored_from_an_unregistered_copy(library_root, media_dir):
    # given a photo moved away from its recorded place
    photo = imported_photo(media_dir)
    (library_root / photo.path).rename(library_root / "moved.jpg")
    # when
    ok, out = run_check("--repair")
    # then
    assert ok, out
    assert media_files(library_root) == [photo.path]


@pytest.mark.parametrize("damage, found_by_default", [("truncate", True), ("flip", False)])
def test_damaged_content_is_reported(library_root, media_dir, damage, found_by_default):
    # given
    photo = imported_photo(media_dir)
    path = library_root / photo.path
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        path.write_bytes(data[:-100])
    else:
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    # when / then
    assert run_check()[0] is not found_by_default
    ok, out = run_check("--verify-hashes", "--repair")
    assert not ok
    assert (Kind.SIZE_MISMATCH if found_by_default else Kind.HASH_MISMATCH) in out
    assert path.exists() and Photo.objects.count() == 1


def test_import_temp_leftovers_are_imported_or_removed(library_root, media_dir):
    # given a crash after staging one file completely and while receiving another
    staged = stage_copy(make_jpeg(media_dir / "whole.jpg", taken=a_date()))
    partial = staged.temp_path.with_name("tmpcut.part")
    partial.write_bytes(staged.temp_path.read_bytes()[:500])
    # when
    ok, out = run_check("--repair")
    # then
    assert ok, out
    assert list((library_root / ".import_temp").iterdir()) == []
    photo = Photo.objects.get()
    assert photo.sha256 == staged.sha256 and media_files(library_root) == [photo.path]


def test_a_received_file_is_imported_as_what_it_was_into_the_session_it_was_sent_in(library_root, media_dir):
    # given three files a web import received whole before its server died: one whose origin was
    # kept with it, one from a file system that keeps no origin, one whose origin is garbled
    session = ImportPipeline.start(ImportSource.WEB).session
    sent_at = datetime(2021, 5, 4, 12, 30, tzinfo=UTC)
    kept = stage_copy(make_jpeg(media_dir / "a.jpg"))  # no EXIF date: dated by its file time
    remember_origin(kept.temp_path, Origin("Beach at dusk.jpg", session.pk, sent_at))
    bare = stage_copy(make_jpeg(media_dir / "b.jpg", width=641))
    garbled = stage_copy(make_jpeg(media_dir / "c.jpg", width=642))
    os.setxattr(garbled.temp_path, ORIGIN_ATTRIBUTE, b'{"name": ["not", "a", "name"]')
    # when
    ok, out = run_check("--repair")
    # then the first is in its session under its name and date; the others, under their temp
    # names, in the repair's session
    assert ok, out
    recovered = Photo.objects.get(sha256=kept.sha256)
    assert (recovered.original_name, recovered.import_session_id) == ("Beach at dusk.jpg", session.pk)
    assert recovered.taken_on == sent_at.date()
    assert f"into import session {session.pk}" in out
    others = Photo.objects.exclude(pk=recovered.pk)
    assert sorted(others.values_list("original_name", flat=True)) == sorted(
        [bare.temp_path.name, garbled.temp_path.name])
    assert {photo.import_session_id for photo in others} != {session.pk}


def test_origins_the_file_system_refuses_are_said_once_not_per_file(library_root, caplog, monkeypatch):
    # given files whose origin cannot be kept with them (here: gone before it could be)
    origins_not_kept.cache_clear()
    monkeypatch.setattr(logging.getLogger("photosite.import"), "propagate", True)  # to caplog's handler
    # when three are received
    with caplog.at_level(logging.WARNING, logger="photosite.import"):
        for name in ("a.jpg", "b.jpg", "c.jpg"):
            remember_origin(library_root / f"{name}.part", Origin(name, session_id=1))
    # then the log says so once
    said = [record for record in caplog.records if "without their origin" in record.getMessage()]
    assert len(said) == 1 and said[0].levelname == "WARNING"


def test_recent_temp_files_belong_to_a_running_import_and_are_left_alone(library_root, media_dir):
    # given a staged file and a file placed in the library a moment ago, its row not yet written
    staged = stage_copy(make_jpeg(media_dir / "whole.jpg"))
    (library_root / "2024-01-31").mkdir()
    placed = make_jpeg(library_root / "2024-01-31" / "img_20240131_0123456789abcdef.jpg")
    # when
    ok, out = run_check("--repair", stale_after=600)
    # then
    assert ok, out
    assert "left alone" in out
    assert "2 recently written file(s) left alone" in out
    assert staged.temp_path.exists() and placed.exists() and not Photo.objects.exists()


def test_a_file_the_pipeline_refuses_is_kept_and_reported(library_root):
    # given
    make_text_file(library_root / "notes.txt")
    # when
    ok, out = run_check("--repair")
    # then
    assert not ok
    assert "notes.txt" in out and "not a photo or video" in out  # a text file is skipped (issue 23), and kept
    assert (library_root / "notes.txt").exists()
    assert list((library_root / ".import_temp").iterdir()) == []


@pytest.mark.parametrize("crash_point, expected_place", [
    ("before the move", "source"),
    ("after the link", "target"),
    ("after the move", "target"),
])
def test_an_interrupted_move_is_finished_or_undone(library_root, media_dir, crash_point, expected_place):
    # given a journalled date fix cut off at `crash_point`
    photo = imported_photo(media_dir)
    target = "2019-01-01/img_20190101_moved.jpg"
    move = FileMove.objects.create(photo=photo, reason=MoveReason.REDATE, source=photo.path, target=target,
                                   taken_at=a_date(2019, 1, 1).replace(tzinfo=UTC))
    FileMove.objects.filter(pk=move.pk).update(created_at=move.created_at - timedelta(hours=1))
    (library_root / "2019-01-01").mkdir()
    if crash_point != "before the move":
        os.link(library_root / photo.path, library_root / target)
    if crash_point == "after the move":
        (library_root / photo.path).unlink()
    # when
    ok, out = run_check("--repair")
    # then
    assert ok, out
    photo.refresh_from_db()
    assert photo.path == (target if expected_place == "target" else move.source)
    assert media_files(library_root) == [photo.path]
    assert not FileMove.objects.exists()
    assert run_check("--verify-hashes")[0]


def test_orphaned_thumbnails_are_removed_and_live_ones_kept(library_root, media_dir):
    # given a real thumbnail, one of bytes no photo has, and a crashed write
    photo = imported_photo(media_dir)
    spec = ThumbnailSpec.for_size("400", "jpeg")
    live = thumbnail_renditions.ensure(photo, spec).name
    storage = store.storage()
    orphan = names.storage_name("f" * 64, spec)
    storage.save(orphan, ContentFile(b"old thumbnail"))
    crashed = library_root / ".thumbnails" / "ab" / ".tmp-crashed"
    crashed.parent.mkdir(parents=True, exist_ok=True)
    crashed.write_bytes(b"half")
    # and, of the same photo, one by an older generator (with its row) and one in a format no
    # spec has any more: nothing serves them
    old_version = names.storage_name(photo.sha256, ThumbnailSpec(400, "jpeg", 0))
    storage.save(old_version, ContentFile(b"v0"))
    Rendition.objects.create(photo=photo, spec="h400-jpeg-v0", name=old_version, state=RenditionState.READY)
    dropped_format = live.replace("-h400-jpeg-v1.jpg", "-h400-png-v1.png")
    storage.save(dropped_format, ContentFile(b"png"))
    # when
    ok, out = run_check("--repair")
    # then
    assert ok, out
    assert orphan in out and ORPHAN_THUMBNAIL in out
    assert old_version in out and dropped_format in out and "no current thumbnail spec names it" in out
    assert storage.exists(live) and not storage.exists(orphan) and not crashed.exists()
    assert not storage.exists(old_version) and not storage.exists(dropped_format)
    assert list(Rendition.objects.values_list("spec", flat=True)) == ["h400-jpeg-v1"]
