"""The import page's questions are rate-limited per user over the running site: past
PHOTOSITE_IMPORT_QUERIES_PER_MINUTE calls a minute, `/known` (which records up to 500 duplicates
and an event per call), `/sizes` and `/edges` answer 429 with Retry-After, for that user only. With Redis
the count is one for every web process."""
import secrets
from contextlib import closing

import pytest

from live_site import running_site

pytestmark = [pytest.mark.slow]

PER_MINUTE = 5
# A minute's window may end during the calls: then the first refusal comes after up to twice the rate.
MOST_CALLS = 2 * PER_MINUTE + 1
QUESTIONS = {"known": {"files": []}, "sizes": {"sizes": [1, 2, 3]}, "edges": {"files": [{"size": 1, "edge": "0" * 64}]}}


def calls_until_refused(client, url, body):
    """(calls made, the refusal), or (MOST_CALLS, None) if none came."""
    for count in range(1, MOST_CALLS + 1):
        response = client.post(url, json=body)
        if response.status_code == 429:
            return count, response
        assert response.status_code == 200, response.text
    return MOST_CALLS, None


@pytest.fixture(scope="module", params=["memory", "redis"])
def site(request, tmp_path_factory):
    env = {"PHOTOSITE_IMPORT_QUERIES_PER_MINUTE": str(PER_MINUTE), "PHOTOSITE_QUEUE_NAME": secrets.token_hex(4)}
    workers = 1
    if request.param == "redis":  # two web processes sharing the count
        env["REDIS_URL"] = request.getfixturevalue("redis_url")
        workers = 2
    with running_site(tmp_path_factory.mktemp("rates") / "library", extra_env=env, web_workers=workers) as live:
        live.create_user("alice", "alice-password-1")
        live.create_user("bob", "bob-password-1")
        yield live


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_users_questions_past_the_rate_get_429_with_retry_after(site, question):
    # given
    with closing(site.client("alice", "alice-password-1")) as alice, closing(site.client("bob", "bob-password-1")) as bob:
        url = f"/api/imports/{alice.post('/api/imports/').json()['id']}/{question}"
        # when
        count, refusal = calls_until_refused(alice, url, QUESTIONS[question])
        # then
        assert refusal is not None, f"{MOST_CALLS} calls in a row were all answered"
        assert PER_MINUTE < count <= MOST_CALLS
        assert 1 <= int(refusal.headers["Retry-After"]) <= 60
        assert "too many requests" in refusal.json()["error"]
        # and another user is not held up by alice's calls
        bobs = f"/api/imports/{bob.post('/api/imports/').json()['id']}/{question}"
        assert bob.post(bobs, json=QUESTIONS[question]).status_code == 200
