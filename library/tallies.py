"""Counts the database keeps as rows change, so that `librarystatus` reads a few small rows
instead of counting a million: each tally table holds one row per combination of the properties
counted, and triggers on the counted table add and take away as its rows are inserted, changed
and deleted (in the same transaction as the change, so a tally is as exact as the rows).

What a tally misses is what skips triggers: a TRUNCATE, and writes with PostgreSQL's
`session_replication_role = replica` (a bulk load). `recount` rebuilds a tally from its rows then
(`manage.py librarystatus --recount`).

The statements are written once for PostgreSQL and SQLite alike; only the trigger wrappers differ
(PostgreSQL runs them from a PL/pgSQL function, SQLite inline)."""
from dataclasses import dataclass

from django.db import connection, transaction


@dataclass(frozen=True)
class Trigger:
    """Statements run after each row of `table` changes: `subtract` with OLD on update and delete,
    `add` with NEW on insert and update. An update runs them only `when` (OLD and NEW in SQL) says
    a counted property changed, so a save that changes nothing counted takes no tally row's lock."""
    name: str
    table: str
    add: str
    subtract: str
    when: str

    def create(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            return [
                f"CREATE OR REPLACE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP <> 'INSERT' THEN {self.subtract}; END IF; "
                f"IF TG_OP <> 'DELETE' THEN {self.add}; END IF; RETURN NULL; END $$",
                f"CREATE TRIGGER {self.name}_rows AFTER INSERT OR DELETE ON {self.table} "
                f"FOR EACH ROW EXECUTE FUNCTION {self.name}()",
                f"CREATE TRIGGER {self.name}_changes AFTER UPDATE ON {self.table} "
                f"FOR EACH ROW WHEN ({self.when}) EXECUTE FUNCTION {self.name}()",
            ]
        return [
            f"CREATE TRIGGER {self.name}_insert AFTER INSERT ON {self.table} BEGIN {self.add}; END",
            f"CREATE TRIGGER {self.name}_delete AFTER DELETE ON {self.table} BEGIN {self.subtract}; END",
            f"CREATE TRIGGER {self.name}_update AFTER UPDATE ON {self.table} WHEN {self.when} "
            f"BEGIN {self.subtract}; {self.add}; END",
        ]

    def drop(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            return [f"DROP FUNCTION IF EXISTS {self.name}() CASCADE"]
        return [f"DROP TRIGGER IF EXISTS {self.name}_{event}" for event in ("insert", "delete", "update")]


def install(schema_editor, triggers, recount_sql: str):
    """For a migration: creates `triggers` and fills their tally from the rows already there."""
    vendor = schema_editor.connection.vendor
    for trigger in triggers:
        for statement in trigger.create(vendor):
            schema_editor.execute(statement)
    schema_editor.execute(recount_sql)


def uninstall(schema_editor, triggers):
    for trigger in triggers:
        for statement in trigger.drop(schema_editor.connection.vendor):
            schema_editor.execute(statement)


def recount(tally_table: str, recount_sql: str):
    """Rebuilds a tally from the rows it counts, with writers of it held off meanwhile."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {tally_table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {tally_table}")
        cursor.execute(recount_sql)
