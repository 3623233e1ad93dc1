from django.db import migrations, models

# The admin's name and title search (`UPPER(original_name) LIKE '%…%'`, the same of the title a
# sidecar gave) on trigram indexes: PostgreSQL only (pg_trgm is a trusted extension there; SQLite
# has no such index and its libraries are small).
TRIGRAM_INDEX = "photo_name_trigram_idx"
TITLE_TRIGRAM_INDEX = "photo_title_trigram_idx"


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON library_photo USING gin (UPPER(original_name) gin_trgm_ops)"
        )
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TITLE_TRIGRAM_INDEX} ON library_photo USING gin (UPPER(title) gin_trgm_ops)"
        )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
        schema_editor.execute(f"DROP INDEX IF EXISTS {TITLE_TRIGRAM_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('library', '0011_motion_photo_playback'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='photo',
            index=models.Index(fields=['-taken_on', '-taken_at', '-id'], name='photo_taken_on_idx'),
        ),
        migrations.AddIndex(
            model_name='photo',
            index=models.Index(fields=['camera_model', '-taken_at', '-id'], name='photo_camera_timeline_idx'),
        ),
        migrations.AddIndex(
            model_name='photo',
            index=models.Index(fields=['original_name', '-taken_at', '-id'], name='photo_name_timeline_idx'),
        ),
        migrations.AddIndex(
            model_name='photo',
            index=models.Index(fields=['size', '-taken_at', '-id'], name='photo_size_timeline_idx'),
        ),
        migrations.AddIndex(
            model_name='photo',
            index=models.Index(condition=models.Q(('trashed_at__isnull', False)), fields=['-taken_at', '-id'], name='photo_trash_timeline_idx'),
        ),
        migrations.AddIndex(
            model_name='photo',
            index=models.Index(condition=models.Q(('playback', ''), _negated=True), fields=['playback', '-taken_at', '-id'], name='photo_playback_timeline_idx'),
        ),
        migrations.AddIndex(
            model_name='photo',
            index=models.Index(condition=models.Q(models.Q(('kind', 'video'), ('embedded_video_offset__isnull', False), _connector='OR'), models.Q(('playback', 'original'), _negated=True)), fields=['-taken_at', '-id'], name='photo_rendition_timeline_idx'),
        ),
        migrations.AddIndex(
            model_name='importoutcome',
            index=models.Index(condition=models.Q(('status', 'imported'), _negated=True), fields=['status', 'id'], name='outcome_status_idx'),
        ),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
