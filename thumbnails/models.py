"""One row per rendition (photo, spec) that has been asked for, à la Wagtail's renditions.

The row is three things at once: the record that a thumbnail is cached (status pages and the
admin filter count these), the cross-process single-flight claim (`claimed_until`, a lease
won by a conditional UPDATE, so it works on SQLite and PostgreSQL and across machines that
share the library), and the failure bookkeeping with back-off."""
from django.db import models

from library.models import Photo


class ThumbnailState(models.TextChoices):
    PENDING = "pending", "Not made yet"
    READY = "ready", "Cached"
    FAILED = "failed", "Failed"


class Thumbnail(models.Model):
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="thumbnails")
    spec = models.CharField(max_length=32, help_text="ThumbnailSpec string, e.g. h400-jpeg-v1.")
    state = models.CharField(max_length=7, choices=ThumbnailState.choices, default=ThumbnailState.PENDING)
    name = models.CharField(max_length=255, blank=True, help_text="Name in the thumbnails storage.")
    bytes = models.PositiveIntegerField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    generations = models.PositiveIntegerField(default=0, help_text="How many times it was made (1 unless remade).")
    attempts = models.PositiveIntegerField(default=0, help_text="Failed attempts since the last success.")
    last_error = models.TextField(blank=True)
    retry_after = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, help_text="Lease of the process making it.")
    placeholder = models.CharField(
        max_length=36, blank=True, default="",
        help_text="The tile thumbnail's ThumbHash in base64, shown while it loads (thumbnails.placeholders).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["photo", "spec"], name="thumbnail_photo_spec_unique")]
        indexes = [models.Index(fields=["spec", "state"], name="thumbnail_spec_state_idx")]

    def __str__(self):
        return f"{self.spec} of photo {self.photo_id} ({self.state})"
