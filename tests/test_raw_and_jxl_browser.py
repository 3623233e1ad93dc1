"""Raw and JPEG XL photos in a real browser (Chromium over the live uvicorn site): imported by
`manage.py import`, each shows a real thumbnail tile in the gallery and a real picture in the
viewer (browsers show neither format: both are the preview rendition). Screenshots:
tests/.artifacts/raw-and-jxl-gallery.png, raw-and-jxl-viewer-<name>.png."""
import shutil

import pytest

import factories
from browser import GRID_SETTLED, log_in, screenshot, watched_context
from conftest import CORPUS_DIR
from format_factories import make_dng, make_jxl
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]

# Whichever corpus raws are present join the generated files (a real RAF's and RW2's own previews).
CORPUS_RAWS = ["FujiFilm.raf", "Panasonic.rw2"]
ALL_TILES_LOADED = "() => [...document.querySelectorAll('.tile img')].every(i => i.complete && i.naturalWidth > 0)"
VIEWER_PICTURE_LOADED = "() => document.querySelector('#viewer img')?.complete && " \
                        "document.querySelector('#viewer img').naturalWidth > 0"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("raw-site")
    media = root / "media"
    media.mkdir()
    landscape = factories.upright_marked_image(1800, 1200)
    make_dng(media / "DSC_0001.dng", 1200, 1800, preview=landscape.rotate(90, expand=True), orientation=6,
             taken="2024:06:01 10:00:00")
    make_jxl(media / "photo.jxl", 1200, 900, orientation=8, taken="2024:06:01 11:00:00")
    factories.make_jpeg(media / "IMG_0002.jpg", 1200, 900, taken=factories.a_date(2024, 6, 1, 12))
    for name in CORPUS_RAWS:
        if (CORPUS_DIR / "raw" / name).is_file():
            shutil.copy(CORPUS_DIR / "raw" / name, media / name)  # into the test's temp folder, not the repo
    with running_site(root / "library", database_url="sqlite", imports=[media]) as site:
        yield site


def test_raw_and_jpeg_xl_photos_show_a_real_tile_and_a_real_viewer_picture(browser, site):
    # given a person logged in, watching every thumbnail answer
    context = watched_context(browser, viewport={"width": 1100, "height": 700}, base_url=site.base_url)
    page = context.new_page()
    answers = []
    page.on("response", lambda response: "/thumbnail" in response.url and answers.append(
        (response.url, response.status, response.headers.get("x-thumbnail-placeholder"))))
    log_in(page, site)
    # when the gallery has loaded
    page.wait_for_function(GRID_SETTLED)
    page.wait_for_function(ALL_TILES_LOADED)
    names = page.locator(".tile").evaluate_all("tiles => tiles.map(t => t.dataset.name)")
    screenshot(page, "raw-and-jxl-gallery")
    # then every tile, raw and JPEG XL included, is a real picture
    expected = {"DSC_0001.dng", "photo.jxl", "IMG_0002.jpg"} | {
        name for name in CORPUS_RAWS if (CORPUS_DIR / "raw" / name).is_file()}
    assert set(names) == expected
    assert answers and all(status == 200 and not placeholder for _, status, placeholder in answers), answers
    # and the viewer shows each one's preview rendition, a real picture, upright
    for name in ("DSC_0001.dng", "photo.jxl"):
        answers.clear()
        page.locator(f".tile[data-name='{name}']").click()
        page.wait_for_function(VIEWER_PICTURE_LOADED)
        size = page.locator("#viewer img").evaluate("image => [image.naturalWidth, image.naturalHeight]")
        assert size[0] > size[1], (name, size)  # both are landscape once upright
        assert any("size=preview" in url and status == 200 and not placeholder
                   for url, status, placeholder in answers), answers
        screenshot(page, f"raw-and-jxl-viewer-{name.split('.')[0].lower()}")
        page.keyboard.press("Escape")
    context.close()
    context.csp.assert_none()
