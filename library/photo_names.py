"""The photos' names, titles and days in their own narrow table (library.models.PhotoName), kept
by triggers on the photo table in the same transaction as every write (library.tallies.Trigger:
an insert adds the row, a delete removes it, a change of name, title or day replaces it), so the
search's name filter never reads a stale copy. Writes that skip triggers (COPY with
`session_replication_role = replica`, as bench/library_rows.py loads) call `refill`. On SQLite, a
migration that makes Django remake the photo table drops these triggers with the table's others
(docs/development.md): it must create them again."""
from django.db import connection, transaction

from . import tallies
from .models import Photo, PhotoName

TABLE = PhotoName._meta.db_table
COLUMNS = "photo_id, taken_on, original_name, title"
COPIED = "id, taken_on, original_name, title"
# The trigram indexes of the name search (UPPER, as `icontains` writes it on PostgreSQL).
TRIGRAM_INDEXES = {"photo_name_copy_trigram_idx": "original_name", "photo_title_copy_trigram_idx": "title"}

TRIGGER = tallies.Trigger(
    name="library_photo_names",
    table=Photo._meta.db_table,
    add=f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (NEW.id, NEW.taken_on, NEW.original_name, NEW.title)",
    subtract=f"DELETE FROM {TABLE} WHERE photo_id = OLD.id",
    when="OLD.taken_on <> NEW.taken_on OR OLD.original_name <> NEW.original_name OR OLD.title <> NEW.title",
)


def install(schema_editor):
    """For a migration: the triggers, the rows of the photos already there, then their indexes
    (built once over the filled table rather than kept up row by row)."""
    tallies.create(schema_editor, [TRIGGER])
    schema_editor.execute(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COPIED} FROM {Photo._meta.db_table}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, column in TRIGRAM_INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} USING gin (UPPER({column}) gin_trgm_ops)")


def uninstall(schema_editor):
    tallies.uninstall(schema_editor, [TRIGGER])


def refill():
    """Copies every photo's name, title and day again, after writes that skipped the triggers
    (`librarystatus --recount`, the bench's filler). Photo writes wait meanwhile (on PostgreSQL a
    lock their triggers cannot pass; on SQLite one writer at a time anyway): a photo committed
    between the two statements would otherwise be copied twice."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {Photo._meta.db_table} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COPIED} FROM {Photo._meta.db_table}")
