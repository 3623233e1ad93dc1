"""photosite.static_files' table: a static file is read once, and read again with a new version
when it changes on disk (a developer's edit), so the version a page names is always the file's."""
import os

import pytest
from django.contrib.staticfiles import finders

from photosite.static_files import STATIC_FILES, StaticFileTable, VersionedStaticFilesStorage


@pytest.fixture
def static_folder(tmp_path, settings):
    """A static folder of the test's own, searched by Django's finders."""
    settings.STATICFILES_DIRS = [str(tmp_path)]
    finders.get_finder.cache_clear()
    yield tmp_path
    finders.get_finder.cache_clear()


def test_a_changed_file_is_read_again_under_a_new_version(static_folder):
    # given a file read once
    script = static_folder / "probe.js"
    script.write_text("let a = 1;\n")
    table = StaticFileTable()
    first = table.get("probe.js")
    # when it is edited (a new size and modification time)
    script.write_text("let a = 22;\n")
    os.utime(script, ns=(first.identity[1] + 1_000_000_000,) * 2)
    second = table.get("probe.js")
    # then it is read again, under a new version; unchanged, the same record is kept
    assert first.body == b"let a = 1;\n" and second.body == b"let a = 22;\n"
    assert first.version != second.version
    assert table.get("probe.js") is second


@pytest.mark.parametrize("name", ["../settings.py", "library/../x.css", "/etc/passwd", "library//site.css",
                                  "library/%2e%2e/x", "", "library/no-such-file.js"])
def test_a_name_it_would_not_serve_is_left_to_django(name):
    assert StaticFileTable().get(name) is None


def test_a_template_s_static_address_carries_the_served_version():
    url = VersionedStaticFilesStorage().url("library/gallery.js")
    assert url == f"/static/library/gallery.js?v={STATIC_FILES.get('library/gallery.js').version}"
    assert VersionedStaticFilesStorage().url("library/no-such-file.js") == "/static/library/no-such-file.js"
