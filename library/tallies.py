"""Counts the database keeps as rows change, so that `librarystatus` reads a few small rows
instead of counting a million. A tally table holds signed changes of counts by the properties
counted: triggers on the counted table insert one as its rows are inserted (+1 under the new
row's properties), changed (-1 under the old, +1 under the new) and deleted (-1), in the same
transaction as the change, so the sum of a tally is as exact as the rows. Only inserts: no
writer waits for another's tally row, and two imports' transactions never deadlock over one.

`fold` sums the changes into one row per combination of properties (`librarystatus` does, so
the table stays about as small as those combinations). A tally misses what skips triggers: a
TRUNCATE, and writes with PostgreSQL's `session_replication_role = replica` (a bulk load).
`recount` rebuilds it from the rows then (`manage.py librarystatus --recount`).

The statements are written once for PostgreSQL and SQLite alike; only the trigger wrappers differ
(PostgreSQL runs them from a PL/pgSQL function, SQLite inline)."""
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction


@dataclass(frozen=True)
class Trigger:
    """Statements run after each row of `table` changes: `subtract` with OLD on update and delete,
    `add` with NEW on insert and update. An update runs them only `when` (OLD and NEW in SQL) says
    a counted property changed."""
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


@dataclass(frozen=True)
class Tally:
    """A tally table: its `key` columns (the properties counted), its summed `values` columns,
    and the SELECT that counts them from the rows (`recount`)."""
    table: str
    key: tuple[str, ...]
    values: tuple[str, ...]
    count_rows: str

    def fold(self):
        """Sums the changes into one row per key (dropping keys that sum to nothing); one fold at
        a time, while writers go on adding changes (those it does not see stay for the next)."""
        columns = ", ".join(self.key + self.values)
        with transaction.atomic(), connection.cursor() as cursor:
            self.hold_other_folds(cursor)
            cursor.execute(f"DELETE FROM {self.table} RETURNING {columns}")
            sums = defaultdict(lambda: [0] * len(self.values))
            for row in cursor.fetchall():
                totals = sums[row[:len(self.key)]]
                for index, value in enumerate(row[len(self.key):]):
                    totals[index] += value
            rows = [(*key, *totals) for key, totals in sums.items() if any(totals)]
            if rows:
                marks = ", ".join(["%s"] * len(self.key + self.values))
                cursor.executemany(f"INSERT INTO {self.table} ({columns}) VALUES ({marks})", rows)

    def differences(self) -> list[tuple[tuple, tuple, tuple]]:
        """(key, tallied values, counted values) of each key whose sum of changes is not what a
        count of the rows gives (a key missing on one side counts as zeros). Read it in one
        snapshot (library.count_check) while writers may be at work."""
        keys, sums = ", ".join(self.key), ", ".join(f"SUM({value})" for value in self.values)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {keys}, {sums} FROM {self.table} GROUP BY {keys}")
            tallied = self.by_key(cursor.fetchall())
            cursor.execute(self.count_rows)
            counted = self.by_key(cursor.fetchall())
        zeros = (0,) * len(self.values)
        return [(key, tallied.get(key, zeros), counted.get(key, zeros))
                for key in sorted(tallied.keys() | counted.keys(), key=repr)
                if tallied.get(key, zeros) != counted.get(key, zeros)]

    def by_key(self, rows) -> dict[tuple, tuple[int, ...]]:
        width = len(self.key)
        return {tuple(row[:width]): tuple(int(value or 0) for value in row[width:]) for row in rows}

    def recount(self):
        """Rebuilds the tally from the rows it counts."""
        with transaction.atomic(), connection.cursor() as cursor:
            self.hold_other_folds(cursor)
            cursor.execute(f"DELETE FROM {self.table}")
            cursor.execute(f"INSERT INTO {self.table} ({', '.join(self.key + self.values)}) {self.count_rows}")

    def hold_other_folds(self, cursor):
        # A lock that writers' inserts pass (ROW EXCLUSIVE) and another fold waits for; SQLite's
        # writers wait for each other anyway.
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {self.table} IN SHARE UPDATE EXCLUSIVE MODE")


def install(schema_editor, triggers, tally: Tally):
    """For a migration: creates `triggers` and counts what rows there are already."""
    create(schema_editor, triggers)
    schema_editor.execute(f"INSERT INTO {tally.table} ({', '.join(tally.key + tally.values)}) {tally.count_rows}")


def create(schema_editor, triggers):
    """For a migration: creates `triggers` over a tally that is already right (one that replaces
    triggers dropped in the same migration, with no rows changed between)."""
    vendor = schema_editor.connection.vendor
    for trigger in triggers:
        for statement in trigger.create(vendor):
            schema_editor.execute(statement)


def uninstall(schema_editor, triggers):
    for trigger in triggers:
        for statement in trigger.drop(schema_editor.connection.vendor):
            schema_editor.execute(statement)


def recounted_after_flush(tally: Tally):
    """A receiver of post_migrate that recounts `tally` after a flush (`manage.py flush`, and
    tests between transactional cases), which is post_migrate without a migration plan: a flush
    empties the tables in an order of its own, and where it DELETEs (SQLite) the triggers of a
    table emptied after the tally write changes into it."""
    def recount(sender, plan=None, **kwargs):
        if plan is None:
            tally.recount()

    return recount
