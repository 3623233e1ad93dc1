"""The site's SECRET_KEY: from the environment, else generated once and kept in the library.

Every process of one site (uvicorn workers, qcluster workers, manage.py commands) imports the
settings and must end up with the same key: django-q2 signs its pickled tasks with it, Django
its sessions, message cookies and password-reset tokens. A key generated per process would
make the workers refuse the web server's tasks; the built-in key of old would let anyone who
can reach the queue run code in the workers. So the first process to start writes a random
key to a file beside the database (mode 0600) and all the others, then and later, read it.

Kept free of Django imports beyond the exception: it runs while the settings are imported."""
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# What settings.py used before keys were generated; refused unless DEBUG (it is public).
DEVELOPMENT_KEY = "photosite-insecure-development-key-change-me"
KEY_BYTES = 50


@dataclass(frozen=True)
class SiteSecretKey:
    value: str
    file: Path | None  # where a generated key is kept; None when it came from the environment
    created: bool  # this process wrote the file (the site's first start)


def site_secret_key(configured: str | None, key_file: Path, debug: bool) -> SiteSecretKey:
    """`configured` is the SECRET_KEY environment variable (None when unset)."""
    if configured is None:
        value, created = read_or_create(key_file)
        return SiteSecretKey(value, key_file, created)
    if not debug and configured.strip() in {"", DEVELOPMENT_KEY}:
        raise ImproperlyConfigured(
            "SECRET_KEY is empty or the public development key; unset it to have one generated "
            f"in {key_file}, or set a random one (DEBUG=1 allows the development key)"
        )
    return SiteSecretKey(configured, None, False)


def read_or_create(key_file: Path) -> tuple[str, bool]:
    """The key in `key_file`, written first if there is none; (key, whether we wrote it).

    Race-free across processes: the key is written whole to a private temporary name and then
    hard-linked to `key_file`, which fails if another process got there first. No process ever
    reads a half-written key, and two that start at once end up with the winner's."""
    try:
        return read(key_file), False
    except FileNotFoundError:
        pass
    key_file.parent.mkdir(parents=True, exist_ok=True)
    candidate = key_file.with_name(f".{key_file.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as stream:
            stream.write(secrets.token_urlsafe(KEY_BYTES) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.link(candidate, key_file)
        created = True
    except FileExistsError:
        created = False
    finally:
        candidate.unlink(missing_ok=True)
    return read(key_file), created


def read(key_file: Path) -> str:
    value = key_file.read_text().strip()
    if not value:
        raise ImproperlyConfigured(f"the secret key file {key_file} is empty; remove it to have a new key generated")
    return value
