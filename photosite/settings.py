"""Photosite settings, driven by environment variables so one code base serves both the
embedded default (SQLite, ORM queue, local disk) and a scaled-out deployment
(PostgreSQL, Redis, several workers). Every variable is listed in README.md."""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from library import paths
from photosite import remembered, storage_url
from photosite.secret_key import site_secret_key
from photosite.web_server import WEB_PROCESS_MARK

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


_library_root, PHOTOSITE_LIBRARY_ROOT_ORIGIN = remembered.setting("PHOTOSITE_LIBRARY_ROOT", BASE_DIR / "photos")
PHOTOSITE_LIBRARY_ROOT = Path(_library_root).expanduser().resolve()
PHOTOSITE_MAX_UPLOAD_BYTES = int(os.environ.get("PHOTOSITE_MAX_UPLOAD_BYTES", 20 * 1024**3))
# The largest piece of a resumable upload (one PATCH): below the body limits proxies commonly
# have (nginx's client_max_body_size, Cloudflare's 100 MB), and what a cut costs at most.
PHOTOSITE_UPLOAD_CHUNK_BYTES = int(os.environ.get("PHOTOSITE_UPLOAD_CHUNK_BYTES", 64 * 1024**2))
# Resumable uploads a user may have unfinished at once (403 past them): each holds its bytes so far,
# the space it declared and a hash state in the web process, for up to a day untouched.
PHOTOSITE_UPLOADS_PER_USER = int(os.environ.get("PHOTOSITE_UPLOADS_PER_USER", 20))
# Free space an import never eats into on the library's filesystem, so uploads cannot fill the
# disk the database and logs live on (0 turns the check off; the disk's own ENOSPC still applies).
PHOTOSITE_MIN_FREE_BYTES = int(os.environ.get("PHOTOSITE_MIN_FREE_BYTES", 2 * 1024**3))
# Largest image (in pixels) we read the header of or make a thumbnail from; beyond it a file
# is a decompression bomb, not a photo (the largest stitched panoramas stay well below).
PHOTOSITE_MAX_IMAGE_PIXELS = int(os.environ.get("PHOTOSITE_MAX_IMAGE_PIXELS", 500_000_000))
PHOTOSITE_IMPORT_JOBS = int(os.environ.get("PHOTOSITE_IMPORT_JOBS", 4))
# Watch folders (`import --watch`; `serve` runs one watcher for them all), separated like PATH.
PHOTOSITE_WATCH_DIRS = [path for path in os.environ.get("PHOTOSITE_WATCH_DIRS", "").split(os.pathsep) if path]
PHOTOSITE_WATCH_MOVE = env_bool("PHOTOSITE_WATCH_MOVE", False)
PHOTOSITE_WATCH_POLL = env_bool("PHOTOSITE_WATCH_POLL", False)
PHOTOSITE_WATCH_SETTLE_SECONDS = float(os.environ.get("PHOTOSITE_WATCH_SETTLE_SECONDS", 3))
# Tiles per gallery page (one query each, however deep the page; infinite scroll asks for the next).
PHOTOSITE_GALLERY_PAGE_SIZE = int(os.environ.get("PHOTOSITE_GALLERY_PAGE_SIZE", 60))
# Cached thumbnails answered before Django for sessions Django authenticated in the last TTL
# seconds (thumbnails/fast_path.py). A session logged out, or a user deactivated, in another
# process keeps fetching thumbnails it could already see for at most the TTL.
PHOTOSITE_THUMBNAIL_FAST_PATH = env_bool("PHOTOSITE_THUMBNAIL_FAST_PATH", True)
PHOTOSITE_THUMBNAIL_FAST_PATH_TTL = float(os.environ.get("PHOTOSITE_THUMBNAIL_FAST_PATH_TTL", 5))
# With the library on an object store and PHOTOSITE_S3_REDIRECT off, thumbnails are served from
# copies on this machine (<library>/.thumbnail_cache/, thumbnails/local_cache.py), at most this
# many megabytes of them, the least recently served going first.
PHOTOSITE_THUMBNAIL_CACHE_MB = float(os.environ.get("PHOTOSITE_THUMBNAIL_CACHE_MB", 256))
# The thumbnail format made ahead and served to browsers (webp or jpeg; thumbnails/formats.py).
# A client whose Accept lacks image/webp gets JPEG, made on its first request.
PHOTOSITE_THUMBNAIL_FORMAT = os.environ.get("PHOTOSITE_THUMBNAIL_FORMAT", "webp").strip().lower()
# Which videos are played from a web rendition (library/playback.py): `needed` (those
# browsers cannot play as they are), `always` or `never`. Renditions are at most this many lines
# on their short side (1080 = 1080p).
PHOTOSITE_VIDEO_RENDITIONS = os.environ.get("PHOTOSITE_VIDEO_RENDITIONS", "needed").strip().lower()
PHOTOSITE_VIDEO_RENDITION_LINES = int(os.environ.get("PHOTOSITE_VIDEO_RENDITION_LINES", 1080))
# x264's preset for renditions: `ultrafast` streams a first play soonest; `veryfast` makes much
# smaller files for more CPU (docs/thumbnails-and-renditions.md has the measured trade-off).
PHOTOSITE_VIDEO_RENDITION_PRESET = os.environ.get("PHOTOSITE_VIDEO_RENDITION_PRESET", "ultrafast").strip().lower()
# Threads of each web process that make thumbnails and probe files on request (at least 1;
# photosite/generation_pool.py): more requests wait their turn, and serving never waits for them.
PHOTOSITE_GENERATION_THREADS = max(1, int(os.environ.get("PHOTOSITE_GENERATION_THREADS", os.cpu_count() or 1)))
# Rendition encodes one process runs at once (thumbnails/video_jobs.py); more first plays wait.
PHOTOSITE_VIDEO_JOBS = max(1, int(os.environ.get("PHOTOSITE_VIDEO_JOBS", 1)))

DEBUG = env_bool("DEBUG", False)
# SECRET_KEY from the environment, else generated on the first start and kept in the library
# (photosite/secret_key.py): every process of the site, on every machine sharing the library,
# reads the same one. `serve` says where it is when it makes it.
_secret_key = site_secret_key(
    os.environ.get("SECRET_KEY"), PHOTOSITE_LIBRARY_ROOT / paths.SECRET_KEY_FILE, DEBUG
)
SECRET_KEY = _secret_key.value
PHOTOSITE_SECRET_KEY_FILE = _secret_key.file
PHOTOSITE_SECRET_KEY_CREATED = _secret_key.created
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "axes",
    "library",
    "thumbnails",
]

MIDDLEWARE = [
    # First, so it sees every response on its way out, the lockout page and error pages included.
    "photosite.page_caching.pages_are_not_stored",
    # A streamed answer (a video, a download) gives its database connection back before it streams.
    "photosite.connection_release.streamed_answers_hold_no_connection",
    "django.middleware.security.SecurityMiddleware",
    "photosite.nul_characters.refuse_nul_characters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page (which still
    # passes through the policy above on its way out).
    "axes.middleware.AxesMiddleware",
]

# The library's files on an S3-compatible object store instead of the library folder
# (photosite/storage_url.py, docs/scaling-out.md): the originals, thumbnails and video renditions.
# The import still stages each file in <library>/.import_temp/, and the database stays local.
PHOTOSITE_STORAGE_URL = os.environ.get("PHOTOSITE_STORAGE_URL", "")
PHOTOSITE_S3_ENDPOINT_URL = os.environ.get("PHOTOSITE_S3_ENDPOINT_URL", "")
# Originals and video renditions in the store are answered with a short-lived presigned link to
# it (302, after the access check), so their bytes never pass through the web process; false
# streams them through it instead (a store browsers cannot reach).
PHOTOSITE_S3_REDIRECT = bool(PHOTOSITE_STORAGE_URL) and env_bool("PHOTOSITE_S3_REDIRECT", True)

# Content-Security-Policy (django-csp) on every page: scripts and styles from our own static
# files only, so markup that slipped into a page could not run or restyle anything. No
# 'unsafe-inline' anywhere: the templates have no inline script, style or style attribute.
# Thumbnails (/api/photo/…) are JPEG/WebP bytes we encoded ourselves, never a document, and
# thumbnails/fast_path.py answers most of them without Django's middleware: they go without.
# Originals and video renditions redirected to the object store load from its origin.
_store_origin = storage_url.browser_origin(PHOTOSITE_STORAGE_URL, PHOTOSITE_S3_ENDPOINT_URL) if PHOTOSITE_S3_REDIRECT else []
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/photo/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        # 'wasm-unsafe-eval' lets the import page's hashing worker compile WebAssembly (hash-wasm's
        # streaming SHA-256) in browsers where a worker runs under its page's policy; it allows
        # WebAssembly.compile and nothing else: eval() and new Function() stay refused.
        "script-src": [SELF, "'wasm-unsafe-eval'"],
        "worker-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, *_store_origin],
        "media-src": [SELF, *_store_origin],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Static files' own policy (photosite/asgi.py). A worker runs under the policy of its script's
# response (Chromium, Firefox): the hashing worker may load scripts of the site and compile
# WebAssembly, and do nothing else — no network, no other origin. Documents and workers are the
# only things a policy on a static file governs; to a stylesheet or an image it means nothing.
PHOTOSITE_STATIC_CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'"

ROOT_URLCONF = "photosite.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "photosite" / "templates"],  # the admin's frame (admin/base_site.html)
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "photosite.wsgi.application"
ASGI_APPLICATION = "photosite.asgi.application"


# A web process (photosite.web_server marks it) keeps up to this many PostgreSQL connections
# open for its requests to share; 0 opens one per request, as every other process does.
PHOTOSITE_DATABASE_POOL_SIZE = int(os.environ.get("PHOTOSITE_DATABASE_POOL_SIZE", 20))


def database_from_url(url):
    """SQLite gets WAL (readers never wait for the importer), a busy timeout and
    IMMEDIATE transactions (writers queue instead of failing with 'database is locked').

    PostgreSQL in a web process gets a connection pool. Django opens a connection for each
    request (under ASGI each request's synchronous part runs in a thread of its own, so
    CONN_MAX_AGE cannot keep one), and a new connection costs the server a process and both
    sides a few milliseconds: as much as a thumbnail's whole answer. Only web processes pool:
    django-q2 forks its workers, and a pool (its sockets and threads) must not cross a fork."""
    config = dj_database_url.parse(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    elif config["ENGINE"] == "django.db.backends.postgresql" and pooled_connections():
        # A pooled connection is checked as it is handed out (a round trip of a tenth of a
        # millisecond), so one the server closed meanwhile (PostgreSQL restarted) is replaced
        # rather than failing a request.
        config.update(CONN_HEALTH_CHECKS=True)
        config.setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": PHOTOSITE_DATABASE_POOL_SIZE}
    return config


def pooled_connections() -> bool:
    return os.environ.get(WEB_PROCESS_MARK) == "1" and PHOTOSITE_DATABASE_POOL_SIZE > 0


DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{PHOTOSITE_LIBRARY_ROOT / paths.SQLITE_FILE}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "photosite.static_files.VersionedStaticFilesStorage"},
    # The originals (library/originals.py): the library folder itself, or the store's prefix.
    "originals": storage_url.object_storage_entry(PHOTOSITE_STORAGE_URL, PHOTOSITE_S3_ENDPOINT_URL, "")
    if PHOTOSITE_STORAGE_URL else {"BACKEND": "library.originals.LibraryFolderStorage"},
    "thumbnails": storage_url.object_storage_entry(PHOTOSITE_STORAGE_URL, PHOTOSITE_S3_ENDPOINT_URL, paths.THUMBNAILS_DIR)
    if PHOTOSITE_STORAGE_URL else {
        "BACKEND": os.environ.get(
            "PHOTOSITE_THUMBNAIL_STORAGE", "thumbnails.storage.AtomicFileSystemStorage"
        ),
        "OPTIONS": {
            "location": os.environ.get(
                "PHOTOSITE_THUMBNAIL_ROOT", str(PHOTOSITE_LIBRARY_ROOT / paths.THUMBNAILS_DIR)
            )
        },
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = PHOTOSITE_LIBRARY_ROOT / paths.STATIC_DIR
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Password guessing (django-axes): after PHOTOSITE_LOGIN_FAILURE_LIMIT wrong passwords for one
# user name from one address, both login pages (/accounts/login/ and /admin/login/) refuse that
# user name from that address for PHOTOSITE_LOGIN_COOLOFF_MINUTES; after
# PHOTOSITE_LOGIN_USER_FAILURE_LIMIT for one user name from any addresses, they refuse that user
# name everywhere. Other people behind the same address (a household behind one router, everyone
# behind a proxy) are never locked out by someone else's mistakes, and a name guessed from many
# addresses is still stopped (photosite/login_throttling.py holds both limits). Tries refused during
# a lockout are not counted: one address alone never reaches the per-name limit. Attempts are rows
# in the database (AccessAttempt in the admin, where staff delete one to unlock), so a restart or
# another web process changes nothing. The address is REMOTE_ADDR, never a request header a
# client could pick its own counter with: uvicorn sets it from X-Forwarded-For only with
# PHOTOSITE_BEHIND_TLS_PROXY, from the proxy's address (`serve`).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "photosite.login_throttling.UserAndAddressHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("PHOTOSITE_LOGIN_FAILURE_LIMIT", 10))
PHOTOSITE_LOGIN_USER_FAILURE_LIMIT = int(os.environ.get("PHOTOSITE_LOGIN_USER_FAILURE_LIMIT", 3 * AXES_FAILURE_LIMIT))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("PHOTOSITE_LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "library.views.lockout.locked_out"

# Behind a TLS proxy (Caddy, nginx: docs/behind-a-tls-proxy.md): trust its X-Forwarded-Proto,
# send every plain-HTTP request to HTTPS, keep the session and CSRF cookies off plain HTTP and
# tell browsers to use HTTPS only (HSTS). With it, a generated SECRET_KEY and DEBUG off,
# `manage.py check --deploy` reports nothing.
PHOTOSITE_BEHIND_TLS_PROXY = env_bool("PHOTOSITE_BEHIND_TLS_PROXY", False)
if PHOTOSITE_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("PHOTOSITE_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PHOTOSITE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("PHOTOSITE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Asking to be on the browsers' built-in HTTPS-only list is the owner's choice for the
        # whole domain, and hard to undo; off by default, so its reminder (W021) is silenced.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

DATA_UPLOAD_MAX_NUMBER_FILES = 1000

# Connection limits (docs/security.md). A request body that sends nothing for this long is cut
# off (the file it was in fails); a head (request line and headers) must also arrive within it.
PHOTOSITE_BODY_IDLE_SECONDS = float(os.environ.get("PHOTOSITE_BODY_IDLE_SECONDS", 60))
# Upload bodies (web import, resumable pieces) received at once by one web process; past it 429.
# Each holds two threads (the view's and its writer) and its buffers.
PHOTOSITE_UPLOADS_IN_FLIGHT = int(os.environ.get("PHOTOSITE_UPLOADS_IN_FLIGHT", 8))

EVENTSTREAM_STORAGE_CLASS = "library.events.storage.ModelStorage"
# Import progress channels are readable by their session's owner and staff only.
EVENTSTREAM_CHANNELMANAGER_CLASS = "library.events.sse.ImportChannelManager"
# Import event streams open at once in one web process, per user and in all (429 past them).
PHOTOSITE_EVENT_STREAMS_PER_USER = int(os.environ.get("PHOTOSITE_EVENT_STREAMS_PER_USER", 20))
PHOTOSITE_EVENT_STREAMS_TOTAL = int(os.environ.get("PHOTOSITE_EVENT_STREAMS_TOTAL", 2000))
# Calls a minute per user to each of the import page's questions, /known (which records up to 500
# duplicates and an event per call) and /sizes (photosite/rate_limits.py; 429 past it). The page
# asks one question at a time, gathering hashes meanwhile: a re-import of a few hundred files asks
# well under a hundred; a page refused sends (or hashes) its files instead, so nothing is lost.
PHOTOSITE_IMPORT_QUERIES_PER_MINUTE = int(os.environ.get("PHOTOSITE_IMPORT_QUERIES_PER_MINUTE", 300))
# A share link's password (library/views/share_links.py): tries per minute from one address, over all
# links, then 429 until the minute ends: plenty for a person mistyping, far too few to guess a password.
PHOTOSITE_SHARE_PASSWORD_TRIES_PER_MINUTE = int(os.environ.get("PHOTOSITE_SHARE_PASSWORD_TRIES_PER_MINUTE", 5))


def eventstream_redis_kwargs(url):
    """django-eventstream passes EVENTSTREAM_REDIS to both redis.Redis(**kwargs) and
    redis.asyncio.Redis(**kwargs), not a URL. Redis' own URL parsing keeps every option
    (`rediss://`, `unix://`, `?socket_timeout=…`); only its connection class (which neither
    client takes, and which differs between the two) becomes the `ssl` / `unix_socket_path`
    arguments each client turns into its own."""
    from redis.connection import SSLConnection, UnixDomainSocketConnection, parse_url  # only with Redis: a heavy import

    kwargs = parse_url(url)
    connection_class = kwargs.pop("connection_class", None)
    if connection_class is SSLConnection:
        kwargs["ssl"] = True
    if connection_class is UnixDomainSocketConnection:
        kwargs["unix_socket_path"] = kwargs.pop("path")
    return kwargs


# With several web processes an import's events must reach the process holding the browser's
# stream: django-eventstream then publishes every event through Redis pub/sub.
if REDIS_URL:
    EVENTSTREAM_REDIS = eventstream_redis_kwargs(REDIS_URL)

# Background workers (django-q2). A task is a batch of photo ids; `retry` must exceed `timeout`
# or a long batch would be handed to a second worker while the first still runs. A worker that
# dies mid-task never acknowledges it, so the broker hands it out again after `retry` seconds.
PHOTOSITE_WORKERS = int(os.environ.get("PHOTOSITE_WORKERS", os.cpu_count() or 1))
# Added to the workers' nice value (19 is the lowest CPU priority), so that an import or a page
# view running at the same time keeps its speed; the workers get what the machine leaves over.
PHOTOSITE_WORKER_NICENESS = int(os.environ.get("PHOTOSITE_WORKER_NICENESS", 19))
# Photos per background task: small enough to spread a session over every worker, big enough
# that a 50,000-file session is not 50,000 queue rows.
PHOTOSITE_PREGENERATE_BATCH_SIZE = int(os.environ.get("PHOTOSITE_PREGENERATE_BATCH_SIZE", 50))
# Thumbnail sizes made ahead of time (names from thumbnails.specs.SIZES); the gallery's grid size.
PHOTOSITE_PREGENERATE_SIZES = env_list("PHOTOSITE_PREGENERATE_SIZES", "400")
PHOTOSITE_TASK_TIMEOUT = int(os.environ.get("PHOTOSITE_TASK_TIMEOUT", 600))
Q_CLUSTER = {
    # Several sites may share one Redis: the name keeps their queues apart.
    "name": os.environ.get("PHOTOSITE_QUEUE_NAME", "photosite"),
    "workers": PHOTOSITE_WORKERS,
    "timeout": PHOTOSITE_TASK_TIMEOUT,
    "retry": int(os.environ.get("PHOTOSITE_TASK_RETRY", PHOTOSITE_TASK_TIMEOUT + 300)),
    # A batch that raised or hit its timeout is recorded as a Failure and not run again (each
    # item already logged its own error; the view retries those photos on demand).
    "ack_failures": True,
    "max_attempts": 3,
    "queue_limit": PHOTOSITE_WORKERS,  # prefetch little: other clusters get a share, Ctrl-C is quick
    "recycle": 200,
    "max_rss": int(os.environ.get("PHOTOSITE_WORKER_MAX_RSS_MB", 1024)) * 1024,  # kilobytes
    "save_limit": 250,
}
if REDIS_URL:
    # Rate limits (photosite/rate_limits.py) count in the default cache: in Redis, one count for
    # every web process. The queue's name keeps the keys of sites sharing one Redis apart.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": Q_CLUSTER["name"]}}
    Q_CLUSTER["redis"] = REDIS_URL
    # django-q2's own Redis broker pops a task for good; ours keeps it until acknowledged.
    Q_CLUSTER["broker_class"] = "photosite.redis_broker.AcknowledgingRedis"
else:
    Q_CLUSTER["orm"] = "default"
    # Each running cluster's heartbeat (django-q2's Stat, refreshed every half second, gone 3 s
    # after it stops), where `librarystatus` in another process can see it: in the library,
    # since the default cache is per process. (The Redis broker keeps them in Redis.)
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "queue_stats": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(PHOTOSITE_LIBRARY_ROOT / paths.QUEUE_STATS_DIR),
        },
    }
    Q_CLUSTER["cache"] = "queue_stats"

LOG_LEVEL = os.environ.get("PHOTOSITE_LOG_LEVEL", "INFO")
# The terminal gets warnings and errors only; every line is in <library>/.logs/ (a line per request
# and per thumbnail buried `serve`'s terminal and `pregenerate`'s progress bar).
CONSOLE_LOG_LEVEL = os.environ.get("PHOTOSITE_CONSOLE_LOG_LEVEL", "WARNING")
# `serve` hands its children the terminal through this variable (photosite.log_handlers.TerminalHandler).
UNDER_SERVE = bool(os.environ.get("PHOTOSITE_TERMINAL_FD"))
# One file's thumbnail or rendition failing (and its retries): a command run by hand
# (`pregenerate`) shows it; under `serve` it is the file's business, not the terminal's
# (errors.log and the site's log have it, and the gallery shows a placeholder).
PER_FILE_LOGGERS = ["photosite.thumbnails", "photosite.background"] if UNDER_SERVE else []
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"not_per_file": {"()": "photosite.log_handlers.SkipLoggers", "names": PER_FILE_LOGGERS}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "photosite.log_handlers.TerminalHandler", "formatter": "line", "level": CONSOLE_LOG_LEVEL,
                    "filters": ["not_per_file"]},
        "access_log": {
            "class": "photosite.log_handlers.LibraryLogHandler",
            "filename_pattern": "access.log",
            "formatter": "line",
        },
        "import_log": {
            "class": "photosite.log_handlers.LibraryLogHandler",
            "filename_pattern": "import_%Y%m%d.log",
            "formatter": "line",
        },
        "site_log": {
            "class": "photosite.log_handlers.LibraryLogHandler",
            "filename_pattern": "photosite.log",
            "formatter": "line",
        },
        "errors_log": {
            "class": "photosite.log_handlers.LibraryLogHandler",
            "filename_pattern": "errors.log",
            "formatter": "line",
            "level": "ERROR",
        },
    },
    "loggers": {
        "photosite": {"handlers": ["console", "site_log", "errors_log"], "level": LOG_LEVEL},
        # Per-file lines go to the day's import log only (a console line per file would bury the
        # progress bar); failures also reach errors.log.
        "photosite.import": {"handlers": ["import_log", "errors_log"], "level": LOG_LEVEL, "propagate": False},
        # django-q2 logs as "django-q". Its per-task lines ("Enqueued …", "Processed …") go to the
        # site's log only: a 50,000-file import would otherwise print a thousand of them.
        "django-q": {"handlers": ["site_log", "errors_log"], "level": "INFO", "propagate": False},
        # django-axes says "Repeated login failure" at WARNING for every wrong password.
        "axes": {"handlers": ["site_log"], "level": "INFO", "propagate": False},
        # Python warnings of the libraries (rawpy's about fork, say): for the curious, not the terminal.
        "py.warnings": {"handlers": ["site_log"], "level": "WARNING", "propagate": False},
        # Server errors (500s) with their traceback: by default Django prints them only when DEBUG is on.
        "django.request": {"handlers": ["console", "errors_log"], "level": "ERROR", "propagate": False},
    },
}

# uvicorn's line per request, into .logs/access.log; off by default (it costs every request a
# write). uvicorn writes access lines while its access logger has a handler, so it gets one only then.
PHOTOSITE_ACCESS_LOG = env_bool("PHOTOSITE_ACCESS_LOG", False)
if PHOTOSITE_ACCESS_LOG:
    LOGGING["loggers"]["uvicorn.access"] = {"handlers": ["access_log"], "level": "INFO", "propagate": False}
