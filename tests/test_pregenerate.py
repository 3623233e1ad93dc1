"""Pre-generation in this process: selection, batching, the per-photo loop and `manage.py
pregenerate` / `librarystatus` on a real library (real Pillow, real ffmpeg, the real cache)."""
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from library.importing.pipeline import ImportPipeline
from library.models import ImportSource, Photo
from thumbnails import names, pregeneration, store, thumbnail_renditions
from thumbnails.models import Rendition, RenditionState
from thumbnails.specs import ThumbnailSpec

import factories
from test_thumbnail_support import import_file, picture

pytestmark = pytest.mark.django_db

# What the workers make by default: the grid size in the format browsers are served.
GRID = ThumbnailSpec.from_string("h400-webp-v1")


@pytest.fixture
def photos(library_root, media_dir):
    """Three photos (newest last) and a video, imported for real."""
    files = [factories.make_jpeg(media_dir / f"p{day}.jpg", 320, 240, taken=factories.a_date(day=day))
             for day in (1, 2, 3)]
    files.append(factories.make_video(media_dir / "clip.mp4", seconds=0.5, width=160, height=120))
    return [import_file(path) for path in files]


def break_file(photo, library_root):
    """What a disk error or a stray edit does to a file after its import."""
    (library_root / photo.path).write_text("no longer a video\n")


def queued_tasks():
    return [SignedPackage.loads(row.payload) for row in OrmQ.objects.order_by("id")]


@pytest.mark.parametrize(("count", "workers", "limit", "expected"), [
    (1, 2, 50, 1),            # one photo: one task
    (20, 2, 50, 3),           # a small session is spread over every worker (8 tasks)
    (6, 1, 50, 2),
    (50_000, 2, 50, 50),      # a huge one: tasks of at most the limit, not one per file
    (1000, 64, 50, 4),
    (10, 2, 3, 2),
])
def test_batch_size_spreads_small_sessions_and_caps_big_ones(settings, count, workers, limit, expected):
    settings.PHOTOSITE_PREGENERATE_BATCH_SIZE = limit
    assert pregeneration.batch_size_for(count, workers) == expected


def test_batches_keep_order_and_cover_every_id():
    assert list(pregeneration.batches(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_selection_is_newest_first_and_filters(photos):
    # given
    first, second, third, video = photos
    second.trashed_at = timezone.now()
    second.save()
    Photo.objects.filter(pk=first.pk).update(imported_at=timezone.now() - timedelta(days=10))
    # when / then
    assert set(pregeneration.select_photos()) == {first, third, video}
    assert list(pregeneration.select_photos(kind="photo")) == [third, first]
    assert list(pregeneration.select_photos(kind="video")) == [video]
    assert first not in pregeneration.select_photos(since=timezone.now() - timedelta(days=1))


def test_pregenerate_makes_what_is_missing_and_skips_what_is_cached(photos):
    # given: someone already looked at one photo
    thumbnail_renditions.ensure(photos[0], GRID)
    progress = []
    # when
    tally = pregeneration.pregenerate([p.pk for p in photos], [GRID], progress=progress.append)
    # then
    assert tally.as_dict() == {"made": 3, "skipped": 1, "failed": 0, "waiting": 0}
    assert progress == [1, 1, 1, 1]
    for photo in photos:
        assert picture(store.Entry(photo, GRID).read()).height <= 400
    assert set(Rendition.objects.values_list("generations", flat=True)) == {1}


def test_force_remakes_through_the_cache(photos):
    ids = [p.pk for p in photos]
    pregeneration.pregenerate(ids, [GRID])
    tally = pregeneration.pregenerate(ids, [GRID], force=True)
    assert tally.made == 4
    assert set(Rendition.objects.values_list("generations", flat=True)) == {2}


def test_a_broken_video_is_logged_and_does_not_stop_the_batch(photos, library_root):
    # given: the video breaks after its import; it sits first in the batch
    video = photos[3]
    break_file(video, library_root)
    ids = [video.pk, *(p.pk for p in photos[:3])]
    # when
    tally = pregeneration.pregenerate(ids, [GRID])
    # then
    assert tally.as_dict() == {"made": 3, "skipped": 0, "failed": 1, "waiting": 0}
    assert Rendition.objects.get(photo=video).state == RenditionState.FAILED
    site_log = (library_root / ".logs" / "photosite.log").read_text()
    errors_log = (library_root / ".logs" / "errors.log").read_text()
    assert f"Background: no h400-webp-v1 thumbnail for photo {video.pk} (clip.mp4)" in site_log
    assert f"photo {video.pk} (clip.mp4)" in errors_log  # the cause, written by the store


def killed_between_rename_and_record(photo):
    """What a worker killed mid-`make_claimed` leaves: the whole file under its name, its row not
    ready and still under the dead worker's claim. Returns the stored file's path."""
    entry = store.Entry(photo, GRID)
    assert entry.claim()
    entry.save(thumbnail_renditions.generate(photo, GRID))
    return Path(entry.local_path())


def test_a_thumbnail_whose_maker_was_killed_before_recording_it_is_recorded_not_remade(photos):
    # given: the maker died between the rename and the row's update, and its lease has lapsed
    stored = killed_between_rename_and_record(photos[0])
    written = stored.stat()
    Rendition.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    # when
    tally = pregeneration.pregenerate([photos[0].pk], [GRID])
    # then: counted as cached, made once, the file untouched
    assert tally.as_dict() == {"made": 0, "skipped": 1, "failed": 0, "waiting": 0}
    row = Rendition.objects.get(photo=photos[0])
    assert (row.state, row.generations, row.bytes, row.claimed_until) == (RenditionState.READY, 1, written.st_size, None)
    assert (stored.stat().st_ino, stored.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)


def test_a_found_thumbnail_under_a_live_claim_is_left_to_its_maker(photos):
    # given: the maker has renamed the file and is about to record it
    killed_between_rename_and_record(photos[0])
    # when
    tally = pregeneration.pregenerate([photos[0].pk], [GRID])
    # then: skipped, and the row is the maker's to update (so it never counts two generations)
    assert tally.skipped == 1
    row = Rendition.objects.get(photo=photos[0])
    assert (row.state, row.generations) == (RenditionState.PENDING, 0)


def test_photos_gone_since_they_were_queued_are_skipped(photos):
    photos[0].delete()
    tally = pregeneration.pregenerate([photos[0].pk, photos[1].pk], [GRID])
    assert tally.as_dict() == {"made": 1, "skipped": 1, "failed": 0, "waiting": 0}


def test_a_finished_import_queues_its_photos_in_batches(library_root, media_dir, settings,
                                                       django_capture_on_commit_callbacks):
    # given
    settings.PHOTOSITE_WORKERS = 1
    pipeline = ImportPipeline.start(ImportSource.CLI)
    for day in range(1, 7):
        pipeline.import_path(factories.make_jpeg(media_dir / f"{day}.jpg", 64, 48, taken=factories.a_date(day=day)))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.finish()
    # then: ids and spec strings only, newest first, two per task (6 photos over 1 worker × 4)
    tasks = queued_tasks()
    assert [task["func"] for task in tasks] == ["thumbnails.tasks.pregenerate_batch"] * 3
    newest_first = list(Photo.objects.order_by("-taken_at").values_list("id", flat=True))
    assert [task["args"][0] for task in tasks] == [newest_first[0:2], newest_first[2:4], newest_first[4:6]]
    assert {tuple(task["args"][1]) for task in tasks} == {("h400-webp-v1",)}
    assert not Rendition.objects.exists(), "the import itself never makes a thumbnail"


def test_the_queued_task_does_the_work_when_run(photos):
    from thumbnails.tasks import pregenerate_batch

    assert pregenerate_batch([p.pk for p in photos], ["h400-webp-v1"]) == {"made": 4, "skipped": 0, "failed": 0, "waiting": 0}


def test_a_task_queued_before_an_upgrade_makes_the_current_version(photos):
    from thumbnails.tasks import pregenerate_batch

    pregenerate_batch([photos[0].pk], ["h400-webp-v0"])
    assert store.Entry(photos[0], GRID).exists() and str(GRID) != "h400-webp-v0"


def test_command_makes_missing_thumbnails_and_summarises(photos, capsys):
    call_command("pregenerate", "--jobs", "1", "--no-progress", "--kind", "photo")
    assert "3 photos: 3 thumbnails made, 0 already there, 0 failed" in capsys.readouterr().out
    call_command("pregenerate", "--jobs", "1", "--no-progress")
    assert "4 photos: 1 thumbnails made, 3 already there, 0 failed" in capsys.readouterr().out


def test_command_fails_when_a_thumbnail_fails(photos, library_root, capsys):
    break_file(photos[3], library_root)
    with pytest.raises(CommandError, match="1 thumbnail"):
        call_command("pregenerate", "--jobs", "1", "--no-progress")
    assert "3 thumbnails made, 0 already there, 1 failed" in capsys.readouterr().out


def test_earlier_failures_waiting_for_their_retry_are_not_this_runs_failures(photos, library_root, capsys):
    # given a photo whose thumbnail failed in an earlier run and is in its back-off
    break_file(photos[3], library_root)
    with pytest.raises(CommandError):
        call_command("pregenerate", "--jobs", "1", "--no-progress")
    capsys.readouterr()
    # when pregenerate runs again before the retry is due
    call_command("pregenerate", "--jobs", "1", "--no-progress")
    # then it succeeds (exit 0), and says what waits
    out = capsys.readouterr().out
    assert "0 thumbnails made, 3 already there, 0 failed" in out
    assert "1 that failed earlier wait for their retry" in out


def test_command_can_hand_the_work_to_the_workers(photos, capsys):
    call_command("pregenerate", "--queue", "--force", "--session", str(photos[0].import_session_id))
    assert "Queued 1 photos in 1 tasks" in capsys.readouterr().out
    assert [task["args"] for task in queued_tasks()] == [([photos[0].pk], ["h400-webp-v1"], True)]
    assert not Rendition.objects.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--session", "999"], "no import session 999"),
    (["--since", "last tuesday"], "not a date"),
    (["--jobs", "0"], "at least 1"),
])
def test_command_refuses_bad_input(photos, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("pregenerate", *args)


def test_librarystatus_shows_media_thumbnails_and_queue(photos, library_root, capsys):
    # given: one thumbnail made, one failed, one task waiting
    thumbnail_renditions.ensure(photos[0], GRID)
    break_file(photos[3], library_root)
    pregeneration.pregenerate([photos[3].pk], [GRID])
    call_command("pregenerate", "--queue", "--session", str(photos[1].import_session_id))
    # when
    call_command("librarystatus")
    # then
    out = capsys.readouterr().out
    size = (library_root / ".thumbnails" / names.storage_name(photos[0].sha256, GRID)).stat().st_size
    assert "Photos:                    3" in out and "Videos:                    1" in out
    assert "Thumbnails h400-webp-v1:   1 cached, 2 missing, 1 failed" in out
    assert "Rendition cache:           1 files, " in out and f"({size} bytes), from their records" in out
    assert "Background queue:          1 waiting, 0 in progress (queued in the database)" in out
    assert ("Workers:                   none running (`manage.py serve` starts them, or `manage.py qcluster`); "
            "the waiting tasks run when workers start") in out


@pytest.mark.slow
def test_librarystatus_sees_a_running_cluster(tmp_path):
    # given a site whose workers run in another process
    from live_site import LiveSite
    from polling import wait_for

    site = LiveSite(tmp_path / "library", extra_env={"PHOTOSITE_WORKERS": "1"})
    site.root.mkdir()
    site.prepare()
    site.start_workers()
    try:
        # when / then
        wait_for(lambda: "Workers:                   1 cluster(s) running" in site.manage("librarystatus").stdout,
                 30, "librarystatus to see the cluster")
    finally:
        site.stop()
    # and once it stopped, it says none is running
    wait_for(lambda: "none running" in site.manage("librarystatus").stdout, 15, "the heartbeat to expire")


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_command_shows_its_bar_and_each_failure_once(tmp_path, jobs):
    # given a library of two photos and a video broken after its import
    from test_first_run import manage

    root, media = tmp_path / "library", tmp_path / "media"
    root.mkdir()
    media.mkdir()
    for day in (1, 2):
        factories.make_jpeg(media / f"p{day}.jpg", 320, 240, taken=factories.a_date(day=day))
    factories.make_video(media / "clip.mp4", seconds=0.5, width=160, height=120)
    assert manage(root, "import", str(media), "--no-progress").returncode == 0
    video, = (root / path for path in root.rglob("*.mp4"))
    video.write_text("no longer a video\n")
    # when
    result = manage(root, "pregenerate", "--jobs", jobs)
    # then: the bar, the failure once, no INFO lines in the terminal
    terminal = result.stdout + result.stderr
    assert result.returncode == 1
    assert "3/3" in result.stderr, terminal
    assert terminal.count("clip.mp4") == 1, terminal
    assert " INFO " not in terminal, terminal
    assert "2 thumbnails made, 0 already there, 1 failed" in result.stdout


def test_the_selection_is_read_in_bounded_batches_newest_first(library_root, django_assert_num_queries):
    # given rows sharing one instant (the keyset must resume within a tie) and others
    from test_gallery import make_rows

    make_rows(12, step=timedelta(0))
    make_rows(13)
    expected = list(pregeneration.select_photos().values_list("id", flat=True))
    # when: one short query per batch, none holding the whole selection
    with django_assert_num_queries(3):
        batches = list(pregeneration.id_batches(pregeneration.select_photos(), 10))
    # then
    assert [len(batch) for batch in batches] == [10, 10, 5]
    assert [photo_id for batch in batches for photo_id in batch] == expected


def test_queueing_writes_tasks_in_bounded_transactions(library_root, settings, monkeypatch):
    # given 10 photos, one task each, four tasks per transaction
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from test_gallery import make_rows

    from thumbnails import tasks

    make_rows(10)
    settings.PHOTOSITE_PREGENERATE_BATCH_SIZE = 1
    monkeypatch.setattr(tasks, "TASKS_PER_TRANSACTION", 4)
    # when
    with CaptureQueriesContext(connection) as queries:
        queued = tasks.queue_photos(pregeneration.select_photos(), 10, [GRID])
    # then: three transactions (savepoints inside the test's own), each one INSERT of its tasks,
    # every photo queued once
    transactions = [query for query in queries.captured_queries if query["sql"].startswith("SAVEPOINT")]
    inserts = [query for query in queries.captured_queries if query["sql"].startswith('INSERT INTO "django_q_ormq"')]
    assert queued == 10 and len(transactions) == 3 and len(inserts) == 3
    assert sorted(task["args"][0][0] for task in queued_tasks()) == sorted(Photo.objects.values_list("pk", flat=True))


def test_librarystatus_takes_the_cache_size_from_the_records_not_a_walk(photos, library_root, capsys):
    # given a cached thumbnail and a big file in the cache folder that no record names
    thumbnail_renditions.ensure(photos[0], GRID)
    size = Rendition.objects.get().bytes
    (library_root / ".thumbnails" / "stray.bin").write_bytes(bytes(1_000_000))
    # when
    call_command("librarystatus")
    # then
    assert f"Rendition cache:           1 files, {filesizeformat(size)} ({size} bytes)" in capsys.readouterr().out
