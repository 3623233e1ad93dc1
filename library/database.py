"""The database set up on first use: every command that reads or writes the library (`serve`,
`import`, `pregenerate`, `librarystatus`, `checklibrary`) calls `ensure_database()` before
anything else, so a brand-new library folder works with whichever command comes first, and an
upgraded site applies its new migrations there too, not only in `serve`.

Two processes starting on a fresh library at once (a `serve` and an `import`) take turns through
a lock file in the library; the second finds nothing left to apply."""
import fcntl
import importlib.util
import pkgutil
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from library.paths import migrate_lock_path
from photosite import remembered


def pending_migrations(alias=DEFAULT_DB_ALIAS) -> list:
    """Migrations not yet applied, by Django's own plan (it imports every migration module, hence
    the quick `every_migration_file_recorded` first)."""
    executor = MigrationExecutor(connections[alias])
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def every_migration_file_recorded(alias=DEFAULT_DB_ALIAS) -> bool:
    """The quick answer a command asks first (far cheaper than the plan, which would otherwise
    be part of every command's start): is each migration file on disk recorded as applied? False is only a
    'maybe' (a squashed migration, say): `pending_migrations` then decides."""
    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return False
    applied = set(recorder.migration_qs.values_list("app", "name"))
    for app_config in apps.get_app_configs():
        module_name, _ = MigrationLoader.migrations_module(app_config.label)
        spec = importlib.util.find_spec(module_name) if module_name else None
        locations = spec.submodule_search_locations if spec else None
        for module in pkgutil.iter_modules(locations or []):
            if not module.ispkg and module.name[0] not in "_~" and (app_config.label, module.name) not in applied:
                return False
    return True


def ensure_database(stdout=None) -> bool:
    """Apply pending migrations, saying so in one line on `stdout`; True when it did.

    The first line on `stdout` names the library (and where that choice came from): a command run
    in a terminal without PHOTOSITE_LIBRARY_ROOT must not work on another library unnoticed. A
    library set up here for the first time is remembered for the commands after it."""
    if stdout is not None:
        stdout.write(f"Library: {settings.PHOTOSITE_LIBRARY_ROOT} ({settings.PHOTOSITE_LIBRARY_ROOT_ORIGIN})")
    if every_migration_file_recorded() or not pending_migrations():
        return False
    with migration_lock():
        pending = pending_migrations()
        if not pending:
            return False
        if stdout is not None:
            stdout.write(f"Setting up the database ({len(pending)} migrations to apply): "
                         f"{describe(connections[DEFAULT_DB_ALIAS])}")
        call_command("migrate", interactive=False, verbosity=0)
    remember_library(stdout)
    return True


def remember_library(stdout=None):
    if remembered.remember("PHOTOSITE_LIBRARY_ROOT", str(settings.PHOTOSITE_LIBRARY_ROOT)) and stdout is not None:
        stdout.write(f"Remembered this library in {remembered.remembered_file()}: later commands here use it "
                     "unless PHOTOSITE_LIBRARY_ROOT says otherwise.")


def describe(connection) -> str:
    name = connection.settings_dict["NAME"]
    return f"{connection.vendor} {name}"


@contextmanager
def migration_lock():
    path = migrate_lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
