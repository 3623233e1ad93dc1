"""Places and time zones from GPS, offline: coordinates read from EXIF (JPEG, HEIC, raw), XMP and
QuickTime, named by the offline gazetteer; a camera clock without offset read in the zone at the
position, a video's UTC shown in it; the row says where its zone came from. Bad coordinates are
no place, never an error, and photos without GPS are dated as before."""
import io
import os
import shutil
import struct
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from PIL import Image, TiffImagePlugin

from library.curation.places import apply_location
from library.importing.pipeline import ImportPipeline
from library.media import gps
from library.media.dates import ZoneSource
from library.media.libraw_header import read_raw_header
from library.media.places import locate
from library.models import FileMove, ImportSource, MoveReason, OutcomeStatus, Photo

import factories
import format_factories
from test_metadata import metadata_of, video_tools  # noqa: F401 - video_tools: ffprobe, then the bundled ffmpeg alone

TOKYO = (35.6895, 139.6917)
PROJECT = Path(__file__).resolve().parent.parent
RATIONAL = TiffImagePlugin.IFDRational


def import_one(path):
    pipeline = ImportPipeline.start(ImportSource.CLI)
    result = pipeline.import_path(path)
    pipeline.finish()
    assert result.status == OutcomeStatus.IMPORTED, result.error
    return Photo.objects.get(pk=result.photo_id)


@pytest.mark.parametrize(("latitude", "longitude", "altitude", "city", "country_code", "time_zone"), [
    (*TOKYO, None, "Tokyo", "JP", "Asia/Tokyo"),  # north, east
    (-33.8688, 151.2093, -12.5, "Sydney", "AU", "Australia/Sydney"),  # south, east, below sea level
    (40.7128, -74.0060, 10.0, "New York City", "US", "America/New_York"),  # north, west
    (-34.6037, -58.3816, 25.0, "Buenos Aires", "AR", "America/Argentina/Buenos_Aires"),  # south, west
])
def test_exif_gps_in_every_hemisphere(tmp_path, latitude, longitude, altitude, city, country_code, time_zone):
    # given a JPEG whose GPS IFD has unsigned degrees/minutes/seconds and N/S/E/W references
    path = factories.make_jpeg(tmp_path / "a.jpg", gps=factories.gps_exif(latitude, longitude, altitude))
    # when
    location = metadata_of(path).location
    # then
    assert location.latitude == pytest.approx(latitude, abs=1e-6)
    assert location.longitude == pytest.approx(longitude, abs=1e-6)
    assert location.altitude == altitude
    assert (location.city, location.country_code, location.time_zone) == (city, country_code, time_zone)


@pytest.mark.django_db
def test_a_clock_without_offset_taken_in_tokyo_is_tokyos_time(library_root, media_dir, settings):
    # given, on a UTC site, 08:00 on 1 January 2024 on a camera clock without offset, in Tokyo
    settings.TIME_ZONE = "UTC"
    path = factories.make_jpeg(media_dir / "shrine.jpg", taken=factories.a_date(2024, 1, 1, 8, 0),
                               gps=factories.gps_exif(*TOKYO, 40.0))
    # when
    photo = import_one(path)
    # then the instant is 23:00 UTC the day before, the day and the folder are Tokyo's
    assert photo.taken_at == datetime(2023, 12, 31, 23, 0, tzinfo=UTC)
    assert (photo.taken_on, photo.taken_at_offset, photo.taken_local) == (date(2024, 1, 1), 540,
                                                                           datetime(2024, 1, 1, 8, 0))
    assert photo.path.startswith("2024-01-01/")
    assert (photo.zone_source, photo.time_zone) == (ZoneSource.GPS, "Asia/Tokyo")
    assert (photo.place, photo.place_country_code, photo.altitude) == ("Tokyo, Japan", "JP", 40.0)


@pytest.mark.parametrize(("month", "offset"), [(1, -300), (7, -240)])
def test_the_zone_at_the_position_knows_summer_time(tmp_path, settings, month, offset):
    settings.TIME_ZONE = "Asia/Tokyo"
    path = factories.make_jpeg(tmp_path / "a.jpg", taken=factories.a_date(2024, month, 15, 12, 0),
                               gps=factories.gps_exif(40.7128, -74.0060))
    assert metadata_of(path).dating()["taken_at_offset"] == offset


def test_the_cameras_offset_wins_over_the_position(tmp_path, settings):
    # given a camera that recorded −05:00, with a position in Tokyo
    settings.TIME_ZONE = "UTC"
    path = factories.make_jpeg(tmp_path / "a.jpg", taken=factories.a_date(2024, 1, 1, 8, 0), offset="-05:00",
                               gps=factories.gps_exif(*TOKYO))
    # when
    found = metadata_of(path)
    # then the place is kept, the clock is the camera's
    assert found.location.city == "Tokyo"
    assert found.dating() == {"taken_at": datetime(2024, 1, 1, 13, 0, tzinfo=UTC), "taken_at_offset": -300,
                              "taken_on": date(2024, 1, 1), "zone_source": ZoneSource.CAMERA}


@pytest.mark.django_db
def test_photos_without_gps_are_dated_as_before(library_root, media_dir, settings):
    settings.TIME_ZONE = "Europe/Paris"
    photo = import_one(factories.make_jpeg(media_dir / "a.jpg", taken=factories.a_date(2024, 7, 1, 23, 30)))
    assert (photo.taken_local, photo.taken_at_offset, photo.zone_source) == (datetime(2024, 7, 1, 23, 30), 120,
                                                                             ZoneSource.SITE)
    assert (photo.latitude, photo.place, photo.time_zone) == (None, "", "")


@pytest.mark.django_db
@pytest.mark.usefixtures("video_tools")
def test_a_videos_utc_is_shown_in_the_zone_at_its_position(library_root, media_dir, settings):
    # given, on a UTC site, a video whose container says 23:30 UTC on 31 December, with ©xyz in Tokyo
    settings.TIME_ZONE = "UTC"
    path = factories.make_video(media_dir / "clip.mp4", seconds=0.4, creation_time="2023-12-31T23:30:00Z",
                                extra_output_args=("-metadata", "location=+35.6895+139.6917/"))
    # when
    photo = import_one(path)
    # then the instant is the container's, shown at 08:30 on 1 January in Tokyo, and filed there
    assert photo.taken_at == datetime(2023, 12, 31, 23, 30, tzinfo=UTC)
    assert (photo.taken_on, photo.taken_at_offset, photo.zone_source) == (date(2024, 1, 1), 540, ZoneSource.GPS)
    assert photo.path.startswith("2024-01-01/")
    assert (photo.latitude, photo.longitude, photo.place) == (*TOKYO, "Tokyo, Japan")


@pytest.mark.usefixtures("video_tools")
def test_apples_location_key_in_a_mov(tmp_path):
    path = factories.make_video(tmp_path / "IMG_0001.MOV", seconds=0.4, extra_output_args=(
        "-movflags", "use_metadata_tags", "-metadata", "com.apple.quicktime.location.ISO6709=-33.8688+151.2093+005.000/"))
    location = metadata_of(path).location
    assert (location.latitude, location.longitude, location.altitude, location.city) == (-33.8688, 151.2093, 5.0,
                                                                                         "Sydney")


@pytest.mark.usefixtures("video_tools")
def test_a_video_without_a_position_has_none(tmp_path):
    assert metadata_of(factories.make_video(tmp_path / "clip.mp4", seconds=0.4)).location is None


def test_heic_and_raw_keep_their_gps(tmp_path):
    heic = factories.make_heic(tmp_path / "IMG_0001.HEIC", gps=factories.gps_exif(-33.8688, 151.2093, -3.0))
    dng_gps = {1: (format_factories.ASCII, "N"), 2: (format_factories.RATIONAL, [35, 1, 41, 1, 2222, 100]),
               3: (format_factories.ASCII, "E"), 4: (format_factories.RATIONAL, [139, 1, 41, 1, 3012, 100])}
    dng = format_factories.make_dng(tmp_path / "raw.dng", 64, 48, preview_size=(64, 48), gps=dng_gps)
    assert (metadata_of(heic).location.city, metadata_of(heic).location.altitude) == ("Sydney", -3.0)
    raw = metadata_of(dng).location
    assert (round(raw.latitude, 4), round(raw.longitude, 4), raw.time_zone) == (35.6895, 139.6917, "Asia/Tokyo")


def test_xmp_gps_when_exif_has_none(tmp_path):
    # given a JPEG whose only position is in its XMP packet, in XMP's "degrees,minutes direction" form
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.444N"'
           b' exif:GPSLongitude="0,7.668W" exif:GPSAltitude="215/10" exif:GPSAltitudeRef="1"/></rdf:RDF></x:xmpmeta>')
    path = tmp_path / "a.jpg"
    Image.new("RGB", (32, 24)).save(path, "JPEG", xmp=xmp)
    # when
    location = metadata_of(path).location
    # then
    assert (round(location.latitude, 4), round(location.longitude, 4)) == (51.5074, -0.1278)
    assert (location.altitude, location.city, location.time_zone) == (-21.5, "London", "Europe/London")


@pytest.mark.parametrize(("text", "expected"), [
    ("+35.6895+139.6917/", (35.6895, 139.6917, None)),
    ("+51.5074-000.1278+010.000/", (51.5074, -0.1278, 10.0)),
    ("-33.8688+151.2093-005.5/", (-33.8688, 151.2093, -5.5)),
    ("+4030.5-07400.25/", (40.508333, -74.004167, None)),  # degrees and minutes
    ("+403030-0740015/", (40.508333, -74.004167, None)),  # degrees, minutes and seconds
])
def test_iso6709(text, expected):
    found = gps.iso6709_position(text)
    assert (round(found.latitude, 6), round(found.longitude, 6), found.altitude) == expected


@pytest.mark.parametrize("text", ["", "garbage", "+00.0000+000.0000/", "+91.0+000.1/", "+10.0+181.0/",
                                  "+4075.0-07400/", "+35.6895", "+1e308+1e308/", None, 42])
def test_iso6709_nonsense_is_no_position(text):
    assert gps.iso6709_position(text) is None


NAN = RATIONAL(0, 0)
HOSTILE_GPS = {
    "0/0 rationals": {1: "N", 2: (NAN, NAN, NAN), 3: "E", 4: (NAN, NAN, NAN)},
    "null island": {1: "N", 2: (RATIONAL(0, 1),) * 3, 3: "E", 4: (RATIONAL(0, 1),) * 3},
    "past the pole": {1: "N", 2: (RATIONAL(95, 1), RATIONAL(0, 1), RATIONAL(0, 1)), 3: "E", 4: (RATIONAL(10, 1),)},
    "past the date line": {1: "N", 2: (RATIONAL(10, 1),), 3: "W", 4: (RATIONAL(200, 1),)},
    "minutes past 60": {1: "N", 2: (RATIONAL(10, 1), RATIONAL(75, 1), RATIONAL(0, 1)), 3: "E", 4: (RATIONAL(10, 1),)},
    "references only": {1: "N", 3: "E"},
    "no longitude": {1: "N", 2: (RATIONAL(10, 1),)},
}


@pytest.mark.django_db
@pytest.mark.parametrize("gps_ifd", HOSTILE_GPS.values(), ids=HOSTILE_GPS.keys())
def test_hostile_gps_is_no_place_and_no_error(library_root, media_dir, settings, gps_ifd):
    # given a photo whose GPS IFD is nonsense
    settings.TIME_ZONE = "UTC"
    path = factories.make_jpeg(media_dir / "a.jpg", taken=factories.a_date(2024, 1, 1, 8, 0), gps=gps_ifd)
    # when
    photo = import_one(path)
    # then it is imported, dated as a photo without GPS
    assert (photo.latitude, photo.place, photo.zone_source) == (None, "", ZoneSource.SITE)
    assert photo.taken_at == datetime(2024, 1, 1, 8, 0, tzinfo=UTC)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow's own word on it
@pytest.mark.parametrize("pointer", [0x7FFFFFF0, 8, 20], ids=["past the end", "to IFD0 itself", "mid-entry"])
def test_a_broken_gps_pointer_is_no_place(tmp_path, pointer):
    # given EXIF whose GPS IFD pointer leads nowhere a GPS IFD is
    exif = (b"Exif\x00\x00II*\x00" + struct.pack("<IH", 8, 1) + struct.pack("<HHII", factories.GPS_IFD, 4, 1, pointer)
            + struct.pack("<I", 0))
    path = tmp_path / "a.jpg"
    Image.new("RGB", (32, 24)).save(path, "JPEG", exif=exif)
    # when / then
    assert metadata_of(path).location is None


def test_an_altitude_out_of_this_world_is_dropped_alone():
    assert gps.position(*TOKYO, 1e9) == gps.Position(*TOKYO, None)
    assert gps.position(*TOKYO, float("nan")) == gps.Position(*TOKYO, None)


def test_at_sea_there_is_a_zone_but_no_names():
    location = locate(0.5, -160.0)
    assert (location.city, location.country, location.time_zone) == ("", "", "Etc/GMT+11")


@pytest.mark.corpus
@pytest.mark.django_db
def test_real_camera_photos_with_gps(corpus_dir, library_root, settings):
    # given a real camera's photos (no offset recorded) taken in Arezzo on 22 October 2008 (summer time)
    folder = corpus_dir / "exif-samples" / "jpg" / "gps"
    if not folder.is_dir():
        pytest.skip(f"no GPS samples in the corpus ({folder})")
    settings.TIME_ZONE = "UTC"
    # when
    photo = import_one(folder / "DSCN0010.jpg")
    # then
    assert (photo.place, photo.place_country_code, photo.time_zone) == ("Arezzo, Tuscany, Italy", "IT", "Europe/Rome")
    assert (round(photo.latitude, 4), round(photo.longitude, 4)) == (43.4674, 11.8851)
    assert photo.taken_at == datetime(2008, 10, 22, 14, 28, 39, tzinfo=UTC)
    assert (photo.taken_at_offset, photo.zone_source, photo.taken_on) == (120, ZoneSource.GPS, date(2008, 10, 22))


@pytest.mark.django_db
def test_a_sidecars_position_redates_a_clock_without_offset(library_root, media_dir, settings):
    # given, on a UTC site, a photo without GPS at 08:00 on a clock without offset
    settings.TIME_ZONE = "UTC"
    photo = import_one(factories.make_jpeg(media_dir / "a.jpg", taken=factories.a_date(2024, 1, 1, 8, 0)))
    # when a position in Tokyo arrives for it
    assert apply_location(photo, locate(*TOKYO, 12.0))
    # then its clock is read in Tokyo's zone
    photo.refresh_from_db()
    assert photo.taken_at == datetime(2023, 12, 31, 23, 0, tzinfo=UTC)
    assert (photo.taken_local, photo.zone_source, photo.place, photo.altitude) == (
        datetime(2024, 1, 1, 8, 0), ZoneSource.GPS, "Tokyo, Japan", 12.0)
    assert photo.path.startswith("2024-01-01/")


@pytest.mark.django_db
def test_a_sidecars_position_moves_a_video_to_the_day_there(library_root, media_dir, settings):
    # given, on a UTC site, a video filed under 31 December (its container's 23:30 UTC)
    settings.TIME_ZONE = "UTC"
    video = import_one(factories.make_video(media_dir / "clip.mp4", seconds=0.4, creation_time="2023-12-31T23:30:00Z"))
    assert (video.path.startswith("2023-12-31/"), video.zone_source) == (True, ZoneSource.UTC)
    # when a position in Tokyo arrives for it
    apply_location(video, locate(*TOKYO))
    # then it is 08:30 on 1 January there, and its file has moved to that day
    video.refresh_from_db()
    assert (video.taken_on, video.taken_at_offset, video.zone_source) == (date(2024, 1, 1), 540, ZoneSource.GPS)
    assert video.taken_at == datetime(2023, 12, 31, 23, 30, tzinfo=UTC)
    assert video.path.startswith("2024-01-01/") and (library_root / video.path).is_file()
    assert not FileMove.objects.exists()


@pytest.mark.django_db
def test_a_sidecars_position_leaves_a_photos_own_gps_and_camera_clock_alone(library_root, media_dir, settings):
    settings.TIME_ZONE = "UTC"
    own = import_one(factories.make_jpeg(media_dir / "own.jpg", taken=factories.a_date(2024, 1, 1, 8, 0),
                                         gps=factories.gps_exif(-33.8688, 151.2093)))
    camera = import_one(factories.make_jpeg(media_dir / "camera.jpg", taken=factories.a_date(2024, 1, 1, 8, 0),
                                            offset="-05:00"))
    assert not apply_location(own, locate(*TOKYO))
    assert not apply_location(camera, locate(0, 0))  # null island: no place
    assert apply_location(camera, locate(*TOKYO))
    own.refresh_from_db()
    camera.refresh_from_db()
    assert (own.place_city, own.time_zone) == ("Sydney", "Australia/Sydney")
    assert (camera.place_city, camera.taken_at_offset, camera.zone_source) == ("Tokyo", -300, ZoneSource.CAMERA)


def test_the_gazetteer_and_zone_finder_load_only_for_a_position(tmp_path):
    # given a fresh process that sets the site up and reads a photo without GPS
    path = factories.make_jpeg(tmp_path / "a.jpg", taken=factories.a_date(2024, 1, 1, 8, 0))
    script = ("import sys, django; django.setup(); import library.admin;"
              "from library.media import detection, metadata; from pathlib import Path; path = Path(sys.argv[1]);"
              "found = detection.detect_format(path.read_bytes()[:detection.HEAD_BYTES], path.name, path);"
              "assert metadata.read_metadata(path, found, path.name).location is None;"
              "print(sorted({'reverse_geocode', 'timezonefinder', 'scipy'} & set(sys.modules)))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "photosite.settings", "PYTHONPATH": str(PROJECT),
           "PHOTOSITE_LIBRARY_ROOT": str(tmp_path / "library"), "SECRET_KEY": "x" * 50}
    # when
    loaded = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=120, check=True).stdout.strip().splitlines()[-1]
    # then
    assert loaded == "[]"


def test_naming_a_place_needs_no_network():
    # given a process without any network (a user namespace of its own)
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot start a process without network here")
    script = "from library.media.places import locate; print(locate(35.6895, 139.6917))"
    # when
    completed = subprocess.run([unshare, "-rn", sys.executable, "-c", script], capture_output=True, text=True,
                               cwd=PROJECT, timeout=120)
    # then
    assert "city='Tokyo'" in completed.stdout and "time_zone='Asia/Tokyo'" in completed.stdout, completed.stderr


@pytest.mark.django_db
def test_a_move_to_the_day_at_the_position_is_finished_right_after_a_crash(library_root, media_dir, settings):
    # given a journalled move of a Tokyo video to its day there, read back as `checklibrary --repair` reads it
    settings.TIME_ZONE = "UTC"
    video = import_one(factories.make_video(media_dir / "clip.mp4", seconds=0.4, creation_time="2023-12-31T23:30:00Z"))
    Photo.objects.filter(pk=video.pk).update(**locate(*TOKYO).photo_fields())
    FileMove.objects.create(photo=video, reason=MoveReason.PLACE, source=video.path, target="2024-01-01/x.mp4",
                            taken_at=datetime(2023, 12, 31, 23, 30, tzinfo=UTC))
    # when
    changes = FileMove.objects.get().row_changes()
    # then the row gets Tokyo's clock and day
    assert (changes["taken_on"], changes["taken_at_offset"], changes["zone_source"]) == (date(2024, 1, 1), 540,
                                                                                         ZoneSource.GPS)


@pytest.mark.django_db(transaction=True)
def test_the_migration_records_the_zones_it_knows_for_certain(library_root):
    # given rows as 0006 kept them, one per origin of their date
    executor = MigrationExecutor(connection)
    executor.migrate([("library", "0006_moments")])
    old_photo = executor.loader.project_state([("library", "0006_moments")]).apps.get_model("library", "Photo")
    for index, source in enumerate(["exif", "container", "mtime", "filename", "manual"]):
        old_photo.objects.create(sha256=f"{index}" * 64, kind="photo", original_name=f"{index}.jpg", path=f"{index}.jpg",
                                 format="jpeg", mime_type="image/jpeg", size=1, taken_at_source=source,
                                 taken_at=datetime(2024, 1, 1, tzinfo=UTC), taken_at_offset=0, taken_on=date(2024, 1, 1))
    # when
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    # then an EXIF date (with the camera's offset, or none) stays unknown; the others are certain
    assert dict(Photo.objects.values_list("taken_at_source", "zone_source")) == {
        "exif": "", "container": "utc", "mtime": "utc", "filename": "site", "manual": "site"}
    assert not Photo.objects.filter(latitude__isnull=False).exists()


@pytest.mark.django_db
def test_the_admin_says_when_a_photo_has_no_place(admin_client, library_root, media_dir):
    photo = import_one(factories.make_jpeg(media_dir / "a.jpg", taken=factories.a_date(2024, 1, 1, 8, 0)))
    page = admin_client.get(f"/admin/library/photo/{photo.pk}/change/").content.decode()
    assert "— (no GPS position)" in page and "The site&#x27;s TIME_ZONE (no offset recorded)" in page


def test_libraw_reads_a_raws_gps_where_pillow_cannot(tmp_path):
    # given a raw whose GPS LibRaw parses (as it does from a CR3's own records, which Pillow cannot read)
    dng_gps = {1: (format_factories.ASCII, "S"), 2: (format_factories.RATIONAL, [33, 1, 52, 1, 814, 100]),
               3: (format_factories.ASCII, "W"), 4: (format_factories.RATIONAL, [70, 1, 40, 1, 0, 1]),
               5: (format_factories.BYTE, [1]), 6: (format_factories.RATIONAL, [125, 10])}
    path = format_factories.make_dng(tmp_path / "raw.dng", 64, 48, preview_size=(64, 48), gps=dng_gps)
    # when
    found = read_raw_header(path).position
    # then
    assert (round(found.latitude, 5), round(found.longitude, 5), round(found.altitude, 3)) == (-33.86893, -70.66667,
                                                                                                -12.5)


@pytest.mark.corpus
def test_real_raws_without_gps_have_no_position(corpus_dir):
    for path in sorted((corpus_dir / "raw").glob("*.*")):
        if path.suffix.lower() != ".md":
            assert read_raw_header(path).position is None, path.name


@pytest.mark.django_db
def test_placephotos_gives_photos_imported_before_their_place(library_root, media_dir, settings):
    # given, on a UTC site, rows as the import kept them before places: a Tokyo photo at 08:00
    # (a clock without offset, read in UTC, its zone's origin unknown) and a photo without GPS
    settings.TIME_ZONE = "UTC"
    tokyo = import_one(factories.make_jpeg(media_dir / "shrine.jpg", taken=factories.a_date(2024, 1, 1, 8, 0),
                                           gps=factories.gps_exif(*TOKYO)))
    plain = import_one(factories.make_jpeg(media_dir / "plain.jpg", taken=factories.a_date(2024, 1, 1, 8, 0)))
    Photo.objects.update(taken_at=datetime(2024, 1, 1, 8, 0, tzinfo=UTC), taken_at_offset=0, zone_source="",
                         latitude=None, longitude=None, place_city="", place_country="", time_zone="")
    gone = import_one(factories.make_jpeg(media_dir / "gone.jpg", gps=factories.gps_exif(*TOKYO)))
    Photo.objects.filter(pk=gone.pk).update(latitude=None, longitude=None)
    (library_root / gone.path).unlink()  # a file missing from the library is passed by, with a warning
    # when
    call_command("placephotos", "--no-progress", stdout=io.StringIO())
    second = io.StringIO()
    call_command("placephotos", "--no-progress", stdout=second)
    # then the Tokyo photo is placed and dated as a new import would date it; the other is as it was
    tokyo.refresh_from_db()
    plain.refresh_from_db()
    assert (tokyo.place, tokyo.zone_source, tokyo.taken_at) == ("Tokyo, Japan", ZoneSource.GPS,
                                                               datetime(2023, 12, 31, 23, 0, tzinfo=UTC))
    assert (tokyo.taken_on, tokyo.path.startswith("2024-01-01/")) == (date(2024, 1, 1), True)
    assert (plain.latitude, plain.zone_source, plain.taken_at_offset) == (None, "", 0)
    assert "0 photo(s) placed" in second.getvalue()
