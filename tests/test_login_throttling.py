"""Password guessing against the running site: after PHOTOSITE_LOGIN_FAILURE_LIMIT wrong
passwords, for one user name or from one address, both login pages refuse even the right
password with 429 and Retry-After until the cool-off has passed, across a restart of the web
server, unless staff delete the attempts in the admin."""
import re
import time

import httpx
import pytest

from browser import screenshot
from live_site import ADMIN_PASSWORD, ADMIN_USER, running_site

pytestmark = pytest.mark.slow

LOGIN_PAGES = ("/accounts/login/", "/admin/login/")
GUESSES = 30
COOLOFF_SECONDS = 15 * 60


def try_login(site, username, password, page="/accounts/login/"):
    """One login through the real form, in a fresh client: (response, logged in?)."""
    with httpx.Client(base_url=site.base_url, timeout=60) as client:
        client.get(page)
        response = client.post(
            page,
            data={"username": username, "password": password, "csrfmiddlewaretoken": client.cookies["csrftoken"],
                  "next": "/"},
            headers={"Referer": site.base_url + page},
        )
        return response, "sessionid" in client.cookies


def guess(site, usernames, page="/accounts/login/"):
    for username in usernames:
        response, logged_in = try_login(site, username, "wrong-password", page)
        assert not logged_in
        assert response.status_code in (200, 429)


def assert_locked_out(response, logged_in):
    assert not logged_in
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) == COOLOFF_SECONDS
    assert "Too many failed logins" in response.text
    assert "Try again in 15 minutes" in response.text


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_thirty_wrong_passwords_lock_the_user_name_out(live_site, page):
    # given
    guess(live_site, [ADMIN_USER] * GUESSES, page)
    # when
    response, logged_in = try_login(live_site, ADMIN_USER, ADMIN_PASSWORD, page)
    # then
    assert_locked_out(response, logged_in)


def test_guessing_many_user_names_from_one_address_locks_the_address_out(live_site):
    # given: a different (unknown) user name each time, from the same address
    guess(live_site, [f"guess{number}" for number in range(GUESSES)])
    # when: a real user logs in from that address, on either page
    for page in LOGIN_PAGES:
        response, logged_in = try_login(live_site, ADMIN_USER, ADMIN_PASSWORD, page)
        # then
        assert_locked_out(response, logged_in)


def test_a_few_wrong_passwords_do_not_lock_anyone_out(live_site):
    guess(live_site, [ADMIN_USER] * 3)
    _response, logged_in = try_login(live_site, ADMIN_USER, ADMIN_PASSWORD)
    assert logged_in


def test_the_lockout_survives_a_restart_and_staff_lift_it_in_the_admin(live_site):
    # given: staff logged in before someone guessed alice's password
    staff = live_site.client()
    live_site.create_user("alice", "alice-secret-password")
    guess(live_site, ["alice"] * GUESSES)
    # when: the web server restarts
    live_site.kill_web()
    live_site.start_web()
    # then: still locked out
    assert_locked_out(*try_login(live_site, "alice", "alice-secret-password"))
    # when: staff delete her attempts in the admin
    changelist = staff.get("/admin/axes/accessattempt/?username=alice")
    assert changelist.status_code == 200
    ids = re.findall(r'name="_selected_action" value="(\d+)"', changelist.text)
    assert ids
    deleted = staff.post("/admin/axes/accessattempt/?username=alice", data={
        "action": "delete_selected", "_selected_action": ids, "post": "yes",
        "csrfmiddlewaretoken": staff.cookies["csrftoken"],
    })
    assert deleted.status_code == 302
    # then
    _response, logged_in = try_login(live_site, "alice", "alice-secret-password")
    assert logged_in


def test_the_right_password_works_again_after_the_cool_off(tmp_path):
    # given: a 3-second cool-off
    with running_site(tmp_path / "library", extra_env={"PHOTOSITE_LOGIN_COOLOFF_MINUTES": "0.05"}) as site:
        guess(site, [ADMIN_USER] * GUESSES)
        response, logged_in = try_login(site, ADMIN_USER, ADMIN_PASSWORD)
        assert response.status_code == 429 and not logged_in
        assert response.headers["Retry-After"] == "3"
        # when
        time.sleep(3.5)
        # then
        _response, logged_in = try_login(site, ADMIN_USER, ADMIN_PASSWORD)
        assert logged_in


@pytest.mark.browser
def test_the_lockout_page_in_chromium(live_site, browser):
    guess(live_site, [ADMIN_USER] * GUESSES)
    page = browser.new_page()
    try:
        page.goto(live_site.base_url + "/accounts/login/")
        page.fill("input[name=username]", ADMIN_USER)
        page.fill("input[name=password]", ADMIN_PASSWORD)
        with page.expect_navigation() as navigation:
            page.click("button[type=submit]")
        assert navigation.value.status == 429
        assert page.locator("h1").inner_text() == "Too many failed logins"
        assert "Try again in 15 minutes" in page.locator("main").inner_text()
        screenshot(page, "login-locked-out")
    finally:
        page.close()
