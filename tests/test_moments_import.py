"""Pairing at import (library/importing/moment_pairing.py): a Live Photo's still and motion, and a
RAW+JPEG pair, become one moment whichever file comes first, in one import or across imports;
files that only look alike stay apart; duplicates are still found per file."""
import threading
from datetime import datetime, timedelta

import pytest

from library.importing.pipeline import ImportPipeline
from library.models import OutcomeStatus, Photo

import factories
import format_factories

pytestmark = pytest.mark.django_db

TAKEN = datetime(2024, 5, 1, 10, 0, 0)
IDENTIFIER = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"


def import_files(*paths):
    """Imports each path in a session of its own (as separate imports, days apart, would)."""
    results = []
    for path in paths:
        pipeline = ImportPipeline.start("cli")
        results.append(pipeline.import_path(path))
        pipeline.finish()
    return [Photo.objects.get(pk=result.photo_id) for result in results]


def faces(*photos):
    """The photo each is shown with (its moment's face), or None for a photo of its own."""
    for photo in photos:
        photo.refresh_from_db()
    return [photo.shown_with_id for photo in photos]


@pytest.fixture
def live_pair(media_dir):
    still = factories.make_live_still(media_dir / "IMG_0001.HEIC.jpg", IDENTIFIER, taken=TAKEN)
    # another name and a time far off: only the identifier can pair these two
    motion = factories.make_live_motion(media_dir / "clip.MOV", IDENTIFIER, creation_time=TAKEN + timedelta(hours=3))
    return still, motion


@pytest.mark.parametrize("motion_first", [False, True], ids=["still first", "motion first"])
def test_a_live_photo_pairs_by_its_content_identifier_in_either_order_across_imports(library_root, live_pair,
                                                                                      motion_first):
    # given a still and its motion, sharing only Apple's identifier
    still_path, motion_path = live_pair
    order = (motion_path, still_path) if motion_first else (still_path, motion_path)
    # when they arrive in separate imports
    first, second = import_files(*order)
    still, motion = (second, first) if motion_first else (first, second)
    # then they are one moment: the still its face, the motion behind it
    assert (still.content_identifier, motion.content_identifier) == (IDENTIFIER, IDENTIFIER)
    assert faces(still, motion) == [None, still.pk]
    assert list(Photo.objects.gallery_tiles()) == [still]
    assert still.import_session_id != motion.import_session_id


def test_the_name_fallback_pairs_a_still_and_a_short_video_of_one_folder_and_moment(library_root, media_dir):
    # given an iPhone still and its motion without identifiers, same name, 1 s apart
    still = factories.make_live_still(media_dir / "IMG_0002.JPG", taken=TAKEN)
    motion = factories.make_live_motion(media_dir / "IMG_0002.MOV", creation_time=TAKEN + timedelta(seconds=1))
    # when
    still, motion = import_files(still, motion)
    # then
    assert faces(still, motion) == [None, still.pk]
    assert Photo.objects.gallery_tiles().count() == 1


@pytest.mark.parametrize("case", ["another folder", "3 s apart", "a 6 s video", "another name", "other identifiers"])
def test_files_that_only_look_alike_stay_apart(library_root, media_dir, case):
    # given a still and a video that fail one condition of the fallback each
    other = media_dir / "other"
    other.mkdir()
    folder = other if case == "another folder" else media_dir
    offset = timedelta(seconds=3 if case == "3 s apart" else 1)
    name = "IMG_0004.MOV" if case == "another name" else "IMG_0003.MOV"
    ids = ("A-1", "B-2") if case == "other identifiers" else (None, None)
    still = factories.make_live_still(media_dir / "IMG_0003.JPG", ids[0], taken=TAKEN)
    motion = factories.make_live_motion(folder / name, ids[1], creation_time=TAKEN + offset,
                                        seconds=6 if case == "a 6 s video" else 1.5)
    # when
    still, motion = import_files(still, motion)
    # then both stay photos of their own
    assert faces(still, motion) == [None, None]
    assert Photo.objects.gallery_tiles().count() == 2


def test_raw_and_jpeg_of_one_shot_pair_and_the_jpeg_is_the_face(library_root, media_dir):
    # given a camera's raw and JPEG of the same shot, half a second apart in their EXIF
    raw = format_factories.make_dng(media_dir / "DSC_0001.DNG", taken=f"{TAKEN:%Y:%m:%d %H:%M:%S}", make="Nikon", model="Z 6")
    jpeg = factories.make_jpeg(media_dir / "DSC_0001.JPG", taken=TAKEN, make="Nikon", model="Z 6")
    # when the raw comes first
    raw, jpeg = import_files(raw, jpeg)
    # then
    assert raw.format == "dng"
    assert faces(jpeg, raw) == [None, jpeg.pk]
    assert list(Photo.objects.gallery_tiles()) == [jpeg]


@pytest.mark.parametrize("case", ["another camera", "2 s apart"])
def test_raw_and_jpeg_of_other_shots_stay_apart(library_root, media_dir, case):
    raw = format_factories.make_dng(media_dir / "DSC_0002.NEF", taken=f"{TAKEN:%Y:%m:%d %H:%M:%S}", make="Nikon", model="Z 6")
    jpeg = factories.make_jpeg(media_dir / "DSC_0002.JPG", taken=TAKEN + timedelta(seconds=2 if case == "2 s apart" else 0),
                               make="Nikon", model="Z 7" if case == "another camera" else "Z 6")
    raw, jpeg = import_files(raw, jpeg)
    assert faces(raw, jpeg) == [None, None]


def test_a_real_nikon_raw_pairs_with_its_jpeg(library_root, media_dir, corpus_dir):
    # given a real NEF, and a JPEG the same camera wrote of the same shot
    nef = corpus_dir / "raw" / "Nikon.nef"
    if not nef.exists():
        pytest.skip("no Nikon.nef in the corpus")
    (raw,) = import_files(nef)
    jpeg_path = factories.make_jpeg(media_dir / "Nikon.jpg", taken=raw.taken_at.replace(tzinfo=None),
                                    make=raw.camera_make, model=raw.camera_model)
    # when
    (jpeg,) = import_files(jpeg_path)
    # then
    assert faces(jpeg, raw) == [None, jpeg.pk]


def test_a_motion_imported_again_alone_is_a_duplicate_of_its_own_row(library_root, live_pair):
    # given a paired Live Photo
    still, motion = import_files(*live_pair)
    # when the motion is imported once more
    pipeline = ImportPipeline.start("cli")
    result = pipeline.import_path(live_pair[1])
    # then dedupe is per file: the motion's own row, and the moment is as it was
    assert (result.status, result.photo_id) == (OutcomeStatus.DUPLICATE, motion.pk)
    assert faces(still, motion) == [None, still.pk]


def test_a_second_motion_for_one_still_stays_apart(library_root, media_dir, live_pair):
    # given a paired Live Photo, and another clip claiming the same identifier
    still, motion = import_files(*live_pair)
    impostor = factories.make_live_motion(media_dir / "again.MOV", IDENTIFIER, seconds=1.2, creation_time=TAKEN)
    # when
    (impostor,) = import_files(impostor)
    # then the moment keeps its one motion
    assert faces(still, motion, impostor) == [None, still.pk, None]


@pytest.mark.django_db(transaction=True)
def test_a_still_and_its_motion_imported_at_the_same_moment_make_one_moment(library_root, live_pair):
    # given two imports, one per file, let go at once (as `--jobs 4` does with neighbours)
    results, start = [], threading.Barrier(2, timeout=30)

    def run(path):
        from django.db import connection

        try:
            pipeline = ImportPipeline.start("cli")
            start.wait()
            results.append(pipeline.import_path(path))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(path,)) for path in live_pair]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then the one committed second saw the first: one moment, one tile
    assert [result.status for result in results] == [OutcomeStatus.IMPORTED] * 2
    assert Photo.objects.exclude(shown_with=None).count() == 1
    assert Photo.objects.gallery_tiles().count() == 1


def web_upload(path, user):
    from library.importing.staging import StagingWriter

    writer = StagingWriter(path.name)
    writer.write(path.read_bytes())
    return Photo.objects.get(pk=ImportPipeline.start("web", user=user).import_staged(writer.finish()).photo_id)


@pytest.mark.parametrize(("motion_by", "paired"), [("alice", True), ("bob", False), ("the command line", False)])
def test_files_pair_only_with_files_of_the_same_uploader(library_root, live_pair, media_dir, motion_by, paired):
    # given alice's still uploaded through the browser (no folder known) and her raw's JPEG
    from django.contrib.auth.models import User

    alice, bob = User.objects.create_user("alice"), User.objects.create_user("bob")
    still_path, motion_path = live_pair
    still = web_upload(still_path, alice)
    raw = format_factories.make_dng(media_dir / "DSC_0001.DNG", taken=f"{TAKEN:%Y:%m:%d %H:%M:%S}", make="Nikon", model="Z 6")
    jpeg = web_upload(factories.make_jpeg(media_dir / "DSC_0001.JPG", taken=TAKEN, make="Nikon", model="Z 6"), alice)
    # when the motion and the raw come from alice, bob, or the command line
    if motion_by == "the command line":
        motion, raw = import_files(motion_path, raw)
    else:
        uploader = {"alice": alice, "bob": bob}[motion_by]
        motion, raw = web_upload(motion_path, uploader), web_upload(raw, uploader)
    # then
    assert faces(still, motion, jpeg, raw) == ([None, still.pk, None, jpeg.pk] if paired else [None] * 4)
