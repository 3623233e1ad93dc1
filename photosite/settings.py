"""Photosite settings, driven by environment variables so one code base serves both the
embedded default (SQLite, ORM queue, local disk) and a scaled-out deployment
(PostgreSQL, Redis, several workers). Every variable is listed in README.md."""
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PHOTOSITE_LIBRARY_ROOT = Path(os.environ.get("PHOTOSITE_LIBRARY_ROOT", BASE_DIR / "photos")).resolve()
PHOTOSITE_MAX_UPLOAD_BYTES = int(os.environ.get("PHOTOSITE_MAX_UPLOAD_BYTES", 20 * 1024**3))
# Largest image (in pixels) we read the header of or make a thumbnail from; beyond it a file
# is a decompression bomb, not a photo (the largest stitched panoramas stay well below).
PHOTOSITE_MAX_IMAGE_PIXELS = int(os.environ.get("PHOTOSITE_MAX_IMAGE_PIXELS", 500_000_000))
PHOTOSITE_IMPORT_JOBS = int(os.environ.get("PHOTOSITE_IMPORT_JOBS", 4))

SECRET_KEY = os.environ.get("SECRET_KEY", "photosite-insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_eventstream",
    "django_q",
    "library",
    "thumbnails",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "photosite.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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


def database_from_url(url):
    """SQLite gets WAL (readers never wait for the importer), a busy timeout and
    IMMEDIATE transactions (writers queue instead of failing with 'database is locked')."""
    config = dj_database_url.parse(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    return config


DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{PHOTOSITE_LIBRARY_ROOT / '.photosite' / 'db.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "thumbnails": {
        "BACKEND": os.environ.get(
            "PHOTOSITE_THUMBNAIL_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": {
            "location": os.environ.get(
                "PHOTOSITE_THUMBNAIL_ROOT", str(PHOTOSITE_LIBRARY_ROOT / ".thumbnails")
            )
        },
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = PHOTOSITE_LIBRARY_ROOT / ".photosite" / "static"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Uploads always go to disk (our handler writes straight into .import_temp while hashing).
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
DATA_UPLOAD_MAX_NUMBER_FILES = 1000

EVENTSTREAM_STORAGE_CLASS = "django_eventstream.storage.DjangoModelStorage"

Q_CLUSTER = {
    "name": "photosite",
    "workers": int(os.environ.get("PHOTOSITE_WORKERS", os.cpu_count() or 1)),
    "timeout": 600,
    "retry": 900,
    "orm": "default",
}

LOG_LEVEL = os.environ.get("PHOTOSITE_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line"},
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
        "django_q": {"handlers": ["console", "site_log"], "level": "INFO"},
    },
}
