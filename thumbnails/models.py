"""One row per rendition (photo, spec) that has been asked for, à la Wagtail's renditions: a
still thumbnail, a video's web rendition or a motion photo's cut-out video.

The row is three things at once: the record that a rendition is cached (status pages and the
admin filter count these), the cross-process single-flight claim (`claimed_until`, a lease
won by a conditional UPDATE, so it works on SQLite and PostgreSQL and across machines that
share the library), and the failure bookkeeping with back-off."""
from django.db import models

from library.models import Photo


class RenditionState(models.TextChoices):
    PENDING = "pending", "Not made yet"
    READY = "ready", "Cached"
    FAILED = "failed", "Failed"


class Rendition(models.Model):
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="renditions")
    spec = models.CharField(max_length=32, help_text="The spec string (names.RenditionSpec): h400-webp-v1, v1080-h264-v1.")
    state = models.CharField(max_length=7, choices=RenditionState.choices, default=RenditionState.PENDING)
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
        indexes = [
            models.Index(fields=["spec", "state"], name="thumbnail_spec_state_idx"),
            # The renditions being made now (a lease taken, not yet released): a handful, found
            # without reading the others.
            models.Index(fields=["spec", "claimed_until"], name="thumbnail_claimed_idx",
                         condition=models.Q(claimed_until__isnull=False)),
        ]

    def __str__(self):
        return f"{self.spec} of photo {self.photo_id} ({self.state})"


class RenditionTally(models.Model):
    """A change of how many rendition rows share a spec, a state and their photo's counted
    properties (in the trash or not, its playback), and of their bytes, written by database
    triggers as rows and photos change; their sum is the count (library.tallies,
    thumbnails.rendition_tally), so that a status never counts the rendition table."""
    spec = models.CharField(max_length=32)
    state = models.CharField(max_length=7)
    trashed = models.BooleanField()
    playback = models.CharField(max_length=9, blank=True)
    renditions = models.BigIntegerField()
    bytes = models.BigIntegerField(help_text="The sum of the rows' sizes that are known.")
    unsized = models.BigIntegerField(help_text="Rows whose size is not known.")
