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

pytestmark = [pytest.mark.slow, pytest.mark.outside_database]

LOGIN_PAGES = ("/accounts/login/", "/admin/login/")
GUESSES = 30
COOLOFF_SECONDS = 15 * 60
# All of 127.0.0.0/8 reaches the site: a client binding one of these is another address to it.
GUESSER, BYSTANDER = "127.0.0.2", "127.0.0.3"


def try_login(site, username, password, page="/accounts/login/", address=GUESSER):
    """One login through the real form, in a fresh client from `address`: (response, logged in?)."""
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=site.base_url, timeout=60, transport=transport) as client:
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


def delete_attempts_in_the_admin(staff, query):
    changelist = staff.get(f"/admin/axes/accessattempt/?{query}")
    assert changelist.status_code == 200
    ids = re.findall(r'name="_selected_action" value="(\d+)"', changelist.text)
    assert ids
    deleted = staff.post(f"/admin/axes/accessattempt/?{query}", data={
        "action": "delete_selected", "_selected_action": ids, "post": "yes",
        "csrfmiddlewaretoken": staff.cookies["csrftoken"],
    })
    assert deleted.status_code == 302


def test_thirty_wrong_passwords_lock_the_user_name_out_on_both_pages(live_site, browser):
    # given: 30 wrong passwords for admin, the first 15 at the admin's login page
    live_site.create_user("alice", "alice-secret-password")
    guess(live_site, [ADMIN_USER] * (GUESSES // 2), "/admin/login/")
    guess(live_site, [ADMIN_USER] * (GUESSES // 2), "/accounts/login/")
    # when: the right password, from another address, on either page
    for page in LOGIN_PAGES:
        # then
        assert_locked_out(*try_login(live_site, ADMIN_USER, ADMIN_PASSWORD, page, address=BYSTANDER))
    # but another user from that other address is let in
    assert try_login(live_site, "alice", "alice-secret-password", address=BYSTANDER)[1]
    # and a person sees why (Chromium connects from 127.0.0.1)
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


def test_many_user_names_from_one_address_lock_it_out_across_a_restart_until_staff_lift_it(live_site):
    # given: staff logged in (from 127.0.0.1) before 30 guesses of different user names from one address
    staff = live_site.client()
    guess(live_site, [f"guess{number}" for number in range(GUESSES)])
    # when: the web server restarts
    live_site.kill_web()
    live_site.start_web()
    # then: a real user is refused from that address on both pages, let in from another one
    for page in LOGIN_PAGES:
        assert_locked_out(*try_login(live_site, ADMIN_USER, ADMIN_PASSWORD, page))
    assert try_login(live_site, ADMIN_USER, ADMIN_PASSWORD, address=BYSTANDER)[1]
    # when: staff delete that address's attempts in the admin
    delete_attempts_in_the_admin(staff, f"ip_address={GUESSER}")
    # then
    assert try_login(live_site, ADMIN_USER, ADMIN_PASSWORD)[1]


def test_a_few_wrong_passwords_lock_no_one_out_and_the_cool_off_ends(tmp_path):
    # given: a 3-second cool-off
    with running_site(tmp_path / "library", extra_env={"PHOTOSITE_LOGIN_COOLOFF_MINUTES": "0.05"}) as site:
        guess(site, [ADMIN_USER] * 3)
        assert try_login(site, ADMIN_USER, ADMIN_PASSWORD)[1]
        guess(site, [ADMIN_USER] * GUESSES)
        response, logged_in = try_login(site, ADMIN_USER, ADMIN_PASSWORD)
        assert response.status_code == 429 and not logged_in
        assert response.headers["Retry-After"] == "3"
        # when
        time.sleep(3.5)
        # then
        assert try_login(site, ADMIN_USER, ADMIN_PASSWORD)[1]
