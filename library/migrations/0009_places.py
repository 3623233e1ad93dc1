"""Where each photo was taken (GPS, its place's names) and where the zone of its wall clock came from.

Rows imported before this have no position (their files are not read again here). Their zone's
origin is recorded where the date's origin says it for certain: a video container's time or a
file time is a UTC instant shown in TIME_ZONE; a date from a file name or set by hand was read in
TIME_ZONE. A date from EXIF may have had the camera's offset or none: left blank (unknown)."""
from django.db import migrations, models

CERTAIN_ZONE_SOURCES = {"container": "utc", "mtime": "utc", "filename": "site", "manual": "site"}


def record_zone_sources(apps, schema_editor):
    photo_model = apps.get_model("library", "Photo")
    for date_source, zone_source in CERTAIN_ZONE_SOURCES.items():
        photo_model.objects.filter(taken_at_source=date_source).update(zone_source=zone_source)


class Migration(migrations.Migration):

    dependencies = [
        ('library', '0006_moments'),
    ]

    operations = [
        migrations.AddField(
            model_name='photo',
            name='altitude',
            field=models.FloatField(blank=True, help_text='Metres above sea level (negative: below).', null=True),
        ),
        migrations.AddField(
            model_name='photo',
            name='latitude',
            field=models.FloatField(blank=True, help_text='Degrees north, where it was taken (GPS).', null=True),
        ),
        migrations.AddField(
            model_name='photo',
            name='longitude',
            field=models.FloatField(blank=True, help_text='Degrees east.', null=True),
        ),
        migrations.AddField(
            model_name='photo',
            name='place_city',
            field=models.CharField(blank=True, help_text='The nearest town (GeoNames, offline).', max_length=100),
        ),
        migrations.AddField(
            model_name='photo',
            name='place_country',
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name='photo',
            name='place_country_code',
            field=models.CharField(blank=True, help_text='ISO 3166-1 alpha-2.', max_length=2),
        ),
        migrations.AddField(
            model_name='photo',
            name='place_region',
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name='photo',
            name='time_zone',
            field=models.CharField(blank=True, help_text='The IANA zone at the GPS position.', max_length=64),
        ),
        migrations.AddField(
            model_name='photo',
            name='zone_source',
            field=models.CharField(blank=True, choices=[('camera', "The camera's UTC offset"), ('gps', 'The time zone at the GPS position'), ('site', "The site's TIME_ZONE (no offset recorded)"), ('utc', 'A UTC instant (video container, file time) shown in TIME_ZONE')], help_text='Where the zone of the wall clock came from (blank: imported before this was recorded).', max_length=6),
        ),
        migrations.AlterField(
            model_name='filemove',
            name='reason',
            field=models.CharField(choices=[('trash', 'Moved to the trash'), ('restore', 'Restored from the trash'), ('redate', 'Date taken fixed'), ('place', 'Dated in the time zone of its place')], max_length=8),
        ),
        migrations.RunPython(record_zone_sources, migrations.RunPython.noop),
    ]
