"""The photo admin's actions over a real server need the permission they use: a staff account
that may only view photos is refused every action (nothing changes), one that may change them
runs each (library/admin.py, thumbnails/admin.py)."""
from contextlib import closing
from datetime import datetime, timedelta

import pytest

import factories
from fault_helpers import site_rows
from live_site import running_site

pytestmark = [pytest.mark.slow]

CHANGELIST = "/admin/library/photo/"
PASSWORD = "a-long-enough-password-1"
TAKEN = datetime(2024, 5, 1, 10, 0, 0)


def make_files(folder):
    """Photos for the refusals and, apart from them, for the actions that work."""
    folder.mkdir()
    for index, name in enumerate(["keep.jpg", "trashed.jpg", "cur_1.jpg", "cur_2.jpg", "still_c.jpg", "still_e.jpg"]):
        factories.make_jpeg(folder / name, 64 + index, 48, taken=TAKEN + timedelta(days=index + 1))
    for index, name in enumerate(["clip_d.mov", "clip_f.mov"]):
        factories.make_live_motion(folder / name, width=320 + 16 * index, creation_time=TAKEN + timedelta(days=20 + index))
    # a still and its motion that pair at import (same name and folder, a second apart)
    factories.make_live_still(folder / "IMG_0005.jpg", taken=TAKEN)
    factories.make_live_motion(folder / "IMG_0005.mov", width=288, creation_time=TAKEN + timedelta(seconds=1))
    return folder


def grant(site, username, *codenames):
    site.create_user(username, PASSWORD, staff=True)
    site.manage("shell", "-c",
                "from django.contrib.auth.models import Permission, User;"
                f"User.objects.get(username='{username}').user_permissions.add(*Permission.objects.filter("
                f"content_type__app_label='library', codename__in={list(codenames)!r}))")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = make_files(tmp_path_factory.mktemp("admin-files") / "card")
    with running_site(tmp_path_factory.mktemp("admin-permissions") / "library", imports=[folder]) as live:
        grant(live, "viewer", "view_photo")
        grant(live, "curator", "view_photo", "change_photo")
        with closing(live.client()) as admin:
            run_action(live, admin, "trash_photos", ["trashed.jpg"])
        yield live


def photos(site):
    """Everything an action could change, per file."""
    return {row[0]: row[1:] for row in site_rows(
        site, "SELECT original_name, path, trashed_at, taken_at, shown_with_id FROM library_photo")}


def run_action(site, client, action, names, **extra):
    ids = [row[0] for row in site_rows(site, "SELECT id, original_name FROM library_photo") if row[1] in names]
    assert len(ids) == len(names)
    return client.post(CHANGELIST, data={"action": action, "_selected_action": ids, **extra}, follow_redirects=True)


REDATE = {"apply": "1", "taken_at": "2019-06-15T12:30"}
ACTIONS = [
    ("trash_photos", ["keep.jpg"], {}),
    ("restore_photos", ["trashed.jpg"], {}),
    ("fix_date_taken", ["keep.jpg"], REDATE),
    ("link_moment", ["still_c.jpg", "clip_d.mov"], {}),
    ("unlink_moment", ["IMG_0005.jpg"], {}),
    ("regenerate_thumbnails", ["keep.jpg"], {}),
    ("remake_renditions", ["clip_d.mov"], {}),
]


@pytest.mark.parametrize(("action", "names", "extra"), ACTIONS, ids=[action for action, _, _ in ACTIONS])
def test_a_staff_account_that_may_only_view_runs_no_action(site, action, names, extra):
    with closing(site.client("viewer", PASSWORD)) as viewer:
        # given
        before = photos(site)
        assert viewer.get(CHANGELIST).status_code == 200, "the viewer sees the list"
        # when
        response = run_action(site, viewer, action, names, **extra)
        # then: refused, and nothing changed
        assert response.status_code < 500
        assert photos(site) == before
        assert not any(done in response.text for done in ("moved to the trash", "restored", "Date taken set",
                                                          "Linked:", "of their own again", "queued"))
        assert f'value="{action}"' not in viewer.get(CHANGELIST).text, "the action is not offered"


def test_a_staff_account_that_may_change_photos_runs_the_actions(site):
    with closing(site.client("curator", PASSWORD)) as curator:
        # when / then
        assert "1 item(s) moved to the trash" in run_action(site, curator, "trash_photos", ["cur_1.jpg"]).text
        assert photos(site)["cur_1.jpg"][1] is not None
        assert "1 item(s) restored" in run_action(site, curator, "restore_photos", ["cur_1.jpg"]).text
        assert photos(site)["cur_1.jpg"][1] is None
        assert "Date taken set" in run_action(site, curator, "fix_date_taken", ["cur_2.jpg"], **REDATE).text
        assert photos(site)["cur_2.jpg"][0].startswith("2019-06-15/")
        assert "Linked:" in run_action(site, curator, "link_moment", ["still_e.jpg", "clip_f.mov"]).text
        assert photos(site)["clip_f.mov"][3] is not None
        assert "1 file(s) are photos of their own again" in run_action(site, curator, "unlink_moment",
                                                                        ["still_e.jpg"]).text
        assert photos(site)["clip_f.mov"][3] is None
        assert "queued" in run_action(site, curator, "regenerate_thumbnails", ["cur_2.jpg"]).text
