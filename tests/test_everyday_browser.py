"""What a new user meets, in a real browser (Debian's Chromium) against the real uvicorn-served
site: no 404 in any page's console (the favicon), the camera's own day and time in the gallery,
the viewer and the photo page, a scrubber that lists only years with photos, small pictures
scaled up in the viewer, a short video's duration, the admin branded Photosite, and failures on
the import page named by their path in the folder picked. Screenshots: tests/.artifacts/everyday-*.png."""
from datetime import datetime

import pytest

import factories
from browser import GRID_SETTLED, log_in, screenshot, watched_context
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.outside_database]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A UTC site with: 21:30 at −05:00 on 1 January 2022 (02:30 UTC on the 2nd), a small
    picture in June 2023, a 0.4 s video, and nothing in the months between."""
    root = tmp_path_factory.mktemp("everyday-site")
    media = root / "media"
    media.mkdir()
    factories.make_jpeg(media / "evening.jpg", 640, 480, taken=datetime(2022, 1, 1, 21, 30), offset="-05:00")
    factories.make_jpeg(media / "small.jpg", 120, 90, taken=datetime(2023, 6, 10, 12, 0))
    factories.make_video(media / "blink.mp4", seconds=0.4, creation_time="2023-06-11T08:00:00Z")
    with running_site(root / "library", database_url="sqlite", extra_env={"TIME_ZONE": "UTC"}, imports=[media]) as site:
        yield site


@pytest.fixture
def page(browser, site):
    context = watched_context(browser, viewport={"width": 1100, "height": 700}, base_url=site.base_url)
    page = context.new_page()
    page.missing = []
    page.on("response", lambda response: response.status == 404 and page.missing.append(response.url))
    page.on("console", lambda message: message.type == "error" and "404" in message.text
            and page.missing.append(message.text))
    log_in(page, site)
    yield page
    context.close()
    context.csp.assert_none()


def test_no_page_meets_a_404_and_each_has_the_icon(page):
    for url in ("/accounts/login/", "/", "/import/", "/admin/", "/admin/library/photo/"):
        # when
        page.goto(url)
        page.wait_for_load_state("networkidle")
        # then
        icon = page.locator("link[rel=icon]").get_attribute("href")
        assert page.request.get(icon).status == 200, url
    assert page.missing == []
    assert page.request.get("/favicon.ico").status == 200  # followed to the icon


def test_the_gallery_shows_the_cameras_day_and_time(page, site):
    # then the days are the camera's (UTC would say Sunday 2 January): days of one photo each,
    # the two of June side by side, each under its own label
    page.wait_for_function(GRID_SETTLED)
    labels = page.locator("#gallery .day-label")
    assert labels.evaluate_all("(labels) => labels.map((label) => label.title)") == [
        "Sunday 11 June 2023", "Saturday 10 June 2023", "Saturday 1 January 2022"]
    assert labels.all_inner_texts() == ["Sun 11 Jun 2023", "Sat 10 Jun 2023", "Sat 1 Jan 2022"]
    # and the viewer's caption has the camera's time
    page.locator(".tile[data-name='evening.jpg']").click()
    assert page.locator(".viewer-caption").inner_text() == "evening.jpg · Saturday 1 January 2022, 21:30"
    page.keyboard.press("Escape")
    page.wait_for_url(f"{site.base_url}/")  # closing goes back to the gallery's address
    # and so has the photo page
    page.goto(page.locator(".tile[data-name='evening.jpg']").get_attribute("href"))
    assert "Saturday 1 January 2022, 21:30" in page.locator(".viewer-bar").inner_text()
    screenshot(page, "everyday-photo-page")


def test_the_scrubber_has_only_the_years_with_photos_and_names_the_day_under_the_pointer(page):
    # given
    page.wait_for_function(GRID_SETTLED)
    assert page.locator(".scrubber-year").all_inner_texts() == ["2023", "2022"]
    rail = page.locator(".scrubber").bounding_box()
    x = rail["x"] + rail["width"] / 2
    # when pressing at its top, then dragging to its bottom
    page.mouse.move(x, rail["y"] + 1)
    page.mouse.down()
    top = page.locator(".scrubber-date").inner_text()
    page.mouse.move(x, rail["y"] + rail["height"] - 1, steps=4)
    bottom = page.locator(".scrubber-date").inner_text()
    screenshot(page, "everyday-scrubber")
    page.mouse.up()
    # then
    assert (top, bottom) == ("11 Jun 2023", "1 Jan 2022")
    assert page.locator(".scrubber-date").is_hidden()


def test_a_short_video_shows_tenths_and_a_small_picture_fills_the_viewer(page):
    # then
    page.wait_for_function(GRID_SETTLED)
    assert page.locator(".tile[data-kind=video] .badge").inner_text() == "▶ 0:00.4"
    # when
    page.locator(".tile[data-name='small.jpg']").click()
    page.wait_for_function("() => document.querySelector('#viewer img')?.naturalWidth > 0")
    # then the 120×90 picture is drawn as large as the stage allows, keeping its shape
    drawn = page.evaluate("""() => {
        const image = document.querySelector('#viewer img'), stage = image.parentElement.getBoundingClientRect();
        const scale = Math.min(stage.width / image.naturalWidth, stage.height / image.naturalHeight);
        const box = image.getBoundingClientRect();
        return {scale, width: box.width, height: box.height, stageWidth: stage.width, stageHeight: stage.height,
                objectFit: getComputedStyle(image).objectFit};
    }""")
    assert drawn["scale"] > 4
    assert drawn["objectFit"] == "contain"
    assert abs(drawn["width"] - drawn["stageWidth"]) < 2 and abs(drawn["height"] - drawn["stageHeight"]) < 2
    screenshot(page, "everyday-small-picture")


def test_the_admin_says_photosite(page):
    page.goto("/admin/")
    assert page.locator("#site-name").inner_text() == "Photosite administration"
    assert page.title().endswith("Photosite admin")
    screenshot(page, "everyday-admin")


def test_import_failures_name_their_path_in_the_folder(page, tmp_path):
    # given a folder with two broken photos called cover.jpg (a LICENSE would be skipped, not failed)
    project = tmp_path / "project"
    (project / "vendor").mkdir(parents=True)
    factories.make_text_file(project / "cover.jpg")
    factories.make_text_file(project / "vendor" / "cover.jpg")
    # when it is picked on the import page
    page.goto("/import/")
    page.set_input_files("#folder-picker", str(project))
    # then
    page.wait_for_function("() => document.querySelectorAll('#failures li').length === 2")
    page.wait_for_function("() => document.querySelector('#summary') && !document.querySelector('#summary').hidden")
    names = sorted(page.locator("#failures li .file-name").all_inner_texts())
    assert names == ["project/cover.jpg", "project/vendor/cover.jpg"]
    screenshot(page, "everyday-import-failures")


def test_the_admin_drills_down_to_a_day_by_the_cameras_clock(page):
    # given the photo list: its years come from index probes (library.templatetags.photo_admin)
    page.goto("/admin/library/photo/")
    dates = page.locator("nav.toplinks a:not(.date-back)")
    assert dates.all_inner_texts() == ["2022", "2023"]
    # when a year, its month and its day are chosen
    for choice in ("2022", "January 2022", "January 1"):
        with page.expect_navigation():
            dates.filter(has_text=choice).click()
    # then the evening photo is listed under the camera's day (1 January, not UTC's 2nd)
    assert page.locator("#result_list tbody tr").all_inner_texts()[0].count("evening.jpg") == 1
    assert page.locator("#result_list tbody tr").count() == 1
    screenshot(page, "everyday-admin-drill-down")
