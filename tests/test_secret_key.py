"""The site's SECRET_KEY: generated on the first start, kept in the library readable by its
owner only, the same for every process (even two starting at once) and after a restart; the
public development key refused unless DEBUG."""
import os
import stat
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from photosite.secret_key import DEVELOPMENT_KEY, site_secret_key

from live_site import PROJECT_DIR, running_site

pytestmark = pytest.mark.outside_database

RACERS = 8


def test_the_first_process_writes_a_private_key_and_the_next_reads_it(tmp_path):
    key_file = tmp_path / ".photosite" / "secret_key"
    first = site_secret_key(None, key_file, debug=False)
    second = site_secret_key(None, key_file, debug=False)
    assert first.created and not second.created
    assert first.value == second.value and len(first.value) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [path.name for path in key_file.parent.iterdir()] == ["secret_key"]  # no temporary left


def test_processes_starting_at_once_end_up_with_one_key(tmp_path):
    key_file = tmp_path / "secret_key"
    code = ("import sys; from pathlib import Path; from photosite.secret_key import site_secret_key;"
            "print(site_secret_key(None, Path(sys.argv[1]), False).value)")
    racers = [subprocess.Popen([sys.executable, "-c", code, str(key_file)], cwd=PROJECT_DIR,
                               stdout=subprocess.PIPE, text=True) for _ in range(RACERS)]
    keys = {racer.communicate(timeout=60)[0].strip() for racer in racers}
    assert keys == {key_file.read_text().strip()}


@pytest.mark.parametrize("configured", [DEVELOPMENT_KEY, "", "  "])
def test_the_development_key_or_an_empty_one_is_refused_unless_debug(tmp_path, configured):
    with pytest.raises(ImproperlyConfigured, match="public development key"):
        site_secret_key(configured, tmp_path / "secret_key", debug=False)
    assert site_secret_key(DEVELOPMENT_KEY, tmp_path / "secret_key", debug=True).value == DEVELOPMENT_KEY
    assert not (tmp_path / "secret_key").exists()


def test_a_key_from_the_environment_is_used_as_it_is(tmp_path):
    key = site_secret_key("a-random-key-from-the-environment", tmp_path / "secret_key", debug=False)
    assert key.value == "a-random-key-from-the-environment" and key.file is None
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.slow
def test_a_site_keeps_its_key_and_its_sessions_across_a_restart(tmp_path):
    assert "SECRET_KEY" not in os.environ
    with running_site(tmp_path / "library") as site:
        key_file = tmp_path / "library" / ".photosite" / "secret_key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        key = key_file.read_text()
        client = site.client()
        site.kill_web()
        site.start_web()
        assert client.get("/").status_code == 200  # still logged in: same key, same session
        assert key_file.read_text() == key


@pytest.mark.slow
def test_a_site_with_the_development_key_does_not_start(tmp_path):
    with running_site(tmp_path / "library", start_web=False) as site:
        site.env.update(SECRET_KEY=DEVELOPMENT_KEY, DEBUG="0")
        result = site.manage("check", check=False)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            "Photosite cannot start: SECRET_KEY is empty or the public development key; unset it to have one "
            f"generated in {site.root / '.photosite' / 'secret_key'}, or set a random one "
            "(DEBUG=1 allows the development key)"
        ]
        with pytest.raises(RuntimeError, match="public development key"):
            site.start_web()
