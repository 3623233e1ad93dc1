"""Password guessing against the running site. PHOTOSITE_LOGIN_FAILURE_LIMIT wrong passwords
for one user name from one address lock that name out at that address; the others behind the
address (a household behind one router) still log in, and the name still logs in elsewhere.
PHOTOSITE_LOGIN_USER_FAILURE_LIMIT wrong passwords for one name from any addresses lock the name
out everywhere. Both login pages then refuse even the right password with 429 and Retry-After
until the cool-off has passed, across a restart of the web server, unless staff delete the
attempts in the admin. An address is the connection's: X-Forwarded-For counts only from a proxy
the site trusts (PHOTOSITE_BEHIND_TLS_PROXY)."""
import re
import time

import httpx
import pytest

from browser import screenshot
from live_site import ADMIN_PASSWORD, ADMIN_USER, running_site
from polling import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.outside_database]

LOGIN_PAGES = ("/accounts/login/", "/admin/login/")
GUESSES = 30
PAIR_LIMIT, NAME_LIMIT = 10, 30  # the defaults
COOLOFF_SECONDS = 15 * 60
# All of 127.0.0.0/8 reaches the site: a client binding one of these is another address to it.
GUESSER, BYSTANDER = "127.0.0.2", "127.0.0.3"
# As few addresses as reach the per-name limit, each stopped at the per-address one.
GUESSERS = [f"127.0.0.{4 + number}" for number in range(NAME_LIMIT // PAIR_LIMIT)]


def try_login(site, username, password, page="/accounts/login/", address=GUESSER, headers=None):
    """One login through the real form, in a fresh client from `address`: (response, logged in?)."""
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=site.base_url, timeout=60, transport=transport, headers=headers) as client:
        client.get(page)
        response = client.post(
            page,
            data={"username": username, "password": password, "csrfmiddlewaretoken": client.cookies["csrftoken"],
                  "next": "/"},
            headers={"Referer": site.base_url + page},
        )
        return response, "sessionid" in client.cookies


def guess(site, usernames, page="/accounts/login/", address=GUESSER, forwarded_for=()):
    """A wrong password for each user name from `address`, each claiming to be forwarded for the
    next of `forwarded_for` (if any)."""
    claims = iter(forwarded_for)
    for username in usernames:
        claim = next(claims, None)
        headers = {"X-Forwarded-For": claim} if claim else None
        response, logged_in = try_login(site, username, "wrong-password", page, address, headers)
        assert not logged_in
        assert response.status_code in (200, 429)


def assert_locked_out(response, logged_in):
    assert not logged_in
    assert response.status_code == 429
    assert {"private", "no-store"} <= {part.strip() for part in response.headers["Cache-Control"].split(",")}
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


def test_a_name_guessed_from_many_addresses_is_locked_out_everywhere_on_both_pages(live_site, browser):
    # given: wrong passwords for admin from three addresses, each stopped at its own limit, half of
    # them at the admin's login page (the tries refused meanwhile do not count)
    live_site.create_user("alice", "alice-secret-password")
    for address in GUESSERS:
        guess(live_site, [ADMIN_USER] * (GUESSES // 2), "/admin/login/", address)
        guess(live_site, [ADMIN_USER] * (GUESSES // 2), "/accounts/login/", address)
    # when: the right password, from a fourth address, on either page
    for page in LOGIN_PAGES:
        # then
        assert_locked_out(*try_login(live_site, ADMIN_USER, ADMIN_PASSWORD, page, address=BYSTANDER))
    # but another user from that address is let in
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


def test_one_address_locks_out_only_the_name_it_guessed_there_across_a_restart_until_staff_lift_it(live_site):
    # given: a household behind one address (alice and bob), staff logged in from 127.0.0.1, and
    # 30 wrong passwords for alice from that address, each claiming another forwarded-for address
    live_site.create_user("alice", "alice-secret-password")
    live_site.create_user("bob", "bob-secret-password")
    staff = live_site.client()
    guess(live_site, ["alice"] * GUESSES, forwarded_for=[f"198.51.100.{number}" for number in range(GUESSES)])
    # when: the web server restarts
    live_site.kill_web()
    live_site.start_web()
    # then: alice is refused at that address on both pages
    for page in LOGIN_PAGES:
        assert_locked_out(*try_login(live_site, "alice", "alice-secret-password", page))
    # but bob, behind the same address, is let in, and so is alice from another address
    assert try_login(live_site, "bob", "bob-secret-password")[1]
    assert try_login(live_site, "alice", "alice-secret-password", address=BYSTANDER)[1]
    # and many user names guessed from that address lock none of them out
    guess(live_site, [f"guess{number}" for number in range(GUESSES)])
    assert try_login(live_site, ADMIN_USER, ADMIN_PASSWORD)[1]
    # when: staff delete alice's attempts in the admin
    delete_attempts_in_the_admin(staff, f"ip_address={GUESSER}&username=alice")
    # then
    assert try_login(live_site, "alice", "alice-secret-password")[1]


def test_a_few_wrong_passwords_lock_no_one_out_and_the_cool_off_ends(tmp_path):
    # given: a 6-second cool-off
    with running_site(tmp_path / "library", extra_env={"PHOTOSITE_LOGIN_COOLOFF_MINUTES": "0.1"}) as site:
        guess(site, [ADMIN_USER] * 3, address=BYSTANDER)
        assert try_login(site, ADMIN_USER, ADMIN_PASSWORD, address=BYSTANDER)[1]
        # when: the limit is reached from another address
        guess(site, [ADMIN_USER] * (PAIR_LIMIT - 1))
        locked_at = time.monotonic()  # the last wrong password, which starts the cool-off, is sent after this
        guess(site, [ADMIN_USER])
        response, logged_in = try_login(site, ADMIN_USER, ADMIN_PASSWORD)
        assert response.status_code == 429 and not logged_in
        assert response.headers["Retry-After"] == "6"
        # then: the right password is refused until the cool-off has passed (tries refused meanwhile do not count)
        wait_for(lambda: try_login(site, ADMIN_USER, ADMIN_PASSWORD)[1], 30, "the cool-off to end")
        assert time.monotonic() - locked_at > 6 - 0.1  # the server's clock and ours, a hair apart
