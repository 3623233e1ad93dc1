"""Behind a TLS proxy (PHOTOSITE_BEHIND_TLS_PROXY=1): Django's deployment checks pass, plain
HTTP is sent to HTTPS, HTTPS answers carry HSTS, the cookies are Secure, and logging in
through the proxy (X-Forwarded-Proto: https) works, CSRF's strict HTTPS Referer check included."""
import subprocess
import sys

import httpx
import pytest

from live_site import ADMIN_PASSWORD, ADMIN_USER, PROJECT_DIR, running_site

pytestmark = pytest.mark.outside_database

PROXY = {"PHOTOSITE_BEHIND_TLS_PROXY": "1"}
HTTPS = {"X-Forwarded-Proto": "https"}


def check_deploy(tmp_path, extra_env):
    environment = {"PATH": "/usr/bin:/bin", "PHOTOSITE_LIBRARY_ROOT": str(tmp_path / "library"), **extra_env}
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_behind_a_tls_proxy(tmp_path):
    result = check_deploy(tmp_path, PROXY)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_is_missing_without_it(tmp_path):
    result = check_deploy(tmp_path, {})
    assert result.returncode == 1
    for warning in ("W004", "W008", "W012", "W016"):
        assert f"security.{warning}" in result.stderr
    assert "security.W009" not in result.stderr, "the generated key is long and random"


@pytest.mark.slow
def test_the_site_behind_a_tls_proxy(tmp_path):
    with running_site(tmp_path / "library", extra_env=PROXY) as site:
        # plain HTTP is sent to HTTPS
        plain = httpx.get(site.base_url + "/accounts/login/")
        assert plain.status_code == 301
        assert plain.headers["Location"] == f"https://127.0.0.1:{site.port}/accounts/login/"
        # through the proxy: HSTS, Secure cookies, and logging in works
        with httpx.Client(base_url=site.base_url, headers=HTTPS) as client:
            form = client.get("/accounts/login/")
            assert form.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
            assert "Secure" in form.headers["Set-Cookie"]
            token = form.cookies["csrftoken"]
            login = client.post(
                "/accounts/login/",
                data={"username": ADMIN_USER, "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": token},
                headers={"Referer": f"https://127.0.0.1:{site.port}/accounts/login/", "Cookie": f"csrftoken={token}"},
            )
            assert login.status_code == 302
            session_cookie = next(value for value in login.headers.get_list("Set-Cookie") if "sessionid" in value)
            assert "Secure" in session_cookie and "HttpOnly" in session_cookie
