"""Motion photos (library/media/motion_photos.py, thumbnails/embedded_video_views.py): a JPEG
with its video inside is one photo, kept byte for byte; its video is streamed with Range from
its byte span of the original. Metadata that lies is not believed."""
import struct
from datetime import datetime
from pathlib import Path

import pytest
from test_video_renditions import read_all

from library.curation.trash import move_to_trash
from library.importing.pipeline import ImportPipeline
from library.media.motion_photos import find_embedded_video
from library.models import Photo
from thumbnails import store
from thumbnails.links import embedded_video_url

import factories

TAKEN = datetime(2024, 6, 2, 9, 30)


@pytest.fixture
def clip(tmp_path):
    return factories.make_video(tmp_path / "clip.mp4", seconds=1.5)


def embedded(path, format_name="jpeg"):
    from PIL import Image

    with open(path, "rb") as still, Image.open(still) as image:
        return find_embedded_video(still, format_name, image.info.get("xmp"))


@pytest.mark.outside_database
@pytest.mark.parametrize("maker", [factories.make_google_motion_photo, factories.make_samsung_motion_photo],
                         ids=["google", "samsung"])
def test_the_video_inside_is_found_exactly(tmp_path, clip, maker):
    # given a motion photo as a Pixel or a Galaxy writes it
    still = maker(tmp_path / "PXL_20240602_093000.MP.jpg", clip, taken=TAKEN)
    # when
    found = embedded(still)
    # then its bytes are the video's, to the byte
    assert still.read_bytes()[found.offset:found.offset + found.length] == clip.read_bytes()


@pytest.mark.outside_database
def test_the_older_google_micro_video_is_found(tmp_path, clip):
    # given the MicroVideo form: the XMP gives the video's length from the end of the file
    video = clip.read_bytes()
    xmp = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           f'<rdf:Description xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" GCamera:MicroVideo="1"'
           f' GCamera:MicroVideoVersion="1" GCamera:MicroVideoOffset="{len(video)}"/></rdf:RDF></x:xmpmeta>')
    still = tmp_path / "MVIMG_0001.jpg"
    factories.upright_marked_image().save(still, "JPEG", xmp=xmp.encode())
    with open(still, "ab") as out:
        out.write(video)
    # when
    found = embedded(still)
    # then
    assert (found.offset, found.length) == (still.stat().st_size - len(video), len(video))


@pytest.mark.outside_database
def test_a_samsung_heic_keeps_its_video_in_a_box(tmp_path, clip):
    # given a HEIC with a top-level `mpvd` box holding the MP4
    still = factories.make_heic(tmp_path / "IMG.heic", taken=TAKEN)
    video = clip.read_bytes()
    with open(still, "ab") as out:
        out.write(struct.pack(">I4s", 8 + len(video), b"mpvd") + video)
    # when
    found = embedded(still, "heic")
    # then
    assert still.read_bytes()[found.offset:found.offset + found.length] == video


@pytest.mark.outside_database
@pytest.mark.parametrize("lie", ["length past the file", "no video there", "a trailer claiming too much",
                                 "zero length", "plain jpeg"])
def test_metadata_that_lies_is_not_believed(tmp_path, clip, lie):
    # given stills whose motion-photo metadata points nowhere useful
    still = tmp_path / "x.jpg"
    if lie == "length past the file":
        factories.upright_marked_image().save(still, "JPEG", xmp=factories.google_motion_xmp(10**9))
    elif lie == "no video there":
        factories.upright_marked_image().save(still, "JPEG", xmp=factories.google_motion_xmp(5000))
        still.write_bytes(still.read_bytes() + b"\x00" * 5000)
    elif lie == "a trailer claiming too much":
        factories.upright_marked_image().save(still, "JPEG")
        directory = b"SEFH" + struct.pack("<II", 106, 1) + struct.pack("<HHII", 0, 0x0A30, 2**31, 2**31)
        still.write_bytes(still.read_bytes() + directory + struct.pack("<I", len(directory)) + b"SEFT")
    elif lie == "zero length":
        factories.upright_marked_image().save(still, "JPEG", xmp=factories.google_motion_xmp(0))
    else:
        factories.make_jpeg(still)
    # when / then: an ordinary still
    assert embedded(still) is None


@pytest.fixture
def motion_photo(library_root, media_dir, clip):
    source = factories.make_google_motion_photo(media_dir / "PXL_20240602_093000.MP.jpg", clip, taken=TAKEN)
    pipeline = ImportPipeline.start("cli")
    result = pipeline.import_path(source)
    pipeline.finish()
    return Photo.objects.get(pk=result.photo_id), source, clip.read_bytes()


@pytest.mark.django_db
def test_a_motion_photo_is_one_photo_kept_byte_for_byte(motion_photo, library_root):
    # given / when imported
    photo, source, video = motion_photo
    # then one original, unchanged, that knows where its video is
    assert Photo.objects.count() == 1
    assert (library_root / photo.path).read_bytes() == source.read_bytes()
    assert photo.kind == "photo" and photo.has_embedded_video
    assert photo.embedded_video_length == len(video)


@pytest.mark.django_db
def test_its_video_is_streamed_from_the_original_with_ranges(motion_photo, logged_in):
    # given
    photo, _, video = motion_photo
    url = embedded_video_url(photo)
    # when
    whole = logged_in.get(url)
    part = logged_in.get(url, headers={"Range": "bytes=100-199"})
    tail = logged_in.get(url, headers={"Range": "bytes=-10"})
    # then: the embedded video's bytes, counted from its own start, and nothing copied to the cache
    assert whole.status_code == 200 and read_all(whole) == video
    assert whole["Content-Type"] == "video/mp4" and whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Length"] == str(len(video)) and "immutable" in whole["Cache-Control"]
    assert part.status_code == 206 and read_all(part) == video[100:200]
    assert part["Content-Range"] == f"bytes 100-199/{len(video)}"
    assert tail.status_code == 206 and read_all(tail) == video[-10:]
    assert logged_in.get(url, headers={"Range": f"bytes={len(video)}-"}).status_code == 416
    assert not list(Path(store.storage().path("")).rglob("*motion*"))


@pytest.mark.django_db
def test_a_trashed_motion_photo_is_not_served(motion_photo, logged_in):
    photo, _, _ = motion_photo
    move_to_trash(photo)
    assert logged_in.get(embedded_video_url(photo)).status_code == 404


@pytest.mark.django_db
def test_a_photo_without_video_and_a_changed_original_get_4xx(motion_photo, logged_in, library_root, media_dir):
    # given a plain photo, and a motion photo whose file changed behind the site's back
    photo, _, _ = motion_photo
    plain_source = factories.make_jpeg(media_dir / "plain.jpg", taken=TAKEN)
    pipeline = ImportPipeline.start("cli")
    plain = Photo.objects.get(pk=pipeline.import_path(plain_source).photo_id)
    (library_root / photo.path).write_bytes(b"\xff\xd8\xff" + b"\x00" * 100)
    # when / then
    assert logged_in.get(f"/api/photo/{plain.pk}/motion").status_code == 404
    assert logged_in.get(embedded_video_url(photo)).status_code == 410
    assert logged_in.get("/api/photo/99999999/motion").status_code == 404
