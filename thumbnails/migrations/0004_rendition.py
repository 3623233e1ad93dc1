"""The rendition rows' model says what it holds: every cached derivative (thumbnails, video
renditions, motion cut-outs), not only thumbnails. The tally triggers name the table, so they are
dropped before the rename and made again after it, on the same tally (no row changes between)."""
from django.db import migrations, models
import django.db.models.deletion

from library import tallies
from thumbnails import rendition_tally

BEFORE, AFTER = "thumbnails_thumbnail", "thumbnails_rendition"


def triggers_on(table):
    def create(apps, schema_editor):
        tallies.create(schema_editor, rendition_tally.triggers_of(table))
    return create


def drop_triggers_on(table):
    def drop(apps, schema_editor):
        tallies.uninstall(schema_editor, rendition_tally.triggers_of(table))
    return drop


class Migration(migrations.Migration):

    dependencies = [
        ('thumbnails', '0003_rendition_tallies'),
    ]

    operations = [
        migrations.RunPython(drop_triggers_on(BEFORE), triggers_on(BEFORE)),
        migrations.RenameModel(old_name='Thumbnail', new_name='Rendition'),
        migrations.AlterField(
            model_name='rendition',
            name='photo',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='renditions', to='library.photo'),
        ),
        migrations.AlterField(
            model_name='rendition',
            name='spec',
            field=models.CharField(help_text='The spec string (names.RenditionSpec): h400-webp-v1, v1080-h264-v1.', max_length=32),
        ),
        migrations.RunPython(triggers_on(AFTER), drop_triggers_on(AFTER)),
    ]
