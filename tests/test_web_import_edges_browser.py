"""The import page reads only the edges (first and last 64 KB) of a file whose size the library
holds, and hashes it whole only when a photo of that size has the same edges (or has no edge hash
yet): in Chromium, against the real server, watching the page's questions (`/edges`, `/known`)."""
import hashlib

import pytest
from test_edge_hashes import SIZES, edges_of
from test_web_import_resumable_browser import open_import_page

import factories
from browser import asked, import_questions, screenshot
from live_site import running_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running_site(tmp_path_factory.mktemp("edges") / "library", extra_env={"PHOTOSITE_MIN_FREE_BYTES": "0"}) as live:
        yield live


@pytest.fixture
def page(site, browser):
    """The import page, with the page's questions before it sends (`/edges`, `/known`) recorded in
    `page.questions` as (route, parsed body)."""
    page = open_import_page(browser, site.base_url)
    page.questions = import_questions(page)
    yield page
    page.context.close()
    page.context.csp.assert_none()


def summary_text(page):
    page.locator("#summary").wait_for(state="visible")
    return page.locator("#summary-text").text_content()


def test_files_of_held_sizes_are_hashed_whole_only_when_their_edges_match(site, page, tmp_path):
    # given: four photos in the library (imported through the page), the last one's edge hash
    # blank as if imported before edge hashes were kept
    (tmp_path / "library").mkdir()
    (tmp_path / "new").mkdir()
    held = [factories.make_noisy_jpeg(tmp_path / "library" / f"HELD_{i}.JPG", 720, 540, seed=i,
                                      taken=factories.a_date(day=i + 1)) for i in range(4)]
    page.set_input_files("#file-picker", held)
    assert "4 imported, 0 already in the library, 0 failed" in summary_text(page)
    site.manage("shell", "-c", "from library.models import Photo;"
                "Photo.objects.filter(original_name='HELD_3.JPG').update(edge_sha256='')")
    # and new photos of exactly those sizes (other bytes), and one true copy of a photo held
    new = [factories.padded_jpeg(factories.make_noisy_jpeg(tmp_path / "new" / f"NEW_{i}.JPG", 480, 360, seed=10 + i,
                                               taken=factories.a_date(day=i + 10)), held[i].stat().st_size)
           for i in range(4)]
    copy = tmp_path / "new" / "COPY_OF_HELD_0.JPG"
    copy.write_bytes(held[0].read_bytes())
    assert all(path.stat().st_size > 2 * 64 * 1024 for path in held)
    page.questions.clear()
    page.evaluate("() => { document.getElementById('summary').hidden = true; }")
    # when they are imported
    page.set_input_files("#file-picker", [*new, copy])
    # then the new photos are imported and the copy is a duplicate, not sent
    assert "4 imported, 1 already in the library, 0 failed" in summary_text(page)
    # and every file was asked about by its edges, which the page read as the server reads them
    assert sorted((file["size"], file["edge"]) for file in asked(page.questions, "edges")) == sorted(
        (path.stat().st_size, edges_of(path.read_bytes())) for path in [*new, copy])
    # and only the copy, and the file whose size's photo has no edge hash yet, were hashed whole
    assert sorted(file["name"] for file in asked(page.questions, "known")) == ["COPY_OF_HELD_0.JPG", "NEW_3.JPG"]
    assert {file["sha256"] for file in asked(page.questions, "known")} == {
        hashlib.sha256(path.read_bytes()).hexdigest() for path in (copy, new[3])}
    new_bytes = sum(path.stat().st_size for path in new[:3])
    read = sum(min(path.stat().st_size, 2 * 64 * 1024) for path in new[:3])
    print(f"new files of held sizes: read {read:,} of their {new_bytes:,} bytes ({read / new_bytes:.0%})")
    screenshot(page, "web-import-edges")


def test_the_page_and_the_server_take_the_same_edges_of_any_size(site, page):
    # given: files of sizes around the edges (64 KB) and their sum, made in the page from the bytes made here
    def content(size):
        return bytes((index * 31 + 7) % 251 for index in range(size))

    # when the page's workers hash their edges
    edges = page.evaluate("""async (sizes) => {
        const pool = new window.PhotositeHashPool(document.getElementById("importer").dataset.hashWorkerUrl, 1);
        const fileOf = (size) => new File([Uint8Array.from({ length: size }, (_, index) => (index * 31 + 7) % 251)], "f");
        const edges = [];
        for (const size of sizes) edges.push(await pool.hashEdges(fileOf(size)));
        return edges;
    }""", SIZES)
    # then they are the edge hashes the server records
    assert edges == [edges_of(content(size)) for size in SIZES]
