"""`python -m photosite.web_server APP --host … --port … --workers …`: uvicorn serving APP with
this site's options. `manage.py serve` starts the site this way and the live-site tests (and the
benchmarks' floor apps) too, so what is tested runs with the protocol, limits and options of
production. The options follow the settings of the environment the server runs in (a proxy to
trust, the access log), so this process reads them and then becomes uvicorn: the running
server's command line shows every option.

It also marks the environment, so that the web processes (and only they) pool their database
connections (settings.database_from_url)."""
import os
import sys

from django.conf import settings

WEB_PROCESS_MARK = "PHOTOSITE_WEB_PROCESS"


def uvicorn_argv(app_args) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", *app_args,
        # httptools, with the request head bounded (photosite.http_protocol).
        "--http", "photosite.http_protocol:BoundedHeadProtocol",
        # Open event streams would otherwise hold a shutdown forever.
        "--timeout-graceful-shutdown", "5",
        *proxy_header_argv(),
        # The terminal keeps `serve`'s status line (and warnings); uvicorn's own lines and, with
        # PHOTOSITE_ACCESS_LOG, a line per request go to .logs/ (settings.LOGGING).
        "--log-level", "warning",
        "--access-log" if settings.PHOTOSITE_ACCESS_LOG else "--no-access-log",
    ]


def proxy_header_argv():
    """uvicorn takes the client's address and scheme from X-Forwarded-For/-Proto of peers in
    FORWARDED_ALLOW_IPS (default 127.0.0.1), even with no proxy there: then any local program,
    or a proxy passing those headers on, could pick the address login throttling counts by.
    Only PHOTOSITE_BEHIND_TLS_PROXY says a proxy is there to trust."""
    return ["--proxy-headers"] if settings.PHOTOSITE_BEHIND_TLS_PROXY else ["--no-proxy-headers"]


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photosite.settings")
    argv = uvicorn_argv(sys.argv[1:])
    os.environ[WEB_PROCESS_MARK] = "1"
    os.execv(argv[0], argv)
