"""Sidecars and other files that are not media through `manage.py import`: passed by as `skipped`
(apart from failures, exit status 0), XMP and Takeout facts applied to their photo whichever
comes first, the XMP kept beside its original, and bad sidecars a clear outcome each."""
import json
import zipfile
from datetime import UTC, datetime
from io import StringIO

import pytest
import sidecar_factories as sidecars
from django.core.management import CommandError, call_command

from library.check_report import CheckReport
from library.curation.redating import redate
from library.curation.trash import move_to_trash, restore_from_trash
from library.models import DateSource, Favourite, ImportOutcome, ImportSession, OutcomeStatus, PendingSidecar, Photo
from library.services.library_check import check_files

import factories

pytestmark = pytest.mark.django_db(transaction=True)


def run_import(*args) -> str:
    out = StringIO()
    call_command("import", "--no-progress", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def outcomes(session=None):
    session = session or ImportSession.objects.latest("started_at")
    return {outcome.original_name: (outcome.status, outcome.error) for outcome in session.outcomes.all()}


def untracked_files():
    report = CheckReport()
    check_files(report, stale_after=0)
    return [finding.path for summary in report.kinds.values() for finding in summary.first]


def test_a_lightroom_folder_imports_with_its_sidecars_read_and_kept(library_root, media_dir):
    # given a Lightroom-style export (name.xmp), a darktable one (name.ext.xmp) and the litter of a folder
    factories.make_jpeg(media_dir / "DSC_0001.jpg", taken=datetime(2024, 5, 1, 9, 0))
    factories.make_jpeg(media_dir / "DSC_0002.jpg", taken=datetime(2024, 5, 2, 9, 0))
    lightroom = sidecars.make_xmp(media_dir / "DSC_0001.xmp", rating=4, label="Red", title="Harbour at dawn",
                                  keywords=["harbour", "boats"])
    sidecars.make_xmp(media_dir / "DSC_0002.jpg.xmp", rating=2, description="From the ferry", keywords=["ferry"])
    sidecars.make_folder_litter(media_dir)
    # when
    output = run_import(media_dir)  # no CommandError: nothing failed
    # then the photos are imported and everything else is skipped, apart from failures
    session = ImportSession.objects.get()
    assert session.counts() == {"imported": 2, "duplicate": 0, "failed": 0, "skipped": 6}
    assert "2 imported, 0 duplicate, 0 failed, 6 skipped (not photos or videos)" in output
    assert "failed:" not in output
    assert "skipped: source/Thumbs.db: not a photo or video: system file (Thumbs.db)" in output
    assert "skipped: source/README.md: not a photo or video: text file" in output
    assert outcomes()["DSC_0001.xmp"] == (
        OutcomeStatus.SKIPPED, "sidecar of DSC_0001.jpg: title, keywords, rating, label applied")
    # and the facts are on the photos
    first, second = Photo.objects.order_by("original_name")
    assert (first.title, first.rating, first.label, first.keywords) == ("Harbour at dawn", 4, "Red", ["harbour", "boats"])
    assert (second.description, second.rating, second.keywords) == ("From the ferry", 2, ["ferry"])
    # and each XMP is kept beside its original, which the library check knows
    assert (library_root / f"{first.path}.xmp").read_bytes() == lightroom.read_bytes()
    assert (library_root / f"{second.path}.xmp").exists()
    assert untracked_files() == []
    assert PendingSidecar.objects.count() == 0
    # and the import log tells them apart too
    import_log = next((library_root / ".logs").glob("import_*.log")).read_text()
    assert "failed=0 skipped=6" in import_log
    assert "Skipped: desktop.ini: not a photo or video: system file (desktop.ini)" in import_log


def test_an_iphone_export_with_aae_files_exits_zero(library_root, media_dir):
    factories.make_heic(media_dir / "IMG_0001.HEIC", taken=datetime(2024, 6, 1, 12, 0))
    (media_dir / "IMG_0001.AAE").write_text(sidecars.APPLE_EDITS)
    output = run_import(media_dir)
    assert "1 imported, 0 duplicate, 0 failed, 1 skipped" in output
    status, reason = outcomes()["IMG_0001.AAE"]
    assert status == OutcomeStatus.SKIPPED and "iPhone edit settings" in reason


def test_a_text_posing_as_a_photo_still_fails(library_root, media_dir):
    # given a .jpg holding text (a broken photo) beside a plain text file (no photo at all)
    factories.make_text_file(media_dir / "notes.jpg")
    factories.make_text_file(media_dir / "notes.txt")
    # when / then
    with pytest.raises(CommandError, match="1 file"):
        run_import(media_dir)
    assert outcomes()["notes.jpg"][0] == OutcomeStatus.FAILED
    assert outcomes()["notes.txt"] == (OutcomeStatus.SKIPPED, "not a photo or video: text file")


def test_move_never_deletes_what_was_skipped(library_root, media_dir):
    photo = factories.make_jpeg(media_dir / "DSC_0001.jpg", taken=datetime(2024, 5, 1, 9, 0))
    xmp = sidecars.make_xmp(media_dir / "DSC_0001.xmp", rating=3)
    readme = factories.make_text_file(media_dir / "README.md")
    run_import("--move", media_dir)
    assert not photo.exists()
    assert xmp.exists() and readme.exists()


def test_a_sidecar_before_its_photo_is_applied_when_the_photo_comes_later(library_root, media_dir):
    # given a sidecar imported alone: its photo (without a date of its own) is not in the library yet
    sidecars.make_xmp(media_dir / "scan_017.png.xmp", rating=5, title="Grandma", taken="1987-07-14T15:30:00")
    run_import(media_dir / "scan_017.png.xmp")
    first_session = ImportSession.objects.get()
    assert "not in the library yet" in outcomes(first_session)["scan_017.png.xmp"][1]
    assert PendingSidecar.objects.count() == 1
    # when the photo comes in a later import from the same folder
    factories.make_png(media_dir / "scan_017.png")
    run_import(media_dir / "scan_017.png")
    # then the sidecar's facts and date are its own, and its file sits in that day's folder with the XMP beside it
    photo = Photo.objects.get()
    assert (photo.title, photo.rating, photo.taken_at_source) == ("Grandma", 5, DateSource.SIDECAR)
    assert photo.taken_on.isoformat() == "1987-07-14" and photo.path.startswith("1987-07-14/")
    assert (library_root / f"{photo.path}.xmp").exists()
    assert untracked_files() == []
    # and the first import's outcome now says what became of it
    assert outcomes(first_session)["scan_017.png.xmp"][1] == (
        "sidecar of scan_017.png: date taken, title, rating applied")
    assert PendingSidecar.objects.count() == 0


def test_a_sidecar_imported_twice_waits_once(library_root, media_dir):
    xmp = sidecars.make_xmp(media_dir / "IMG_0001.jpg.xmp", rating=2)
    run_import(xmp)
    sidecars.make_xmp(xmp, rating=4)
    run_import(xmp)
    assert [pending.facts["rating"] for pending in PendingSidecar.objects.all()] == [4]


def test_a_sidecar_in_another_folder_waits(library_root, media_dir):
    (media_dir / "a").mkdir()
    (media_dir / "b").mkdir()
    factories.make_jpeg(media_dir / "a" / "IMG_0001.jpg")
    sidecars.make_xmp(media_dir / "b" / "IMG_0001.jpg.xmp", rating=5)
    run_import(media_dir)
    assert Photo.objects.get().rating is None
    assert PendingSidecar.objects.count() == 1


def test_a_photo_s_own_exif_date_wins_over_its_sidecar(library_root, media_dir):
    factories.make_jpeg(media_dir / "DSC_0001.jpg", taken=datetime(2024, 5, 1, 9, 0))
    sidecars.make_xmp(media_dir / "DSC_0001.xmp", taken="2001-01-01T00:00:00", rating=1)
    run_import(media_dir)
    photo = Photo.objects.get()
    assert (photo.taken_on.isoformat(), photo.taken_at_source, photo.rating) == ("2024-05-01", DateSource.EXIF, 1)


def test_the_kept_xmp_moves_with_its_original(library_root, media_dir):
    # given a photo imported first, its sidecar in a later import
    factories.make_jpeg(media_dir / "DSC_0001.jpg", taken=datetime(2024, 5, 1, 9, 0))
    run_import(media_dir / "DSC_0001.jpg")
    sidecars.make_xmp(media_dir / "DSC_0001.xmp", rating=3)
    run_import(media_dir / "DSC_0001.xmp")
    photo = Photo.objects.get()
    assert photo.rating == 3 and (library_root / f"{photo.path}.xmp").exists()
    # when it goes to the trash, comes back, and gets another date
    for change in (move_to_trash, restore_from_trash, lambda p: redate(p, datetime(2023, 3, 3, 3, 3, tzinfo=UTC))):
        before = photo.path
        change(photo)
        photo.refresh_from_db()
        # then the XMP follows it each time
        assert photo.path != before
        assert (library_root / f"{photo.path}.xmp").exists(), change
        assert not (library_root / f"{before}.xmp").exists()
    assert untracked_files() == []


TAKEN = 1449418710  # 2015-12-06 16:18:30 UTC
LONG_NAME = "Screenshot_2019-05-18-12-34-56-789_com.example.messenger.png"  # 60 characters


@pytest.mark.parametrize(("photo_name", "json_name"), [
    ("IMG_0001.jpg", "IMG_0001.jpg.json"),
    ("IMG_0001.jpg", "IMG_0001.json"),
    ("IMG_0001(1).jpg", "IMG_0001.jpg(1).json"),
    ("IMG_0001.jpg", "IMG_0001.jpg.supplemental-metadata.json"),
    ("IMG_0001.jpg", "IMG_0001.jpg.supplemental-metad.json"),
    # Takeout cuts names to fit 51 characters: the photo's to 47 (keeping its extension), its JSON's to 46 + .json
    (LONG_NAME[:43] + ".png", LONG_NAME[:46] + ".json"),
])
def test_takeout_json_names_find_their_photo(library_root, media_dir, photo_name, json_name):
    factories.make_png(media_dir / photo_name)
    title = LONG_NAME if photo_name.startswith("Screenshot") else photo_name.replace("(1)", "")
    sidecars.make_takeout_json(media_dir / json_name, title, taken_timestamp=TAKEN, description="Berlin",
                               favorited=True)
    run_import(media_dir)
    photo = Photo.objects.get()
    assert (photo.description, photo.rating, photo.taken_at_source) == ("Berlin", 5, DateSource.SIDECAR)
    assert not Favourite.objects.exists()  # from the command line: no user's favourite, the stars alone
    assert photo.taken_at == datetime(2015, 12, 6, 16, 18, 30, tzinfo=UTC)


def test_a_sidecar_s_position_places_the_photo_and_dates_it_there(library_root, media_dir, settings):
    # given a scan without a position or an offset (so dated in TIME_ZONE), and its Takeout JSON
    # saying it was taken in Tokyo on 1 January 2024 at 08:00 there
    settings.TIME_ZONE = "UTC"
    factories.make_png(media_dir / "IMG_20240101_080000.png")
    sidecars.make_takeout_json(media_dir / "IMG_20240101_080000.png.json", "IMG_20240101_080000.png",
                               latitude=35.6895, longitude=139.6917)
    # when both are imported
    run_import(media_dir)
    # then the photo is placed, and its camera's clock is read in Tokyo's zone
    photo = Photo.objects.get()
    assert (round(photo.latitude, 4), round(photo.longitude, 4)) == (35.6895, 139.6917)
    assert photo.place_country_code == "JP" and photo.time_zone == "Asia/Tokyo"
    assert photo.taken_at == datetime(2023, 12, 31, 23, 0, tzinfo=UTC)
    assert str(photo.taken_on) == "2024-01-01"


def test_takeout_s_numbered_twins_keep_their_own_json(library_root, media_dir):
    factories.make_png(media_dir / "IMG_0001.jpg", 320, 240)
    factories.make_png(media_dir / "IMG_0001(1).jpg", 240, 320)
    sidecars.make_takeout_json(media_dir / "IMG_0001.jpg.json", "IMG_0001.jpg", description="first")
    sidecars.make_takeout_json(media_dir / "IMG_0001.jpg(1).json", "IMG_0001.jpg", description="second")
    run_import(media_dir)
    assert dict(Photo.objects.values_list("original_name", "description")) == {
        "IMG_0001.jpg": "first", "IMG_0001(1).jpg": "second"}


def test_a_takeout_zip_is_read_with_its_json(library_root, tmp_path):
    # given a Takeout-shaped zip: an album folder with a photo (no EXIF date), its JSON and the album's metadata.json
    album = "Takeout/Google Photos/Trip/"
    photo = factories.make_png(tmp_path / "IMG_0001.jpg").read_bytes()
    archive = tmp_path / "takeout-001.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(album + "IMG_0001.jpg", photo)
        zipped.writestr(album + "IMG_0001.jpg.json", json.dumps(sidecars.takeout_document(
            "IMG_0001.jpg", taken_timestamp=TAKEN, description="hdrpl", favorited=True)))
        zipped.writestr(album + "metadata.json", json.dumps(sidecars.ALBUM_METADATA))
    # when
    output = run_import(archive)
    # then
    assert "1 imported, 0 duplicate, 0 failed, 2 skipped" in output
    photo = Photo.objects.get()
    assert (photo.description, photo.rating, photo.taken_on.isoformat()) == ("hdrpl", 5, "2015-12-06")
    assert outcomes()["metadata.json"] == (
        OutcomeStatus.SKIPPED, "not a photo or video: a JSON file, not a photo's sidecar")


BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&lol2;</x:xmpmeta>"""


def external_entity(target) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file://{target}">]>'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&secret;</dc:title>'
            "</rdf:Description></rdf:RDF></x:xmpmeta>").encode()


def test_bad_sidecars_each_fail_clearly_and_alone(library_root, media_dir, tmp_path):
    # given a good photo and sidecars that are not what their names say
    factories.make_jpeg(media_dir / "IMG_0001.jpg", taken=datetime(2024, 5, 1, 9, 0))
    secret = tmp_path / "secret.txt"
    secret.write_text("the machine's secret")
    bad = {
        "IMG_0001.jpg.xmp": (b"\x89PNG\r\n\x1a\n" + bytes(100), "not well-formed XML"),
        "laughs.xmp": (BILLION_LAUGHS, "declares a DTD or entities"),
        "entity.xmp": (external_entity(secret), "declares a DTD or entities"),
        "huge.xmp": (b"<x/>" + b" " * (2 * 1024 * 1024), "more than the 1,048,576"),
        "IMG_0001.jpg.json": (b'{"title": "IMG_0001.jpg", "photoTakenTime": {"timestamp": "yesterday"}}',
                              "photoTakenTime.timestamp is not a number of seconds"),
        "types.json": (b'{"title": "a.jpg", "geoData": {"latitude": "north", "longitude": 1}}',
                       "geoData.latitude is not a number"),
        "broken.json": (b'{"title": "a.jpg", "photoTakenTime": ', "not valid JSON"),
        "deep.json": (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    }
    for name, (data, _) in bad.items():
        (media_dir / name).write_bytes(data)
    # when
    with pytest.raises(CommandError, match=f"{len(bad)} file"):
        run_import(media_dir)
    # then each is a failure saying why, the photo is untouched, and nothing was read from outside the library
    found = outcomes()
    for name, (_, reason) in bad.items():
        assert found[name][0] == OutcomeStatus.FAILED, (name, found[name])
        assert reason in found[name][1], (name, found[name])
    photo = Photo.objects.get()
    assert (photo.title, photo.rating, photo.taken_at_source) == ("", None, DateSource.EXIF)
    assert not ImportOutcome.objects.filter(error__contains="secret").exists()
    assert PendingSidecar.objects.count() == 0
