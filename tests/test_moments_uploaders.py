"""Pairing across users over a real server: one user's upload never becomes the motion of
another user's still, by name and time or by Apple's identifier; a user's own two files still
pair (library/importing/moment_pairing.py)."""
import re
from contextlib import closing
from datetime import datetime, timedelta

import pytest

import factories
from live_site import running_site

pytestmark = [pytest.mark.slow]

TAKEN = datetime(2024, 5, 1, 10, 0, 0)
PASSWORD = "a-long-enough-password-1"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with running_site(tmp_path_factory.mktemp("uploaders") / "library") as live:
        for name in ("alice", "bob"):
            live.create_user(name, PASSWORD)
        yield live


@pytest.fixture(scope="module")
def clients(site):
    with closing(site.client("alice", PASSWORD)) as alice, closing(site.client("bob", PASSWORD)) as bob:
        yield {"alice": alice, "bob": bob}


def upload(client, path) -> int:
    """One file in a web import of its own (as two people's uploads are); its photo's id."""
    session = client.post("/api/imports/").json()
    response = client.post(f"/api/imports/{session['id']}/files", files=[("file", (path.name, path.read_bytes()))])
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert result["status"] == "imported", result
    client.post(f"/api/imports/{session['id']}/finish")
    return result["photo_id"]


def tile_ids(client):
    return {int(pk) for pk in re.findall(r'data-id="(\d+)"', client.get("/?fragment=1").text)}


@pytest.mark.parametrize("identifier", ["", "3F2504E0-4F89-11D3-9A0C-0305E82C3301"], ids=["by name", "by identifier"])
def test_a_users_video_never_becomes_another_users_motion(site, clients, tmp_path, identifier):
    # given: bob's still, and a short video of the same name and moment (and identifier) made by alice
    taken = TAKEN + timedelta(days=1 if identifier else 0)
    still = factories.make_live_still(tmp_path / "IMG_7001.jpg", identifier or None, taken=taken)
    video = factories.make_live_motion(tmp_path / "IMG_7001.mp4", identifier or None,
                                       creation_time=taken + timedelta(seconds=1))
    bobs = upload(clients["bob"], still)
    # when
    alices = upload(clients["alice"], video)
    # then: two moments, each its own tile
    assert {bobs, alices} <= tile_ids(clients["bob"])


def test_a_users_own_still_and_video_still_pair(site, clients, tmp_path):
    # given
    taken = TAKEN + timedelta(days=2)
    still = factories.make_live_still(tmp_path / "IMG_7002.jpg", taken=taken)
    video = factories.make_live_motion(tmp_path / "IMG_7002.mp4", creation_time=taken + timedelta(seconds=1))
    # when: alice uploads both, in two imports
    still_id, video_id = upload(clients["alice"], still), upload(clients["alice"], video)
    # then: one moment, the still its tile
    tiles = tile_ids(clients["alice"])
    assert still_id in tiles and video_id not in tiles
