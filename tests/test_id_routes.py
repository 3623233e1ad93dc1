"""`id_route` gives what `reverse()` gives for the routes of one integer id, under any script
prefix (a site served below a path) and URL configuration."""
import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from photosite.id_routes import id_route

ROUTES = ["photo", "original", "photo-thumbnail", "photo-video", "photo-embedded-video", "album"]


@pytest.mark.parametrize("name", ROUTES)
@pytest.mark.parametrize("pk", [0, 7, 1_000_000, 2**62])
def test_an_id_route_is_the_reversed_route(name, pk):
    assert id_route(name, pk) == reverse(name, args=[pk])


def test_an_id_route_follows_the_script_prefix():
    try:
        set_script_prefix("/photos/")
        assert id_route("photo-thumbnail", 12) == reverse("photo-thumbnail", args=[12]) == "/photos/api/photo/12/thumbnail"
    finally:
        clear_script_prefix()
    assert id_route("photo-thumbnail", 12) == "/api/photo/12/thumbnail"
