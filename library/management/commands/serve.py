"""`manage.py serve`: the whole site in one command — migrate, a first user, then the ASGI web
server (uvicorn) and the background workers (django-q2's `qcluster`) until Ctrl-C.

Static files need no `collectstatic`: photosite/asgi.py serves them through Django's
ASGIStaticFilesHandler (a stylesheet and a script or two; no extra dependency, no build step)."""
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from library.database import ensure_database
from library.paths import logs_dir
from photosite.serving import PASSWORD_ENV, Supervisor, ensure_first_user


class Command(BaseCommand):
    help = "Run Photosite: the web server and the background workers, stopped together with Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
        parser.add_argument("--web-workers", type=int, default=1, help="uvicorn processes (default: %(default)s)")
        parser.add_argument("--stop-timeout", type=float, default=30,
                            help="seconds the workers get to finish their task on Ctrl-C (default: %(default)s)")

    def handle(self, *args, **options):
        if options["web_workers"] > 1 and not settings.REDIS_URL:
            # Each process would only see the import events published in itself.
            raise CommandError("--web-workers above 1 needs REDIS_URL (live import progress goes through Redis)")
        if missing := [path for path in settings.PHOTOSITE_WATCH_DIRS if not Path(path).is_dir()]:
            raise CommandError(f"PHOTOSITE_WATCH_DIRS names what is not a folder: {', '.join(missing)}")
        ensure_database(self.stdout)
        self.announce_secret_key()
        self.announce_first_user()
        connections.close_all()  # the children open their own
        supervisor = Supervisor(cwd=settings.BASE_DIR, stop_timeout=options["stop_timeout"],
                                output_dir=logs_dir())
        supervisor.watch_signals()
        supervisor.start("web server", self.web_server_argv(options))
        supervisor.start("workers", [sys.executable, "-m", "django", "qcluster"])
        if settings.PHOTOSITE_WATCH_DIRS:
            supervisor.start("watch folder", self.watch_argv())
        self.stdout.write(self.style.SUCCESS(
            f"Photosite is running at http://{options['host']}:{options['port']}/ "
            f"(library: {settings.PHOTOSITE_LIBRARY_ROOT}, logs in {logs_dir()}); Ctrl-C stops it."
        ))
        exited = supervisor.wait()
        self.stdout.write("Stopping…")
        supervisor.stop_all()
        if exited is not None:
            self.stderr.write("\n".join([f"The {exited.name}'s last lines ({exited.output_path}):",
                                          *exited.last_lines()]), style_func=None)
            raise CommandError(f"the {exited.name} exited (code {exited.process.returncode}); stopped everything")
        self.stdout.write("Stopped.")

    def announce_secret_key(self):
        if settings.PHOTOSITE_SECRET_KEY_CREATED:
            self.stdout.write(
                f"Generated this site's secret key and kept it in {settings.PHOTOSITE_SECRET_KEY_FILE} "
                "(readable by you only); every process sharing this library uses it."
            )

    def announce_first_user(self):
        created = ensure_first_user()
        if created is None:
            return
        username, password = created
        if password is None:
            self.stdout.write(f"Created the first user {username!r} with the password from {PASSWORD_ENV}.")
        else:
            self.stdout.write(self.style.WARNING(
                f"Created the first user {username!r} with the password {password} — shown only this once."
            ))

    @staticmethod
    def watch_argv():
        """`import --watch` for every PHOTOSITE_WATCH_DIRS folder; it reads --poll and --settle from settings."""
        move = ["--move"] if settings.PHOTOSITE_WATCH_MOVE else []
        # Resolved here: the child runs in the project folder, not where serve was started.
        folders = [str(Path(path).resolve()) for path in settings.PHOTOSITE_WATCH_DIRS]
        return [sys.executable, "-m", "django", "import", "--watch", "--no-progress", *move, "--", *folders]

    @staticmethod
    def web_server_argv(options):
        return [
            sys.executable, "-m", "photosite.web_server", "photosite.asgi:application",
            "--host", options["host"], "--port", str(options["port"]), "--workers", str(options["web_workers"]),
        ]
