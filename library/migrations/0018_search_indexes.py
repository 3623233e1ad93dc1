from django.db import migrations, models

# The gallery's tile condition (models.GALLERY_TILE) and a partner's (models.PARTNER), spelled
# out: a migration keeps the conditions it was written with.
TILE = models.Q(("trashed_at__isnull", True), ("shown_with__isnull", True))
PARTNER = models.Q(("shown_with__isnull", False))
ORDER = ["-taken_on", "-taken_at", "-id"]
# library.media.raw_families.RAW_EXTENSIONS when this was written, sorted.
RAW_FORMATS = ["3fr", "arw", "cr2", "cr3", "crw", "dcr", "dng", "erf", "fff", "gpr", "iiq", "kdc", "mef", "mos", "mrw",
               "nef", "nrw", "orf", "pef", "raf", "raw", "rw2", "rwl", "sr2", "srf", "srw", "x3f"]


class Migration(migrations.Migration):

    dependencies = [
        ("library", "0017_day_tiles"),
    ]

    operations = [
        *(migrations.AddIndex(model_name="photo", index=models.Index(fields=[column, *ORDER], name=name, condition=TILE))
          for column, name in [("camera_model", "photo_camera_tile_idx"), ("camera_make", "photo_make_tile_idx"),
                               ("place_country", "photo_country_tile_idx"), ("place_region", "photo_region_tile_idx"),
                               ("place_city", "photo_city_tile_idx")]),
        migrations.AddIndex(model_name="photo", index=models.Index(
            fields=["shown_with"], name="photo_raw_partner_idx", condition=PARTNER & models.Q(format__in=RAW_FORMATS))),
        migrations.AddIndex(model_name="photo", index=models.Index(
            fields=["shown_with"], name="photo_motion_partner_idx", condition=PARTNER & models.Q(kind="video"))),
    ]
