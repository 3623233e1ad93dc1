"""The database set up on first use: every command that reads or writes the library (`serve`,
`import`, `pregenerate`, `librarystatus`, `checklibrary`) calls `ensure_database()` before
anything else, so a brand-new library folder works with whichever command comes first, and an
upgraded site applies its new migrations there too, not only in `serve`.

Two processes starting on a fresh library at once (a `serve` and an `import`) take turns through
a lock file in the library; the second finds nothing left to apply."""
import fcntl
from contextlib import contextmanager

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from library.paths import library_root

LOCK_NAME = ".photosite/migrate.lock"


def pending_migrations(alias=DEFAULT_DB_ALIAS) -> list:
    """Migrations not yet applied (reading the migration files and one table: a few ms)."""
    executor = MigrationExecutor(connections[alias])
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def ensure_database(stdout=None) -> bool:
    """Apply pending migrations, saying so in one line on `stdout`; True when it did."""
    if not pending_migrations():
        return False
    with migration_lock():
        pending = pending_migrations()
        if not pending:
            return False
        if stdout is not None:
            stdout.write(f"Setting up the database ({len(pending)} migrations to apply): "
                         f"{describe(connections[DEFAULT_DB_ALIAS])}")
        call_command("migrate", interactive=False, verbosity=0)
    return True


def describe(connection) -> str:
    name = connection.settings_dict["NAME"]
    return f"{connection.vendor} {name}"


@contextmanager
def migration_lock():
    path = library_root() / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
