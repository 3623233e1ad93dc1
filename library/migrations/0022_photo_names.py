"""The photos' names, titles and days in a narrow table kept by triggers (library.photo_names),
filled from the photos already there in the migration's transaction. Creating the triggers
locks the photo table against writes until the migration commits (an import waits the seconds
the copy and its indexes take at a million photos), so no photo is written between the copy and
its triggers."""
from django.db import migrations, models

from library import photo_names


def install(apps, schema_editor):
    photo_names.install(schema_editor)


def uninstall(apps, schema_editor):
    photo_names.uninstall(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('library', '0021_raw_tiles'),
    ]

    operations = [
        migrations.CreateModel(
            name='PhotoName',
            fields=[
                ('photo', models.OneToOneField(db_constraint=False, on_delete=models.deletion.DO_NOTHING,
                                               primary_key=True, related_name='+', serialize=False,
                                               to='library.photo')),
                ('taken_on', models.DateField()),
                ('original_name', models.CharField(max_length=255)),
                ('title', models.CharField(blank=True, max_length=255)),
            ],
        ),
        migrations.RunPython(install, uninstall),
        migrations.AddIndex(
            model_name='photoname',
            index=models.Index(fields=['taken_on'], name='photo_name_copy_day_idx'),
        ),
    ]
