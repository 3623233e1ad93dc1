"""Tiles per day, kept by triggers on library_photo (see library.models.DayTiles), filled once
from the photos already there. A photo counts when it is a gallery tile: `trashed_at IS NULL AND
shown_with_id IS NULL`, the condition of `photo_gallery_tile_idx`."""
from django.db import migrations, models

# SQLite: a row trigger per change (one writer at a time: nothing to order).
TILE_OLD = "OLD.trashed_at IS NULL AND OLD.shown_with_id IS NULL"
TILE_NEW = "NEW.trashed_at IS NULL AND NEW.shown_with_id IS NULL"
FILL = ("INSERT INTO library_daytiles (day, tiles) SELECT taken_on, COUNT(*) FROM library_photo "
        "WHERE trashed_at IS NULL AND shown_with_id IS NULL GROUP BY taken_on")
COUNT_NEW = ("INSERT INTO library_daytiles (day, tiles) SELECT NEW.taken_on, 1 WHERE {tile} "
             "ON CONFLICT (day) DO UPDATE SET tiles = library_daytiles.tiles + 1;").format(tile=TILE_NEW)
UNCOUNT_OLD = f"UPDATE library_daytiles SET tiles = tiles - 1 WHERE day = OLD.taken_on AND {TILE_OLD};"
WATCHED = "taken_on, trashed_at, shown_with_id"

SQLITE = [
    f"CREATE TRIGGER library_daytiles_insert AFTER INSERT ON library_photo BEGIN {COUNT_NEW} END",
    f"CREATE TRIGGER library_daytiles_delete AFTER DELETE ON library_photo BEGIN {UNCOUNT_OLD} END",
    f"CREATE TRIGGER library_daytiles_update AFTER UPDATE OF {WATCHED} ON library_photo "
    f"BEGIN {UNCOUNT_OLD} {COUNT_NEW} END",
    FILL,
]
SQLITE_REVERSE = [f"DROP TRIGGER library_daytiles_{name}" for name in ("insert", "delete", "update")]

# PostgreSQL: one statement-level trigger per kind of change, over the statement's transition
# tables, adding up each day's change first. A bulk insert costs one upsert per day, not per row;
# an update that leaves every day's count alone (most updates) touches nothing; and the days are
# upserted in order, so two imports writing the same days lock them in the same order.
TILE = "trashed_at IS NULL AND shown_with_id IS NULL"
CHANGES = {
    "INSERT": f"SELECT taken_on, 1 FROM new_rows WHERE {TILE}",
    "DELETE": f"SELECT taken_on, -1 FROM old_rows WHERE {TILE}",
    "UPDATE": f"SELECT taken_on, -1 FROM old_rows WHERE {TILE} UNION ALL SELECT taken_on, 1 FROM new_rows WHERE {TILE}",
}
UPSERT = ("INSERT INTO library_daytiles (day, tiles) SELECT day, SUM(change) FROM ({changes}) AS changes (day, change) "
          "GROUP BY day HAVING SUM(change) <> 0 ORDER BY day "
          "ON CONFLICT (day) DO UPDATE SET tiles = library_daytiles.tiles + EXCLUDED.tiles")
TRANSITION_TABLES = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
                     "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}
POSTGRESQL = [
    statement
    for operation, changes in CHANGES.items()
    for statement in (
        f"""CREATE FUNCTION library_daytiles_{operation.lower()}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {UPSERT.format(changes=changes)};
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER library_daytiles_{operation.lower()} AFTER {operation} ON library_photo "
        f"REFERENCING {TRANSITION_TABLES[operation]} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION library_daytiles_{operation.lower()}()",
    )
] + [FILL]
POSTGRESQL_REVERSE = [statement for operation in ("insert", "delete", "update") for statement in (
    f"DROP TRIGGER library_daytiles_{operation} ON library_photo", f"DROP FUNCTION library_daytiles_{operation}()")]


def create_triggers(apps, schema_editor):
    for statement in POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in POSTGRESQL_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("library", "0016_viewer_exposure")]

    operations = [
        migrations.CreateModel(
            name="DayTiles",
            fields=[("day", models.DateField(primary_key=True, serialize=False)), ("tiles", models.IntegerField())],
            options={"verbose_name_plural": "day tiles"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
