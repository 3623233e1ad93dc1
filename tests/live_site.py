"""A real Photosite running in its own processes, for end-to-end tests.

The site gets its own library folder and its own database (SQLite inside the library, or a
fresh PostgreSQL database when the test run itself uses PostgreSQL), is migrated with the
real `manage.py`, and serves through uvicorn exactly as in production. Tests talk to it over
HTTP only, never through the test process's database connection.

Migrating costs about five seconds of CPU, and a CI run starts about a hundred sites, in two
passes at once on two cores. So a database made here for a site is a copy of one this
process migrated once (`MigratedTemplates`): a SQLite file copied, a PostgreSQL database made
with `CREATE DATABASE … TEMPLATE`. A database the caller brings is migrated as it is.

`start_uvicorn` / `uvicorn` launch any ASGI app the same way, for the site here and for the
benchmarks' floor apps (bench/bench_thumbnails.py, bench/bench_web_import.py)."""
import atexit
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing, contextmanager
from pathlib import Path

import httpx

from library.paths import SQLITE_FILE

from polling import wait_for

PROJECT_DIR = Path(__file__).resolve().parent.parent
TESTS_DIR = PROJECT_DIR / "tests"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct-horse-battery-staple"
STARTUP_TIMEOUT_SECONDS = 30


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveSite:
    def __init__(self, root: Path, database_url: str | None = None, extra_env=None):
        self.root = root
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PHOTOSITE_LIBRARY_ROOT": str(root),
            "DJANGO_SETTINGS_MODULE": "live_settings",  # production's, with a cheaper password hash
            "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.database_url = database_url
        self.web = None
        self.workers = []
        self.log_dir = root.parent / f"live-site-logs-{self.port}"
        self.log_dir.mkdir(parents=True, exist_ok=True)

    # -- processes ---------------------------------------------------------
    def manage(self, *args, check=True, timeout=300, input_text=None):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=self.env, capture_output=True,
            text=True, timeout=timeout, check=check, input=input_text,
        )

    def prepare(self):
        """Migrate and create the admin user (a staff superuser), by copying this process's
        migrated database where the site's is new (see the module's docstring)."""
        if TEMPLATES.made_from_template(self.database_url):
            return self
        sqlite_file = self.sqlite_file()
        if sqlite_file is not None and not sqlite_file.exists():
            TEMPLATES.copy_sqlite(sqlite_file)
            return self
        return self.migrate()

    def sqlite_file(self) -> Path | None:
        """The site's SQLite database file, or None when its database is PostgreSQL."""
        if self.database_url is None:
            return Path(self.env["PHOTOSITE_LIBRARY_ROOT"]) / SQLITE_FILE
        return Path(self.database_url.removeprefix("sqlite:///")) if self.database_url.startswith("sqlite:") else None

    def migrate(self):
        """`manage.py migrate`, then the admin user."""
        self.manage("migrate", "--noinput", "-v0")
        self.manage(
            "shell", "-c",
            "from django.contrib.auth.models import User;"
            f"User.objects.filter(username='{ADMIN_USER}').exists() or "
            f"User.objects.create_superuser('{ADMIN_USER}', 'admin@example.com', '{ADMIN_PASSWORD}')",
        )
        return self

    def create_user(self, username, password, staff=False):
        self.manage(
            "shell", "-c",
            "from django.contrib.auth.models import User;"
            f"User.objects.create_user('{username}', password='{password}', is_staff={staff})",
        )

    def start_web(self, workers=1):
        log_path = self.log_dir / "web.log"
        with open(log_path, "ab") as log:  # the child keeps its own descriptor
            self.web = start_uvicorn(["photosite.asgi:application"], self.env, self.port, workers, log)
        wait_until_answering(self.web, self.base_url + "/accounts/login/", log_path)
        return self

    def start_workers(self, name="cluster", extra_env=None):
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=PROJECT_DIR, env={**self.env, **(extra_env or {})},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.workers.append(process)
        return process

    def kill_web(self):
        """Like a power cut for the web server: SIGKILL to its whole process group."""
        kill_group(self.web, signal.SIGKILL)
        self.web = None

    def stop(self):
        for process in [self.web, *self.workers]:
            if process is not None and process.poll() is None:
                # To the leader only: qcluster and uvicorn stop their own children (a SIGTERM to
                # the whole group kills qcluster's helpers under it and leaves it waiting).
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    kill_group(process, signal.SIGKILL)
        self.web, self.workers = None, []

    # -- HTTP --------------------------------------------------------------
    def client(self, username=ADMIN_USER, password=ADMIN_PASSWORD, **kwargs) -> httpx.Client:
        """An HTTP client logged in through the real login form (so it carries the CSRF cookie)."""
        client = httpx.Client(base_url=self.base_url, timeout=60, **kwargs)
        client.get("/accounts/login/")
        response = client.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": client.cookies["csrftoken"]},
            headers={"Referer": self.base_url + "/accounts/login/"},
        )
        if "sessionid" not in client.cookies:
            raise RuntimeError(f"login as {username} failed: {response.status_code}")
        client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
        client.headers["Referer"] = self.base_url + "/"
        return client


def start_uvicorn(app_args, env, port, workers=1, log=None) -> subprocess.Popen:
    """uvicorn serving `app_args` (an app path, perhaps with `--factory`) on 127.0.0.1:`port`, as in
    production (photosite.web_server); in its own process group, so stopping it stops its workers too."""
    return subprocess.Popen(
        [sys.executable, "-m", "photosite.web_server", *app_args, "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT if log else None, start_new_session=True,
    )


def wait_until_answering(process: subprocess.Popen, url: str, log_path: Path | None = None):
    """Until `url` answers at all (any status: the app is loaded, not just the port bound); a server
    that exits first fails at once, with the end of its log."""
    def answers():
        if process.poll() is not None:
            tail = log_path.read_text()[-2000:] if log_path else ""
            raise RuntimeError(f"web server exited: {tail}")
        try:
            httpx.get(url, timeout=1)
        except httpx.TransportError:
            return False
        return True

    wait_for(answers, STARTUP_TIMEOUT_SECONDS, f"a web server at {url}")


@contextmanager
def uvicorn(app_args, env, path="/"):
    """One uvicorn process (one worker) on a free port; its base URL for the `with` block."""
    port = free_port()
    process = start_uvicorn(app_args, env, port)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(process, base_url + path)
        yield base_url
    finally:
        kill_group(process, signal.SIGTERM)
        process.wait(timeout=30)


def kill_group(process, sig):
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    if sig == signal.SIGKILL:
        process.wait(timeout=15)


class MigratedTemplates:
    """The databases this process migrated once (with the admin user), that sites' new databases
    copy: a SQLite file, and a database on each PostgreSQL server asked for. Removed as the
    process exits."""

    def __init__(self):
        self.sqlite_template = None
        self.postgres_templates = {}  # server URL → template database's name
        self.copies = set()  # URLs of PostgreSQL databases made from a template

    def copy_sqlite(self, target: Path):
        if self.sqlite_template is None:
            folder = Path(tempfile.mkdtemp(prefix="photosite-template-"))
            atexit.register(shutil.rmtree, folder, True)
            LiveSite(folder / "library").migrate()
            self.sqlite_template = folder / "library" / SQLITE_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.sqlite_template)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)

    def new_postgres_database(self, base_url: str, name: str) -> str:
        """Makes database `name` on `base_url`'s server as a copy of the template; its URL."""
        server = base_url.rsplit("/", 1)[0]
        if server not in self.postgres_templates:
            template = f"photosite_template_{os.getpid()}"
            run_sql(base_url, f'DROP DATABASE IF EXISTS "{template}"', f'CREATE DATABASE "{template}"')
            atexit.register(run_sql, base_url, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            LiveSite(Path(tempfile.mkdtemp(prefix="photosite-template-")) / "library", f"{server}/{template}").migrate()
            self.postgres_templates[server] = template
        run_sql(base_url, f'CREATE DATABASE "{name}" TEMPLATE "{self.postgres_templates[server]}"')
        self.copies.add(f"{server}/{name}")
        return f"{server}/{name}"

    def made_from_template(self, database_url: str | None) -> bool:
        return database_url in self.copies


TEMPLATES = MigratedTemplates()


def run_sql(database_url: str, *statements: str):
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def postgres_database_for_test(base_url: str):
    """A fresh PostgreSQL database beside the one in `base_url`, migrated and holding the admin
    user (a copy of this process's template); returns (url, drop)."""
    name = f"photosite_live_{secrets.token_hex(4)}"
    url = TEMPLATES.new_postgres_database(base_url, name)

    def drop():
        run_sql(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


@contextmanager
def running_site(root: Path, database_url=None, extra_env=None, web_workers=1, start_web=True, imports=()):
    """A migrated site (serving, unless `start_web` is False) for the length of a `with` block,
    holding what `manage.py import` made of the paths in `imports` (if any).

    Its database is its own: a fresh PostgreSQL database beside `database_url`, or beside the
    test run's DATABASE_URL when that is PostgreSQL; SQLite inside the library otherwise, or
    always with `database_url="sqlite"`. Afterwards its processes are stopped and a
    PostgreSQL database is dropped."""
    base_url = database_url or os.environ.get("DATABASE_URL", "")
    database_url, drop = postgres_database_for_test(base_url) if base_url.startswith("postgres") else (None, None)
    root.mkdir(parents=True, exist_ok=True)
    site = LiveSite(root, database_url, extra_env=extra_env)
    try:
        site.prepare()
        if imports:
            site.manage("import", "--no-progress", *map(str, imports))
        yield site.start_web(workers=web_workers) if start_web else site
    finally:
        site.stop()
        if drop:
            drop()
