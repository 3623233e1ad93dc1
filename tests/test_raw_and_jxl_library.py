"""Raw and JPEG XL files through the whole library: imported by the pipeline, served a real
thumbnail by the view (or, for a raw LibRaw identifies but cannot decode, still imported with a
placeholder and one errors.log line), shown in the admin and counted by `librarystatus` like
any photo."""
import re

import pytest
from django.core.management import call_command
from PIL import Image

from library.importing.pipeline import ImportPipeline
from library.models import Photo
from thumbnails.links import thumbnail_url

from format_factories import make_dng, make_jxl
from test_thumbnail_support import is_red, picture

pytestmark = pytest.mark.django_db(transaction=True)


def imported(path):
    result = ImportPipeline.start("cli").import_path(path)
    assert result.photo_id, result.error
    return Photo.objects.get(pk=result.photo_id)


def thumbnail(client, photo, size="400"):
    response = client.get(thumbnail_url(photo, size), HTTP_ACCEPT="image/webp")
    assert response.status_code == 200
    return response


def failure_lines(library_root, photo):
    errors_log = library_root / ".logs" / "errors.log"
    text = errors_log.read_text() if errors_log.exists() else ""
    return re.findall(rf"Thumbnail failed: photo {photo.pk} \(", text)


def test_a_dng_and_a_jpeg_xl_are_imported_and_shown_upright(library_root, media_dir, logged_in):
    # given
    dng = imported(make_dng(media_dir / "DSC_0001.dng", 1200, 800, orientation=6, preview_size=(1200, 800)))
    jxl = imported(make_jxl(media_dir / "photo.jxl", 800, 600, orientation=8, taken="2022:05:06 07:08:09"))
    # then both are photos, kept under their own extension, sized as displayed
    assert (dng.kind, dng.format, dng.path.endswith(".dng"), dng.width, dng.height) == ("photo", "dng", True, 800, 1200)
    assert (jxl.format, jxl.path.endswith(".jxl"), jxl.width, jxl.height) == ("jxl", True, 800, 600)
    assert jxl.path.startswith("2022-05-06/")
    # and the view serves real, upright pictures for the grid and the viewer
    for photo in (dng, jxl):
        for size in ("400", "preview"):
            response = thumbnail(logged_in, photo, size)
            assert not response.get("X-Thumbnail-Placeholder")
    upright = picture(thumbnail(logged_in, jxl).content)
    assert upright.size == (533, 400) and is_red(upright.getpixel((5, 5)))


def test_a_raw_libraw_identifies_but_cannot_decode_is_kept_with_a_placeholder(library_root, media_dir, logged_in):
    # given a raw whose sensor data was cut off and which has no preview
    source = make_dng(media_dir / "cut.dng", 1200, 800, preview_size=None)
    source.write_bytes(source.read_bytes()[:4096])
    # when it is imported and its thumbnail asked for twice
    photo = imported(source)
    first, second = thumbnail(logged_in, photo), thumbnail(logged_in, photo)
    # then the original is in the library, the tile a placeholder of its shape, the cause logged once
    assert (library_root / photo.path).is_file() and (photo.width, photo.height) == (1200, 800)
    assert first["X-Thumbnail-Placeholder"] == second["X-Thumbnail-Placeholder"] == "1"
    assert picture(first.content).size == (600, 400)
    assert len(failure_lines(library_root, photo)) == 1


def test_a_file_named_as_a_raw_that_libraw_cannot_read_keeps_its_extension(library_root, media_dir, logged_in):
    # given a TIFF named as a Canon raw, which LibRaw does not read
    source = media_dir / "IMG_0001.CR2"
    Image.new("RGB", (300, 200), "red").save(source, "TIFF")
    # when it is imported
    photo = imported(source)
    # then it is filed under the extension its owner gave it, and Pillow makes its tile
    assert photo.path.endswith(".cr2") and photo.format == "tiff"
    response = thumbnail(logged_in, photo)
    assert not response.get("X-Thumbnail-Placeholder")
    assert is_red(picture(response.content).getpixel((5, 5)))


@pytest.mark.corpus
def test_the_corpus_raws_are_imported_and_get_a_picture_or_a_logged_placeholder(corpus_dir, library_root,
                                                                                 logged_in):
    # when
    photos = {name: imported(corpus_dir / "raw" / name) for name in ("FujiFilm.raf", "Panasonic.rw2", "Nikon.nef")}
    # then
    assert {name: photo.format for name, photo in photos.items()} == {
        "FujiFilm.raf": "raf", "Panasonic.rw2": "rw2", "Nikon.nef": "nef"}
    assert photos["FujiFilm.raf"].camera_model == "FinePix S5Pro"
    for name in ("FujiFilm.raf", "Panasonic.rw2"):
        assert not thumbnail(logged_in, photos[name]).get("X-Thumbnail-Placeholder")
    # the NEF has neither a preview nor readable sensor data (its pixels are stubbed)
    assert thumbnail(logged_in, photos["Nikon.nef"])["X-Thumbnail-Placeholder"] == "1"
    assert len(failure_lines(library_root, photos["Nikon.nef"])) == 1


def test_the_admin_and_librarystatus_treat_raw_and_jpeg_xl_as_photos(library_root, media_dir, client,
                                                                      django_user_model, capsys):
    # given
    dng = imported(make_dng(media_dir / "a.dng", make="Photosite", model="DNG Factory"))
    jxl = imported(make_jxl(media_dir / "b.jxl"))
    client.force_login(django_user_model.objects.create_superuser("curator", "c@example.com", None))
    # when
    listing = client.get("/admin/library/photo/?kind__exact=photo").content.decode()
    change = client.get(f"/admin/library/photo/{dng.pk}/change/").content.decode()
    call_command("librarystatus")
    # then
    for photo in (dng, jxl):
        assert thumbnail_url(photo, "400").replace("&", "&amp;") in listing
    assert thumbnail_url(dng, "preview").replace("&", "&amp;") in change and "DNG Factory" in change
    assert re.search(r"Photos:\s+2\b", capsys.readouterr().out)
