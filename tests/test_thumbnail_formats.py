"""The format policy (thumbnails.formats): which format a client is served and which is made
ahead, for each setting of PHOTOSITE_THUMBNAIL_FORMAT and the Accept headers browsers send."""
import pytest
from django.test import RequestFactory

from thumbnails import formats
from thumbnails.views import spec_for_request

pytestmark = pytest.mark.outside_database  # no database here: the SQLite pass of .ci/run runs it

CHROMIUM = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
FIREFOX = "image/avif,image/webp,*/*"
SAFARI = "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/*;q=0.8,*/*;q=0.5"
OLD_CLIENT = "image/png,image/*;q=0.8,*/*;q=0.5"


@pytest.mark.parametrize(("configured", "accept", "served"), [
    ("webp", CHROMIUM, "webp"),
    ("webp", FIREFOX, "webp"),
    ("webp", SAFARI, "webp"),
    ("webp", OLD_CLIENT, "jpeg"),
    ("webp", "", "jpeg"),
    ("jpeg", CHROMIUM, "jpeg"),
    ("jpeg", "", "jpeg"),
])
def test_each_client_gets_the_configured_format_or_jpeg(settings, configured, accept, served):
    # given
    settings.PHOTOSITE_THUMBNAIL_FORMAT = configured
    request = RequestFactory().get("/", {"size": "800"}, HTTP_ACCEPT=accept)
    # when / then: the view (and the fast path) ask the same function
    assert formats.format_for(accept) == served
    assert spec_for_request(request) == formats.served_spec("800", accept)
    assert str(spec_for_request(request)) == f"h800-{served}-v1"


@pytest.mark.parametrize("configured", ["webp", "jpeg"])
def test_what_is_made_ahead_is_what_browsers_are_served(settings, configured):
    settings.PHOTOSITE_THUMBNAIL_FORMAT = configured
    settings.PHOTOSITE_PREGENERATE_SIZES = ["400", "preview"]
    assert formats.made_ahead_specs() == [formats.served_spec("400", CHROMIUM), formats.served_spec("preview", CHROMIUM)]
    assert formats.made_ahead_spec() == formats.served_spec("400", FIREFOX)


def test_the_default_is_webp():
    assert formats.configured_format() == "webp"


def test_an_unknown_format_stops_the_site_at_its_checks(settings):
    settings.PHOTOSITE_THUMBNAIL_FORMAT = "png"
    [error] = formats.check_configured_format(None)
    assert error.id == "thumbnails.E001" and "png" in error.msg
    settings.PHOTOSITE_THUMBNAIL_FORMAT = "jpeg"
    assert formats.check_configured_format(None) == []
