"""Sidecars and litter through the web import, over the real ASGI server: skipped apart from
failures in the answers, the counts and the event stream; a sidecar uploaded before its photo
(another request, or another import) applied once the photo comes, and its line told again."""
from datetime import datetime

import pytest
import sidecar_factories as sidecars
import test_web_import as web_import
from test_web_import import new_session, read_events, upload

import factories

pytestmark = [pytest.mark.slow]

# A live site for the module and two people logged in to it, as test_web_import has them.
site, admin, bob = web_import.site, web_import.admin, web_import.bob


def photo_field(site, original_name, field):
    """Read from the site's own database, as the admin would show it."""
    output = site.manage("shell", "--no-imports", "-c", "from library.models import Photo;"
                         f"print(repr(Photo.objects.get(original_name={original_name!r}).{field}))").stdout
    return output.strip().splitlines()[-1]


def test_a_lightroom_folder_uploads_with_sidecars_skipped_not_failed(site, admin, tmp_path):
    # given a photo with its Lightroom sidecar, and a folder's litter
    photo = factories.make_jpeg(tmp_path / "DSC_0101.jpg", taken=datetime(2024, 7, 1, 9, 0))
    xmp = sidecars.make_xmp(tmp_path / "DSC_0101.xmp", rating=5, title="Lighthouse", keywords=["coast"])
    litter = sidecars.make_folder_litter(tmp_path)
    session = new_session(admin)
    # when they are sent in one request
    response = upload(admin, session, photo, xmp, *litter)
    # then
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [result["status"] for result in answer["results"]] == ["imported"] + ["skipped"] * 5
    assert answer["results"][1]["error"] == "sidecar of DSC_0101.jpg: title, keywords, rating applied"
    assert answer["results"][1]["sha256"] == ""  # no photo to remember it by
    assert answer["counts"] == {"imported": 1, "duplicate": 0, "failed": 0, "skipped": 5}
    finished = admin.post(f"/api/imports/{session['id']}/finish").json()
    assert finished["counts"] == {"imported": 1, "duplicate": 0, "failed": 0, "skipped": 5}
    complete = read_events(admin, session["events_url"])[-1]
    assert complete["data"]["counts"]["skipped"] == 5
    assert photo_field(site, "DSC_0101.jpg", "rating") == "5"
    # and the admin shows what the sidecar said
    changelist = admin.get("/admin/library/photo/?q=Lighthouse").text
    assert "Lighthouse" in changelist and "DSC_0101.jpg" in changelist


def test_a_sidecar_sent_before_its_photo_is_applied_and_told_again(site, admin, bob, tmp_path):
    # given a Takeout JSON sent in one request, its photo (no date of its own) in the next
    json_file = sidecars.make_takeout_json(tmp_path / "PXL_0202.png.json", "PXL_0202.png",
                                           taken_timestamp=1449418710, description="Kreuzberg", favorited=True)
    photo = factories.make_png(tmp_path / "PXL_0202.png")
    session = new_session(admin)
    first = upload(admin, session, json_file).json()["results"][0]
    assert first["status"] == "skipped" and "not in the library yet" in first["error"]
    # when
    imported = upload(admin, session, photo).json()["results"][0]
    assert imported["status"] == "imported"
    admin.post(f"/api/imports/{session['id']}/finish")
    # then the photo has the sidecar's date and words, and the sidecar's line is told again with them
    assert photo_field(site, "PXL_0202.png", "description") == "'Kreuzberg'"
    # and its favourite is five stars, and the favourite of the one who uploaded it (not of bob)
    assert photo_field(site, "PXL_0202.png", "rating") == "5"
    query = f"/api/favourites/?ids={imported['photo_id']}"
    assert admin.get(query).json() == {"favourites": [imported["photo_id"]]}
    assert bob.get(query).json() == {"favourites": []}
    assert photo_field(site, "PXL_0202.png", "taken_on") == "datetime.date(2015, 12, 6)"
    told = [outcome for event in read_events(admin, session["events_url"]) if event["event"] in ("file", "files")
            for outcome in (event["data"].get("files") or [event["data"]]) if outcome["outcome_id"] == first["outcome_id"]]
    assert told[-1]["error"] == "sidecar of PXL_0202.png: date taken, description, favourite applied"


def test_sidecars_meet_photos_of_the_same_person_only(site, admin, bob, tmp_path):
    # given bob's sidecar, and an admin's photo of the same name
    xmp = sidecars.make_xmp(tmp_path / "IMG_7777.jpg.xmp", rating=1)
    upload(bob, new_session(bob), xmp)
    photo = factories.make_jpeg(tmp_path / "IMG_7777.jpg", taken=datetime(2024, 8, 1, 9, 0))
    # when the admin's photo comes
    assert upload(admin, new_session(admin), photo).json()["results"][0]["status"] == "imported"
    # then bob's sidecar is not applied to it
    assert photo_field(site, "IMG_7777.jpg", "rating") == "None"
