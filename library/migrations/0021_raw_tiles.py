from django.db import migrations, models

# The gallery's tile condition (models.GALLERY_TILE) and `kind=raw`'s (models.HOLDS_RAW), spelled
# out: a migration keeps the conditions it was written with.
TILE = models.Q(("trashed_at__isnull", True), ("shown_with__isnull", True))
# library.media.raw_families.RAW_EXTENSIONS when this was written, sorted.
RAW_FORMATS = ["3fr", "arw", "cr2", "cr3", "crw", "dcr", "dng", "erf", "fff", "gpr", "iiq", "kdc", "mef", "mos", "mrw",
               "nef", "nrw", "orf", "pef", "raf", "raw", "rw2", "rwl", "sr2", "srf", "srw", "x3f"]
HOLDS_RAW = models.Q(("format__in", RAW_FORMATS)) | models.Q(("has_raw_partner", True))
ORDER = ["-taken_on", "-taken_at", "-id"]


def add_column(apps, schema_editor):
    """ALTER TABLE … ADD COLUMN with its constant default, on SQLite too: Django's own AddField
    remakes SQLite's table for a NOT NULL column, which would drop the triggers of 0017 and 0019."""
    column_type = schema_editor.connection.data_types["BooleanField"]
    schema_editor.execute(f"ALTER TABLE library_photo ADD COLUMN has_raw_partner {column_type} DEFAULT false NOT NULL")
    placeholders = ", ".join(["%s"] * len(RAW_FORMATS))
    schema_editor.execute(
        "UPDATE library_photo SET has_raw_partner = true WHERE id IN (SELECT shown_with_id FROM library_photo "
        f"WHERE shown_with_id IS NOT NULL AND format IN ({placeholders}))", RAW_FORMATS)


def drop_column(apps, schema_editor):
    schema_editor.execute("ALTER TABLE library_photo DROP COLUMN has_raw_partner")


class Migration(migrations.Migration):

    dependencies = [
        ("library", "0020_sharelinks"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(
                model_name="photo", name="has_raw_partner",
                field=models.BooleanField(
                    db_default=False, default=False, editable=False,
                    help_text="Whether a raw is shown with this file (a RAW+JPEG pair's JPEG): kept by curation.moments.")),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column)],
        ),
        migrations.RemoveIndex(model_name="photo", name="photo_raw_partner_idx"),
        migrations.AddIndex(model_name="photo", index=models.Index(
            fields=ORDER, name="photo_raw_tile_idx", condition=TILE & HOLDS_RAW)),
    ]
