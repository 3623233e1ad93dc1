"""Each photo's wall clock: the offset it is shown by and that clock's day (the gallery's day groups).

Rows imported before this kept only the instant: the camera's EXIF offset was applied and then
lost. A photo dated from EXIF gets it back from its file (when the file still gives the same
instant); every other row (videos, dates from names or file times, a file that cannot be read)
keeps the wall clock it was shown and filed by until now, the site's TIME_ZONE."""
import struct
from pathlib import Path

from django.conf import settings
from django.db import migrations, models

from library.media.dates import dating, parse_exif_datetime

BATCH = 1000
EXIF_IFD = 0x8769
DATETIME, DATETIME_ORIGINAL, DATETIME_DIGITIZED = 0x0132, 0x9003, 0x9004
OFFSET_TIME, OFFSET_TIME_ORIGINAL, OFFSET_TIME_DIGITIZED = 0x9010, 0x9011, 0x9012


def recorded_moment(path: Path):
    """The date the file's EXIF gives, with its offset (the import's order of tags)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            exif = image.getexif()
            sub_ifd = exif.get_ifd(EXIF_IFD)
    except (OSError, ValueError, SyntaxError, struct.error, Image.DecompressionBombError):
        return None
    for value, offset in ((sub_ifd.get(DATETIME_ORIGINAL), sub_ifd.get(OFFSET_TIME_ORIGINAL)),
                          (sub_ifd.get(DATETIME_DIGITIZED), sub_ifd.get(OFFSET_TIME_DIGITIZED)),
                          (exif.get(DATETIME), sub_ifd.get(OFFSET_TIME))):
        moment = parse_exif_datetime(value, offset)
        if moment is not None:
            return moment
    return None


def backfill(apps, schema_editor):
    photo_model = apps.get_model("library", "Photo")
    root = Path(settings.PHOTOSITE_LIBRARY_ROOT)
    batch = []
    for photo in photo_model.objects.order_by("id").iterator(chunk_size=BATCH):
        moment = photo.taken_at
        if photo.kind == "photo" and photo.taken_at_source == "exif":
            recorded = recorded_moment(root / photo.path)
            moment = recorded if recorded == photo.taken_at else moment
        fields = dating(moment)
        photo.taken_at_offset, photo.taken_on = fields["taken_at_offset"], fields["taken_on"]
        batch.append(photo)
        if len(batch) == BATCH:
            photo_model.objects.bulk_update(batch, ["taken_at_offset", "taken_on"])
            batch = []
    photo_model.objects.bulk_update(batch, ["taken_at_offset", "taken_on"])


class Migration(migrations.Migration):

    dependencies = [
        ("library", "0002_file_move_journal_gallery_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="taken_at_offset",
            field=models.SmallIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="photo",
            name="taken_on",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="photo",
            name="taken_at_offset",
            field=models.SmallIntegerField(
                help_text="Minutes east of UTC of the wall clock the photo is shown by (the camera's)."),
        ),
        migrations.AlterField(
            model_name="photo",
            name="taken_on",
            field=models.DateField(help_text="The day on that wall clock: the gallery's day and its folder's."),
        ),
        migrations.AlterField(
            model_name="photo",
            name="taken_at",
            field=models.DateTimeField(help_text="The exact instant: the order of photos within a day."),
        ),
        migrations.RemoveIndex(
            model_name="photo",
            name="photo_gallery_idx",
        ),
        migrations.AddIndex(
            model_name="photo",
            index=models.Index(condition=models.Q(("trashed_at__isnull", True)), fields=["-taken_on", "-taken_at", "-id"],
                               name="photo_gallery_day_idx"),
        ),
    ]
