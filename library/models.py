"""The library's records: one Photo per unique file, the import sessions that brought them in, and
what people make of them (favourites, albums).

Files that are one moment to a person (a Live Photo's still and motion, a RAW+JPEG pair) stay a
Photo each, so duplicates are still found per file; the one the gallery shows is their face, and
the others point at it (`shown_with`). Trash, restore and fix-date act on the whole moment."""
import uuid
from datetime import UTC

from django.conf import settings
from django.db import models

from library.media.dates import DateSource, ZoneSource, dating, offset_label, shown_time
from library.media.detection import MediaKind
from library.media.motion_photos import EmbeddedVideo
from library.media.places import zone_named
from library.media.raw_families import RAW_EXTENSIONS
from library.media.sidecar_names import match_key
from library.media.video_metadata import playback_codecs
from library.media.video_playback import Playback, verdict
from library.originals import local_copy
from library.paths import TRASH_DIR


class ImportSource(models.TextChoices):
    WEB = "web", "Web upload"
    CLI = "cli", "Command line"


class OutcomeStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    DUPLICATE = "duplicate", "Duplicate"
    FAILED = "failed", "Failed"
    # Not media (a sidecar, Thumbs.db, text): passed by, not a failure (library.media.not_media).
    SKIPPED = "skipped", "Skipped (not a photo or video)"


class ImportSession(models.Model):
    source = models.CharField(max_length=8, choices=ImportSource.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_sessions"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    imported_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    duration_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-started_at"], name="session_started_idx")]

    def __str__(self):
        return f"Import #{self.pk} ({self.get_source_display()}, {self.started_at:%Y-%m-%d %H:%M})"

    @property
    def is_finished(self):
        return self.finished_at is not None

    def counts(self):
        return {
            "imported": self.imported_count,
            "duplicate": self.duplicate_count,
            "failed": self.failed_count,
            "skipped": self.skipped_count,
        }


# A photo outside the trash: what thumbnails are counted and made for.
IN_LIBRARY = models.Q(trashed_at__isnull=True)
# A gallery tile: in the library, and not a file shown through another one's tile (a Live Photo's
# motion, a RAW+JPEG pair's raw). A condition without parameters, so that SQLite can match the
# gallery's query to the partial index below (it never matches a bound value to an index's literal).
MOMENT_FACE = models.Q(shown_with__isnull=True)
GALLERY_TILE = IN_LIBRARY & MOMENT_FACE


# A raw file (a raw alone, or a RAW+JPEG pair's raw): the search's `kind=raw`, and its indexes' condition.
RAW_FORMAT = models.Q(format__in=sorted(RAW_EXTENSIONS))
# A tile that is a raw or shows one (a RAW+JPEG pair's JPEG): the search's `kind=raw`, told from
# the tile's own row, so that its index lists such tiles in the gallery's order.
HOLDS_RAW = RAW_FORMAT | models.Q(has_raw_partner=True)
# A file shown through another one's tile (a Live Photo's motion, a pair's raw).
PARTNER = models.Q(shown_with__isnull=False)
# The columns the search matches exactly, each with its index of the gallery's tiles.
SEARCHED_COLUMNS = [("camera_model", "photo_camera_tile_idx"), ("camera_make", "photo_make_tile_idx"),
                    ("place_country", "photo_country_tile_idx"), ("place_region", "photo_region_tile_idx"),
                    ("place_city", "photo_city_tile_idx")]


class PhotoQuerySet(models.QuerySet):
    def in_library(self):
        return self.filter(IN_LIBRARY)

    def gallery_tiles(self):
        return self.filter(GALLERY_TILE)

    def in_trash(self):
        return self.exclude(IN_LIBRARY)

    def visible_to(self, user):
        return self.filter(visible_condition(user))


class PhotoTally(models.Model):
    """A change of how many photos share these counted properties, written by database triggers as
    photos change; their sum is the count (library.tallies, library.photo_tally), so that a
    status never counts the photo table."""
    trashed = models.BooleanField()
    kind = models.CharField(max_length=5)
    motion = models.BooleanField(help_text="A still with a video inside.")
    playback = models.CharField(max_length=9, blank=True)
    photos = models.BigIntegerField()


class Photo(models.Model):
    """A unique file in the library (photos and videos alike), identified by its SHA-256."""

    sha256 = models.CharField(max_length=64, unique=True)
    edge_sha256 = models.CharField(
        max_length=64, blank=True, editable=False,
        help_text="SHA-256 of the file's first and last 64 KB (importing.edge_hash); blank: imported before "
                  "it was recorded, until `manage.py edgehashes` fills it in.")
    kind = models.CharField(max_length=5, choices=MediaKind.choices)
    original_name = models.CharField(max_length=255)
    name_key = models.CharField(
        max_length=32, blank=True, editable=False,
        help_text="The start of the original name's base (sidecar_names.match_key): a sidecar finds its photo by it.")
    path = models.CharField(max_length=255, unique=True, help_text="Relative to the library root.")
    size = models.PositiveBigIntegerField()
    format = models.CharField(max_length=16, help_text="Detected from the content, e.g. jpeg, heic, mp4.")
    mime_type = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True, help_text="As displayed (after orientation).")
    height = models.PositiveIntegerField(null=True, blank=True, help_text="As displayed (after orientation).")
    orientation = models.PositiveSmallIntegerField(null=True, blank=True, help_text="EXIF orientation 1-8.")
    duration = models.FloatField(null=True, blank=True, help_text="Seconds, for videos.")
    video_codecs = models.CharField(max_length=64, blank=True,
                                    help_text="What the import's probe found, for videos and motion photos' videos.")
    playback = models.CharField(max_length=9, choices=Playback.choices, blank=True,
                                help_text="The import's verdict for videos and motion photos' videos "
                                          "(library.media.video_playback).")
    taken_at = models.DateTimeField(help_text="The exact instant: the order of photos within a day.")
    taken_at_offset = models.SmallIntegerField(
        help_text="Minutes east of UTC of the wall clock the photo is shown by (the camera's).")
    taken_on = models.DateField(help_text="The day on that wall clock: the gallery's day and its folder's.")
    taken_at_source = models.CharField(max_length=10, choices=DateSource.choices)
    zone_source = models.CharField(
        max_length=6, choices=ZoneSource.choices, blank=True,
        help_text="Where the zone of the wall clock came from (blank: imported before this was recorded).")
    latitude = models.FloatField(null=True, blank=True, help_text="Degrees north, where it was taken (GPS).")
    longitude = models.FloatField(null=True, blank=True, help_text="Degrees east.")
    altitude = models.FloatField(null=True, blank=True, help_text="Metres above sea level (negative: below).")
    place_city = models.CharField(max_length=100, blank=True, help_text="The nearest town (GeoNames, offline).")
    place_region = models.CharField(max_length=100, blank=True)
    place_country = models.CharField(max_length=100, blank=True)
    place_country_code = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2.")
    time_zone = models.CharField(max_length=64, blank=True, help_text="The IANA zone at the GPS position.")
    camera_make = models.CharField(max_length=64, blank=True)
    camera_model = models.CharField(max_length=64, blank=True)
    # How it was exposed, as the camera recorded it (EXIF, or LibRaw for raws); null where it did not say.
    lens_make = models.CharField(max_length=64, blank=True)
    lens_model = models.CharField(max_length=64, blank=True)
    f_number = models.FloatField(null=True, blank=True, help_text="The aperture, e.g. 1.8 for f/1.8.")
    exposure_time = models.FloatField(null=True, blank=True, help_text="The shutter speed, in seconds.")
    iso = models.PositiveIntegerField(null=True, blank=True, help_text="ISO speed (sensitivity).")
    focal_length = models.FloatField(null=True, blank=True, help_text="Millimetres, as the lens is marked.")
    focal_length_35mm = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Millimetres, as the same view on a 35 mm film camera.")
    imported_at = models.DateTimeField(auto_now_add=True)
    import_session = models.ForeignKey(
        ImportSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    trashed_at = models.DateTimeField(null=True, blank=True, help_text=f"Set while the file is in {TRASH_DIR}/.")
    shown_with = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="partners", db_index=False,
        help_text="The photo whose tile shows this file too: a Live Photo's still for its motion, "
                  "a RAW+JPEG pair's JPEG for its raw. Together they are one moment.",
    )
    has_raw_partner = models.BooleanField(
        default=False, db_default=False, editable=False,
        help_text="Whether a raw is shown with this file (a RAW+JPEG pair's JPEG): kept by curation.moments.",
    )
    content_identifier = models.CharField(
        max_length=64, blank=True, help_text="Apple's Live Photo identifier, shared by the still and its motion."
    )
    source_folder = models.CharField(
        max_length=1024, blank=True, help_text="The folder the file was imported from (empty for web uploads)."
    )
    embedded_video_offset = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Where the video inside a motion photo starts, in bytes."
    )
    embedded_video_length = models.PositiveBigIntegerField(null=True, blank=True)
    # What a person said about the photo in another app, read from its sidecar (XMP, Takeout JSON).
    title = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    keywords = models.JSONField(default=list, blank=True, help_text="A list of words, as the sidecar gave them.")
    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Stars, 0-5.")
    label = models.CharField(max_length=32, blank=True, help_text="A colour label (Lightroom, darktable).")

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [
            models.Index(fields=["-taken_at", "-id"], name="photo_timeline_idx"),
            models.Index(fields=["import_session", "id"], name="photo_session_idx"),
            models.Index(fields=["kind", "-taken_at"], name="photo_kind_timeline_idx"),
            # The gallery's keyset walk: only its tiles, already in display order (days on the
            # camera's clock, newest first; within a day, by the exact instant).
            models.Index(
                fields=["-taken_on", "-taken_at", "-id"], name="photo_gallery_tile_idx", condition=GALLERY_TILE
            ),
            # A tile's partners. Partial, so that no planner takes it to find the gallery's tiles
            # (`shown_with IS NULL`, nearly every row) and then sort them.
            models.Index(fields=["shown_with"], name="photo_partner_idx", condition=PARTNER),
            models.Index(fields=["content_identifier"], name="photo_content_id_idx"),
            # The admin's list (library.admin_timeline): its date drill-down probes every photo's
            # day and lists a chosen year, month or day in the gallery's order,
            # each sortable column orders by itself then the timeline, the camera filter lists models by probes, and the trash and playback filters walk their own few photos in order. On
            # PostgreSQL, migration 0012 adds a trigram index for the name search too.
            models.Index(fields=["-taken_on", "-taken_at", "-id"], name="photo_taken_on_idx"),
            models.Index(fields=["camera_model", "-taken_at", "-id"], name="photo_camera_timeline_idx"),
            models.Index(fields=["original_name", "-taken_at", "-id"], name="photo_name_timeline_idx"),
            models.Index(fields=["size", "-taken_at", "-id"], name="photo_size_timeline_idx"),
            # The web import's questions before it sends (services.web_import): which sizes, and
            # which (size, edge hash) pairs, a photo in the library has. Index-only on PostgreSQL.
            models.Index(fields=["size", "edge_sha256"], name="photo_size_edge_idx", condition=IN_LIBRARY),
            models.Index(fields=["-taken_at", "-id"], name="photo_trash_timeline_idx",
                         condition=models.Q(trashed_at__isnull=False)),
            models.Index(fields=["playback", "-taken_at", "-id"], name="photo_playback_timeline_idx",
                         condition=~models.Q(playback="")),
            # The videos and motion photos served a web rendition (library.playback.videos_served_renditions,
            # "needed"): the same condition, so that the planner matches the two.
            models.Index(fields=["-taken_at", "-id"], name="photo_rendition_timeline_idx",
                         condition=(models.Q(kind="video") | models.Q(embedded_video_offset__isnull=False))
                         & ~models.Q(playback="original")),
            models.Index(fields=["name_key"], name="photo_name_key_idx"),
            # The search's first page (services.search.matching over the timeline's walk): for a
            # camera or a place, the gallery's tiles of that value already in display order, so a
            # rare value or one from years ago costs what a common one does (the gallery's own
            # index would be read from today back to it).
            *(models.Index(fields=[column, "-taken_on", "-taken_at", "-id"], name=name, condition=GALLERY_TILE)
              for column, name in SEARCHED_COLUMNS),
            # `kind=raw`: the tiles that are a raw or show one, in display order, however few and
            # long ago. `kind=live` walks the gallery's tiles keeping those that show a motion: the
            # faces with one are read first, from the second (a few rows each), into a hash the walk probes.
            models.Index(fields=["-taken_on", "-taken_at", "-id"], name="photo_raw_tile_idx",
                         condition=GALLERY_TILE & HOLDS_RAW),
            models.Index(fields=["shown_with"], name="photo_motion_partner_idx",
                         condition=PARTNER & models.Q(kind=MediaKind.VIDEO)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__lte=5), name="photo_rating_0_5"),
        ]

    def __str__(self):
        return f"{self.original_name} ({self.taken_on:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        """A row made with only `taken_at` (a test, the shell) gets its wall clock from it, as the
        import's would (`dating`), and its name key; `bulk_create` callers pass both themselves."""
        if self.taken_on is None:
            vars(self).update(dating(self.taken_at))
        self.name_key = self.name_key or match_key(self.original_name)
        super().save(*args, **kwargs)

    @property
    def taken_local(self):
        """When it was taken, on the camera's own clock (naive): what every page shows."""
        return shown_time(self.taken_at, self.taken_at_offset)

    @property
    def taken_zone(self) -> str:
        return offset_label(self.taken_at_offset)

    @property
    def zone(self):
        """The ZoneInfo at its GPS position (None without one): pass it to `dating` with a new date."""
        return zone_named(self.time_zone)

    @property
    def place(self) -> str:
        """'Arezzo, Tuscany, Italy': the place's names, for people ("" without GPS)."""
        return ", ".join(dict.fromkeys(name for name in (self.place_city, self.place_region, self.place_country) if name))

    @property
    def is_video(self):
        return self.kind == MediaKind.VIDEO

    @property
    def has_embedded_video(self):
        return self.embedded_video_offset is not None

    def is_visible_to(self, user) -> bool:
        return photo_is_visible(self.trashed_at is not None, user)

    def record_playback(self):
        """For a video, or a motion photo, imported before verdicts were recorded: probes its video
        now and records the codecs and verdict on its row (and on this instance). A video that no
        longer reads keeps a blank verdict."""
        embedded = None if self.is_video else EmbeddedVideo(self.embedded_video_offset, self.embedded_video_length or 0)
        try:
            with local_copy(self.path) as path:
                found = playback_codecs(path, self.format, embedded)
        except FileNotFoundError:  # gone from the object store: as a video that no longer reads
            return
        if found is None:
            return
        codecs, file_format = found
        self.video_codecs, self.playback = codecs.summary(), verdict(file_format, codecs)
        Photo.objects.filter(pk=self.pk).update(video_codecs=self.video_codecs, playback=self.playback)


def photo_is_visible(in_trash: bool, user) -> bool:
    """A photo in the trash is for the staff's eyes only (the admin); to others it is gone.

    Apart from `Photo.is_visible_to` so that the thumbnail fast path, which knows only whether a
    photo was in the trash and whether a session is staff's, asks the very same rule."""
    return not in_trash or user.is_staff


def import_sessions_visible_to(user) -> models.QuerySet:
    """The import sessions a person may follow (their page, their event channel, their uploads'
    target): web sessions only, as only those have a page and events; their own, or anyone's
    for staff; none for someone not logged in. The HTTP views and the SSE channel both ask this."""
    if user is None or not user.is_authenticated:
        return ImportSession.objects.none()
    sessions = ImportSession.objects.filter(source=ImportSource.WEB)
    return sessions if user.is_staff else sessions.filter(user=user)


def uploads_visible_to(user) -> models.QuerySet:
    """A resumable upload is only ever its creator's, staff included: its bytes so far are that
    person's, and a second writer would interleave pieces."""
    if user is None or not user.is_authenticated:
        return ResumableUpload.objects.none()
    return ResumableUpload.objects.filter(user=user)


class ImportOutcome(models.Model):
    """What happened to one file of an import session, kept so a person can see why a file failed
    or which photo their 'duplicate' already is."""

    session = models.ForeignKey(ImportSession, on_delete=models.CASCADE, related_name="outcomes")
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=9, choices=OutcomeStatus.choices)
    error = models.TextField(blank=True)
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="outcomes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["session", "status"], name="outcome_session_status_idx"),
            # The admin's filter by status, in order: the few duplicates and failures among many imports.
            models.Index(fields=["status", "id"], name="outcome_status_idx", condition=~models.Q(status="imported")),
        ]

    def __str__(self):
        return f"{self.original_name}: {self.status}"


def visible_condition(user, through: str = "") -> models.Q:
    """`photo_is_visible` as a query's condition on photos, reached `through` a relation
    ("photo__" from an album's entries): a join on the photo row, never a subquery over them all."""
    return models.Q() if user.is_staff else models.Q(**{f"{through}trashed_at__isnull": True})


class Favourite(models.Model):
    """One person's favourite: each user has their own (a family shares a library, not a taste)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "photo"], name="favourite_once_per_user")]
        # The unique index serves "this user's favourites"; this one a photo's (its deletion's cascade).
        indexes = [models.Index(fields=["photo"], name="favourite_photo_idx")]

    def __str__(self):
        return f"{self.user} ♥ {self.photo_id}"


class Album(models.Model):
    """A named set of photos kept by its owner and shared with chosen users
    (library.curation.albums.album_access says who may do what)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="albums")
    title = models.CharField(max_length=200)
    cover = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="The photo on the album's card; without one, its newest photo.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    photos = models.ManyToManyField(Photo, through="AlbumPhoto", related_name="albums", blank=True)

    class Meta:
        ordering = ["-updated", "-id"]

    def __str__(self):
        return self.title


class AlbumPhoto(models.Model):
    """A photo in an album. A photo in the trash keeps its place: it is hidden at query time, and
    comes back with a restore."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="entries")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="album_entries")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["album", "photo"], name="album_photo_once")]
        indexes = [models.Index(fields=["photo"], name="album_photo_photo_idx")]

    def __str__(self):
        return f"{self.album}: {self.photo_id}"


class AlbumMember(models.Model):
    """A user the owner shared the album with: to look at, or to look at and add to."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="album_memberships")
    can_add = models.BooleanField(default=False, help_text="May add photos (and remove those they added).")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["album", "user"], name="album_member_once")]
        indexes = [models.Index(fields=["user"], name="album_member_user_idx")]

    def __str__(self):
        return f"{self.user} in {self.album}"


class ShareLink(models.Model):
    """A link that shows one album to anyone who has it, without an account
    (library.services.share_links). Only the token's SHA-256 is kept: a copy of the database
    does not give away working links, and a lost link can only be revoked and made again."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="share_links")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links")
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    expires_on = models.DateField(null=True, blank=True, help_text="The last day the link works; blank: no end.")
    password = models.CharField(max_length=128, blank=True, help_text="A password hash (blank: none asked).")
    allow_download = models.BooleanField(default=False, help_text="Originals may be downloaded.")
    keep_location = models.BooleanField(
        default=False, help_text="Where photos were taken is shown; otherwise it is removed (and originals "
                                 "that carry it are not served).")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["album"], name="share_link_album_idx"),
                   models.Index(fields=["created_by"], name="share_link_creator_idx")]

    def __str__(self):
        return f"Link to {self.album}"


class ResumableUpload(models.Model):
    """A web upload that arrives in pieces (tus), whose bytes so far wait in `.import_temp` under
    `temp_name`; how many there are is the file's size on disk, never a number kept here (a
    server killed mid-piece keeps what it wrote). It is its user's alone. Removed once complete,
    terminated, or untouched for a day (the workers and `checklibrary --repair`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resumable_uploads")
    session = models.ForeignKey(ImportSession, on_delete=models.CASCADE, related_name="resumable_uploads")
    original_name = models.CharField(max_length=255)
    length = models.PositiveBigIntegerField()
    claimed_sha256 = models.CharField(max_length=64, help_text="What the browser computed; only compared, never trusted.")
    last_modified = models.BigIntegerField(null=True, blank=True, help_text="The browser's File.lastModified (ms).")
    temp_name = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self):
        return f"{self.original_name} ({self.length:,} bytes)"


class MoveReason(models.TextChoices):
    TRASH = "trash", "Moved to the trash"
    RESTORE = "restore", "Restored from the trash"
    REDATE = "redate", "Date taken fixed"
    PLACE = "place", "Dated in the time zone of its place"
    SIDECAR = "sidecar", "Date taken from a sidecar"


class FileMove(models.Model):
    """A journal entry written (and committed) *before* an original file is moved, deleted with the
    row update once the move is done. A crash in between leaves this row behind, so a later
    `checklibrary --repair` can finish the move (the file is at `target`) or forget it (the file
    is still at `source`); `row_changes()` says what finishing means for the Photo."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="file_moves")
    reason = models.CharField(max_length=8, choices=MoveReason.choices)
    source = models.CharField(max_length=255, help_text="Relative to the library root.")
    target = models.CharField(max_length=255, help_text="Relative to the library root.")
    taken_at = models.DateTimeField(null=True, blank=True, help_text="The new date taken, when redating.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.source} → {self.target}"

    def row_changes(self):
        """The Photo fields that go with the file being at `target`."""
        changes = {"path": self.target}
        if self.reason == MoveReason.TRASH:
            changes["trashed_at"] = self.created_at
        elif self.reason == MoveReason.RESTORE:
            changes["trashed_at"] = None
        elif self.reason == MoveReason.PLACE:
            changes.update(**dating(self.taken_at.astimezone(UTC), self.photo.zone))
        elif self.reason == MoveReason.SIDECAR:  # a sidecar's date is read where the photo was taken
            changes.update(**dating(self.taken_at, self.photo.zone), taken_at_source=DateSource.SIDECAR)
        else:
            changes.update(**dating(self.taken_at), taken_at_source=DateSource.MANUAL)
        return changes


class PendingSidecar(models.Model):
    """A sidecar (XMP, Takeout JSON) whose photo is not in the library yet: kept until the photo
    comes, in this import or a later one, from the same folder (the command line) or the same
    person (the web). Whichever of the two is committed second finds the other; the one that
    deletes this row applies it (library.importing.sidecar_matching)."""

    original_name = models.CharField(max_length=255)
    match_key = models.CharField(max_length=64, help_text="The start of the photo's base name (sidecar_names).")
    source_folder = models.CharField(max_length=1024, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="pending_sidecars")
    kind = models.CharField(max_length=8, help_text="xmp or takeout")
    facts = models.JSONField(help_text="library.media.sidecar_facts.SidecarFacts, as JSON.")
    content = models.TextField(blank=True, help_text="An XMP sidecar's text, to keep beside its photo.")
    outcome = models.ForeignKey(ImportOutcome, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["match_key", "source_folder"], name="pending_sidecar_key_idx")]

    def __str__(self):
        return f"{self.original_name} (waiting for its photo)"


class EventChannel(models.Model):
    """A channel of import progress events and the number of its last event: appending takes the
    next number with one UPDATE, so numbers are dense and ordered within a channel across processes."""

    name = models.CharField(max_length=255, unique=True)
    last_event = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.name} ({self.last_event} events)"


class StoredEvent(models.Model):
    """One event of a channel, kept so that a browser that reconnects (Last-Event-ID) or reloads
    the page replays what it missed (library.events.storage)."""

    channel = models.CharField(max_length=255)
    number = models.BigIntegerField()
    type = models.CharField(max_length=255)
    data = models.TextField()
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "number"], name="stored_event_channel_number")]

    def __str__(self):
        return f"{self.channel}:{self.number} {self.type}"


class PhotoName(models.Model):
    """A photo's name, title and day, kept by database triggers on the photo table
    (library.photo_names, migration 0022): the narrow copy that the search's name filter reads to
    learn how many files hold a term and on which days, from trigram indexes on PostgreSQL. Read
    from the photo table, many matches cost a wide row each (a third of a kilobyte, mostly paths
    and hashes); here a tenth of that, in a table small enough to stay in memory."""

    photo = models.OneToOneField(Photo, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="+")
    taken_on = models.DateField()
    original_name = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)

    class Meta:
        # A name searched within dates (`date=2014&name=IMG_00`) that most files hold: their days.
        indexes = [models.Index(fields=["taken_on"], name="photo_name_copy_day_idx")]


class DayTiles(models.Model):
    """How many gallery tiles (GALLERY_TILE) the whole library has on each day, kept by database
    triggers on the photo table (migration 0017), so that every way a row changes (imports,
    trash, redating, deletes, moments, even a bulk update) keeps it right in the same transaction.
    The timeline's day summary reads it instead of counting a million rows; a day whose count went
    back to 0 stays until it is reused."""

    day = models.DateField(primary_key=True)
    tiles = models.IntegerField()

    class Meta:
        verbose_name_plural = "day tiles"
