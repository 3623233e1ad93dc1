"""Who the thumbnail fast path serves, over the live site with one web process and with two
(uvicorn `--workers 2`, sharing Redis): a trashed photo's thumbnails never reach an ordinary
user whatever staff loaded before, and a session revoked in another process stops getting
thumbnails within five seconds.

Every request here opens a new connection, so with two processes either may answer it."""
import re
import time
from contextlib import closing

import pytest

import factories
from live_site import running_site

pytestmark = [pytest.mark.slow, pytest.mark.outside_database]

FAST_PATH = "fast-path"
WEBP = "image/avif,image/webp,*/*"
SIZES = ("400", "800", "preview")
PASSWORD = "a-long-enough-password-9"
# Requests per URL: enough that, with two processes, both have answered some.
TRIES = 6
REVOCATION_DEADLINE = 5.5


@pytest.fixture(scope="module", params=["one process", pytest.param("two processes", marks=pytest.mark.redis)])
def site(request, tmp_path_factory):
    """One live site per module and setup, with a photo kept and a photo in the trash."""
    tmp = tmp_path_factory.mktemp("fast-path-access")
    web_workers, extra_env = 1, {}
    if request.param == "two processes":
        web_workers, extra_env = 2, {"REDIS_URL": request.getfixturevalue("redis_url")}
    with running_site(tmp / "live-library", web_workers=web_workers, extra_env=extra_env) as site:
        for name, width in (("kept.jpg", 1600), ("trashed.jpg", 1200)):
            site.manage("import", "--no-progress", str(factories.make_jpeg(tmp / name, width, 900)))
        site.manage("shell", "-c", "from library.models import Photo; from library.curation.trash import "
                                   "move_to_trash; move_to_trash(Photo.objects.get(original_name='trashed.jpg'))")
        yield site


def photo_id(site, name):
    return int(site.manage("shell", "-c", "from library.models import Photo; "
                                          f"print(Photo.objects.get(original_name='{name}').pk)").stdout.split()[-1])


def user_client(site, username):
    site.create_user(username, PASSWORD)
    return closing(site.client(username, PASSWORD, headers={"Connection": "close"}))


def thumbnail_urls(photo, v):
    """Every size, with and without the content-addressed `v=`."""
    return [f"/api/photo/{photo}/thumbnail?size={size}" + (f"&v={v}" if v else "") for size in SIZES] + [
        f"/api/photo/{photo}/thumbnail?size={size}" for size in SIZES if v]


def warm(client, url, accept=""):
    """Ask often enough that every web process has served this session this thumbnail."""
    responses = [client.get(url, headers={"Accept": accept}) for _ in range(TRIES)]
    assert all(response.status_code == 200 for response in responses)
    return responses


def test_a_trashed_photo_staff_opened_in_the_admin_is_never_served_to_an_ordinary_user(site):
    trashed, kept = photo_id(site, "trashed.jpg"), photo_id(site, "kept.jpg")
    with closing(site.client(headers={"Connection": "close"})) as staff, user_client(site, "ordinary") as ordinary:
        # given staff opening the trashed photo's change page, whose preview the browser loads
        change_page = staff.get(f"/admin/library/photo/{trashed}/change/")
        preview = re.search(r'src="(/api/photo/\d+/thumbnail\?size=preview[^"]*)"', change_page.text)[1]
        version = re.search(r"v=([^&\"]+)", preview)[1]
        for url in thumbnail_urls(trashed, version):
            for accept in ("", WEBP):
                assert any(r.headers.get("x-thumbnail-served-by") == FAST_PATH for r in warm(staff, url, accept))
        # and an ordinary user whose session the fast path knows (it loaded a visible thumbnail)
        warm(ordinary, f"/api/photo/{kept}/thumbnail")
        # when the ordinary user asks for the trashed photo's thumbnails, original and page
        refused = {(url, accept): {ordinary.get(url, headers={"Accept": accept}).status_code for _ in range(TRIES)}
                   for url in thumbnail_urls(trashed, version) for accept in ("", WEBP)}
        original = ordinary.get(f"/photo/{trashed}/original").status_code
        page = ordinary.get(f"/photo/{trashed}/").status_code
    # then every answer is Django's 404
    assert {key: codes for key, codes in refused.items() if codes != {404}} == {}
    assert (original, page) == (404, 404)


REVOCATIONS = {
    "session deleted": "from importlib import import_module; from django.conf import settings; "
                       "import_module(settings.SESSION_ENGINE).SessionStore(session_key='{session}').delete()",
    "password changed": "from django.contrib.auth.models import User; u = User.objects.get(username='{user}'); "
                        "u.set_password('another-password-42'); u.save()",
    "user deactivated": "from django.contrib.auth.models import User; "
                        "User.objects.filter(username='{user}').update(is_active=False)",
}


@pytest.mark.parametrize("revocation", REVOCATIONS)
def test_a_session_revoked_in_another_process_stops_getting_thumbnails_within_five_seconds(site, revocation):
    username = f"revoked-{revocation.replace(' ', '-')}-{int(time.time() * 1000)}"
    url = f"/api/photo/{photo_id(site, 'kept.jpg')}/thumbnail"
    with user_client(site, username) as client:
        # given a session the fast path serves (in every process)
        assert any(r.headers.get("x-thumbnail-served-by") == FAST_PATH for r in warm(client, url))
        # when another process revokes it
        started = time.monotonic()
        site.manage("shell", "-c", REVOCATIONS[revocation].format(session=client.cookies["sessionid"], user=username))
        # then, polling, the last thumbnail it gets comes within five seconds (plus polling slack)
        last_served = started
        # (at least a while after the command, which may itself take seconds on a busy machine)
        polling_ends = max(started + REVOCATION_DEADLINE + 1.5, time.monotonic() + 1.5)
        while time.monotonic() < polling_ends:
            if client.get(url).status_code == 200:
                last_served = time.monotonic()
            time.sleep(0.1)
        final = client.get(url)
    assert last_served - started < REVOCATION_DEADLINE, f"still served {last_served - started:.1f} s later"
    assert final.status_code == 302 and "/accounts/login/" in final.headers["location"]
