"""The viewer's info panel and a photo's own address: exposure read at import (EXIF of a still,
LibRaw's header of a raw, a video's container tags), `/api/photos/<id>/info` for a JPEG, a video
and a Live Photo, the one visibility rule (the trash is for staff, strangers get nothing), and
`/photo/<id>/` as the gallery at that photo with the viewer open over it."""
import re
from datetime import datetime

import pytest
from django.test import Client
from django.utils import timezone

from library.curation.trash import move_to_trash
from library.importing.pipeline import ImportPipeline
from library.models import Photo

import factories
import format_factories

pytestmark = pytest.mark.django_db

TAKEN = datetime(2024, 5, 1, 10, 0, 0)
IDENTIFIER = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"


def imported(*paths) -> list[Photo]:
    pipeline = ImportPipeline.start("cli")
    results = [pipeline.import_path(path) for path in paths]
    pipeline.finish()
    return [Photo.objects.get(pk=result.photo_id) for result in results]


@pytest.fixture
def camera_jpeg(library_root, media_dir):
    path = factories.make_jpeg(media_dir / "IMG_4242.jpg", 4032, 3024, taken=TAKEN, offset="-05:00", make="Apple",
                               model="iPhone 13", exposure=factories.exposure_exif(),
                               gps=factories.gps_exif(43.463, 11.88, altitude=250))
    return imported(path)[0]


def test_the_import_reads_the_exposure_and_lens_of_a_jpeg(camera_jpeg):
    # then
    assert (camera_jpeg.f_number, camera_jpeg.exposure_time, camera_jpeg.iso) == (1.8, 0.004, 200)
    assert (camera_jpeg.focal_length, camera_jpeg.focal_length_35mm) == (4.2, 26)
    assert (camera_jpeg.lens_make, camera_jpeg.lens_model) == ("Apple", "iPhone 13 back camera 4.2mm f/1.8")


@pytest.mark.parametrize(("entries", "expected"), [
    ({0x829D: factories.IFDRational(0, 0), 0x829A: factories.IFDRational(-1, 250)}, (None, None, None)),
    ({0x8827: (400, 800), 0x829A: factories.IFDRational(30, 1)}, (None, 30.0, 400)),
    ({0x8827: "fast", 0x829D: factories.IFDRational(999999, 1)}, (None, None, None)),
], ids=["zero-and-negative", "iso-list-and-long-shutter", "nonsense"])
def test_exposure_a_camera_cannot_record_is_no_exposure(library_root, media_dir, entries, expected):
    # given EXIF whose exposure values are odd or impossible
    path = factories.make_jpeg(media_dir / "odd.jpg", exposure=entries)
    # when
    photo, = imported(path)
    # then
    assert (photo.f_number, photo.exposure_time, photo.iso) == expected


def test_info_of_a_jpeg_gives_camera_exposure_size_and_place(logged_in, camera_jpeg):
    # when
    info = logged_in.get(f"/api/photos/{camera_jpeg.pk}/info").json()
    # then
    assert info["taken"] == {"local": "2024-05-01T10:00:00", "zone": "UTC−05:00", "time_zone": "Europe/Rome",
                             "source": "EXIF"}
    assert info["camera"] == {"make": "Apple", "model": "iPhone 13"}
    assert info["lens"]["model"] == "iPhone 13 back camera 4.2mm f/1.8"
    assert info["exposure"] == {"f_number": 1.8, "exposure_time": 0.004, "iso": 200, "focal_length": 4.2,
                                "focal_length_35mm": 26}
    assert info["dimensions"] == {"width": 4032, "height": 3024, "megapixels": 12.2}
    assert info["file_size"] == camera_jpeg.size and info["name"] == "IMG_4242.jpg"
    assert (info["format"], info["mime_type"]) == ("jpeg", "image/jpeg")
    assert info["place"]["name"] == camera_jpeg.place and info["place"]["country_code"] == "IT"
    assert (round(info["place"]["latitude"], 3), round(info["place"]["longitude"], 3)) == (43.463, 11.88)
    assert info["albums"] == [] and info["moment"] == []
    assert info["tile"]["preview"] == f"/api/photo/{camera_jpeg.pk}/thumbnail?size=preview&v={camera_jpeg.sha256[:12]}-" \
        + info["tile"]["preview"].rsplit("-", 1)[1]
    assert (info["tile"]["day"], info["tile"]["time"]) == ("2024-05-01", "10:00")


def test_info_of_a_video(logged_in, library_root, media_dir):
    # given
    iphone_tags = ("-movflags", "use_metadata_tags", "-metadata", "com.apple.quicktime.make=Apple",
                   "-metadata", "com.apple.quicktime.model=iPhone 13")
    video, = imported(factories.make_video(media_dir / "clip.mov", seconds=2, creation_time="2024-05-01T10:00:00Z",
                                           extra_output_args=iphone_tags))
    # when
    info = logged_in.get(f"/api/photos/{video.pk}/info").json()
    # then
    assert info["kind"] == "video" and round(info["duration"]) == 2
    assert info["camera"] == {"make": "Apple", "model": "iPhone 13"}
    assert info["exposure"] == dict.fromkeys(("f_number", "exposure_time", "iso", "focal_length", "focal_length_35mm"))
    assert info["tile"]["play"] == f"/photo/{video.pk}/original"


def test_info_of_a_live_photo_names_its_motion_and_the_motion_its_still(logged_in, library_root, media_dir):
    # given
    still, motion = imported(factories.make_live_still(media_dir / "IMG_0001.JPG", IDENTIFIER, taken=TAKEN),
                             factories.make_live_motion(media_dir / "IMG_0001.MOV", IDENTIFIER))
    # when
    of_still = logged_in.get(f"/api/photos/{still.pk}/info").json()
    of_motion = logged_in.get(f"/api/photos/{motion.pk}/info").json()
    # then
    assert [(file["id"], file["role"]) for file in of_still["moment"]] == [(motion.pk, "motion")]
    assert of_still["tile"]["moment"] == "live" and of_still["tile"]["motion"]
    assert [(file["id"], file["role"], file["url"]) for file in of_motion["moment"]] == [
        (still.pk, "still", f"/photo/{still.pk}/")]


def test_a_photo_in_the_trash_is_for_staff_only_and_strangers_get_nothing(logged_in, camera_jpeg, admin_client):
    # given
    move_to_trash(camera_jpeg)
    # when / then
    for url in (f"/api/photos/{camera_jpeg.pk}/info", f"/photo/{camera_jpeg.pk}/"):
        assert logged_in.get(url).status_code == 404, url
        assert admin_client.get(url).status_code == 200, url
    assert Client().get(f"/api/photos/{camera_jpeg.pk}/info").status_code == 401
    assert Client().get(f"/photo/{camera_jpeg.pk}/").status_code == 302
    assert logged_in.get("/api/photos/999999/info").json() == {"error": "no photo 999999"}


def make_rows(count):
    return [Photo.objects.create(sha256=f"{index:064x}", kind="photo", original_name=f"IMG_{index}.jpg",
                                 path=f"x/{index}.jpg", size=1, format="jpeg", mime_type="image/jpeg", width=40,
                                 height=30, taken_at=timezone.make_aware(datetime(2024, 3, 30 - index, 12)),
                                 taken_at_source="exif")
            for index in range(count)]


def test_the_photo_page_is_the_gallery_from_that_photo_with_the_viewer_open(logged_in, settings):
    # given ten photos, a page of four
    settings.PHOTOSITE_GALLERY_PAGE_SIZE = 4
    photos = make_rows(10)
    # when
    html = logged_in.get(f"/photo/{photos[5].pk}/").content.decode()
    # then the gallery starts at that photo, and goes on in the gallery
    assert re.search(rf'<div id="gallery" data-api="[^"]+"[^>]* data-open-photo="{photos[5].pk}">', html)
    assert [int(pk) for pk in re.findall(r'data-id="(\d+)"', html)] == [photo.pk for photo in photos[5:9]]
    assert re.search(r'class="more" href="/\?after=', html)
    # and the viewer is open on it, with its neighbours as links for a browser without JavaScript
    assert re.search(rf'<dialog id="viewer"[^>]* open data-photo-id="{photos[5].pk}"', html)
    assert f'href="/photo/{photos[4].pk}/" rel="prev"' in html and f'href="/photo/{photos[6].pk}/" rel="next"' in html
    assert "<title>IMG_5.jpg · Photosite</title>" in html


def test_the_import_reads_the_exposure_of_a_raw(library_root, media_dir):
    # given a DNG whose EXIF says f/4, 1/60 s, ISO 800 at 35 mm through a named lens
    exif = {0x829D: (format_factories.RATIONAL, [4, 1]), 0x829A: (format_factories.RATIONAL, [1, 60]),
            0x8827: (format_factories.SHORT, [800]), 0x920A: (format_factories.RATIONAL, [35, 1]),
            0xA434: (format_factories.ASCII, "Summicron 35")}
    # when
    raw, = imported(format_factories.make_dng(media_dir / "L1000001.DNG", exif=exif))
    # then
    assert (raw.f_number, round(raw.exposure_time, 5), raw.iso, raw.focal_length) == (4.0, round(1 / 60, 5), 800, 35.0)
    assert raw.lens_model == "Summicron 35"
