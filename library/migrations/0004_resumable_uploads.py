import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

STALE_UPLOADS_TASK = "library.tasks.remove_stale_uploads"


def schedule_stale_upload_removal(apps, schema_editor):
    """The workers remove resumable uploads untouched for a day, once an hour."""
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="remove stale resumable uploads",
        defaults={"func": STALE_UPLOADS_TASK, "schedule_type": "H", "repeats": -1},
    )


def unschedule_stale_upload_removal(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=STALE_UPLOADS_TASK).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("library", "0003_camera_wall_clock"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ResumableUpload",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("original_name", models.CharField(max_length=255)),
                ("length", models.PositiveBigIntegerField()),
                ("claimed_sha256", models.CharField(help_text="What the browser computed; only compared, never trusted.", max_length=64)),
                ("last_modified", models.BigIntegerField(blank=True, help_text="The browser's File.lastModified (ms).", null=True)),
                ("temp_name", models.CharField(max_length=255, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True, db_index=True)),
                ("session", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="resumable_uploads", to="library.importsession")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="resumable_uploads", to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.RunPython(schedule_stale_upload_removal, unschedule_stale_upload_removal),
    ]
