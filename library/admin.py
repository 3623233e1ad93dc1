"""Curation in Django's admin. Previews only *link* to the thumbnail view (the browser asks
for them, the view makes them lazily); nothing is generated while a page renders. Photos are
never deleted outright: "delete" is the move to `.trash/`, reversible with "restore".

Other apps add their filters and actions to the photo list with `extend_photo_admin` from their
own admin module (thumbnails/admin.py: the thumbnail state filter, "Regenerate thumbnails").
Every action needs the change permission (`CHANGE`), not only staff status."""
import logging

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Exists, OuterRef
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import smart_split, unescape_string_literal
from django.utils.timesince import timesince

from library import (
    admin_albums,  # noqa: F401 - importing it registers the albums' admin
    admin_share_links,  # noqa: F401 - importing it registers the share links' admin
)
from library.admin_paging import EstimatedPaging
from library.admin_timeline import TimelinePaging
from library.curation.moments import CannotLinkError, link_by_hand, members, part_of, unlink
from library.curation.redating import redate
from library.curation.trash import move_to_trash, restore_from_trash
from library.importing.moment_pairing import is_raw
from library.media.places import NAMING_RADIUS_KM
from library.models import FileMove, ImportOutcome, ImportSession, PendingSidecar, Photo, ResumableUpload
from library.services import resumable_uploads
from library.services.search import camera_models, name_matches
from library.tile_records import clock
from thumbnails.links import playable_url, thumbnail_url

logger = logging.getLogger("photosite.admin")

# What every action on photos needs (their files move, their moments change, work is queued):
# an account that may only view photos is offered none of them, and one posted anyway is refused.
CHANGE = ["change"]

admin.site.site_header = "Photosite administration"
admin.site.site_title = "Photosite admin"
admin.site.index_title = "Curation"


class CameraFilter(admin.SimpleListFilter):
    title = "camera"
    parameter_name = "camera"

    def lookups(self, request, model_admin):
        return [(name, name) for name in camera_models()]

    def queryset(self, request, queryset):
        return queryset.filter(camera_model=self.value()) if self.value() else queryset


class TrashFilter(admin.SimpleListFilter):
    title = "trash"
    parameter_name = "trash"

    def lookups(self, request, model_admin):
        return [("no", "In the library"), ("yes", "In the trash")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.in_library() if self.value() == "no" else queryset.in_trash()


class MomentFilter(admin.SimpleListFilter):
    title = "moment"
    parameter_name = "moment"

    def lookups(self, request, model_admin):
        return [("face", "Shown with its motion or raw"), ("partner", "Shown through another file"),
                ("alone", "A file of its own")]

    def queryset(self, request, queryset):
        """`EXISTS` probes of the partner index per photo of the page (a join would read them all)."""
        has_partners = Exists(Photo.objects.filter(shown_with=OuterRef("pk")))
        if self.value() == "face":
            return queryset.filter(has_partners)
        if self.value() == "partner":
            return queryset.filter(shown_with__isnull=False)
        if self.value() == "alone":
            return queryset.filter(~has_partners, shown_with__isnull=True)
        return queryset


# The import sessions a filter offers: the latest ones (all of them would be thousands of links).
RECENT_SESSIONS = 20


class RecentSessionFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        chosen = ImportSession.objects.filter(pk__in=[value for value in self.lookup_val or [] if value.isdigit()])
        sessions = {*ImportSession.objects.order_by("-started_at")[:RECENT_SESSIONS], *chosen}
        return [(session.pk, str(session)) for session in sorted(sessions, key=lambda s: s.started_at, reverse=True)]


class RedateForm(forms.Form):
    taken_at = forms.DateTimeField(
        label="New date taken", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="In the site's time zone. The files move to the folder of the new day.",
    )


@admin.register(Photo)
class PhotoAdmin(TimelinePaging, admin.ModelAdmin):
    list_display = ["thumbnail", "original_name", "title", "rating", "kind", "taken", "camera_model", "size",
                    "shown_with", "in_trash"]
    list_display_links = ["thumbnail", "original_name"]
    list_select_related = ["shown_with"]
    list_filter = ["kind", "playback", TrashFilter, MomentFilter, CameraFilter, ("import_session", RecentSessionFilter)]
    search_fields = ["original_name", "sha256"]  # see get_search_results
    date_hierarchy = "taken_on"  # its links come from library.templatetags.photo_admin
    # Each has an index (column, -taken_at, -id); trash and partner are filters instead.
    sortable_by = ["original_name", "kind", "taken", "camera_model", "size"]
    list_per_page = 50
    actions = ["fix_date_taken", "trash_photos", "restore_photos", "link_moment", "unlink_moment"]
    readonly_fields = ["preview", "taken", "moment_members", "place", "position", *[field.name for field in Photo._meta.fields]]
    fieldsets = [
        (None, {"fields": ["preview", "original_name", "kind", "taken", "taken_at_source", "zone_source", "trashed_at"]}),
        ("Place", {"fields": ["place", "place_country_code", "position", "time_zone"]}),
        ("Described (from its sidecar)", {"fields": ["title", "description", "keywords", "rating", "label"]}),
        ("Moment", {"fields": ["moment_members", "shown_with", "content_identifier", "source_folder",
                               "embedded_video_offset", "embedded_video_length"]}),
        ("File", {"fields": ["path", "sha256", "size", "format", "mime_type", "width", "height", "orientation",
                             "duration", "video_codecs", "playback"]}),
        ("Origin", {"fields": ["camera_make", "camera_model", "imported_at", "import_session"]}),
    ]

    class Media:
        css = {"all": ["library/admin.css"]}  # the previews' sizes

    def has_add_permission(self, request):
        return False

    def get_search_results(self, request, queryset, search_term):
        """Every word must match a name or a hash prefix (Django's own would scan every row)."""
        for word in smart_split(search_term):
            if word[0] in "\"'" and word[0] == word[-1] and len(word) > 1:
                word = unescape_string_literal(word)
            queryset = queryset.filter(name_matches(word))
        return queryset, False

    def has_delete_permission(self, request, obj=None):
        """Deleting is the "move to trash" action: the file is kept, in .trash/."""
        return False

    @admin.display(description="")
    def thumbnail(self, photo):
        badge = format_html(" ▶ {}", clock(photo.duration)) if photo.is_video else ""
        return format_html(
            '<img class="photo-thumbnail" src="{}" alt="" loading="lazy">{}',
            thumbnail_url(photo, "400"), badge,
        )

    @admin.display(description="Preview")
    def preview(self, photo):
        """A video plays from the source the gallery plays (`playable_url`): an HEVC original
        would not play in every browser."""
        if photo.is_video:
            return format_html(
                '<video class="photo-preview" controls preload="none" poster="{}" src="{}"></video>',
                thumbnail_url(photo, "preview"), playable_url(photo),
            )
        return format_html(
            '<a href="{}"><img class="photo-preview" src="{}" alt=""></a>',
            reverse("original", args=[photo.pk]), thumbnail_url(photo, "preview"),
        )

    @admin.display(description="Files of this moment")
    def moment_members(self, photo):
        """The group this file is in, each file with its part and a link (none: a file of its own)."""
        group = members(photo)
        if len(group) < 2:
            return "—"
        return format_html_join(" ", '<a href="{}"><img class="photo-thumbnail" src="{}" alt="">{} ({})</a>', (
            (reverse("admin:library_photo_change", args=[member.pk]), thumbnail_url(member, "400"),
             member.original_name, part_of(member, group[1:] if member is group[0] else [])) for member in group
        ))

    @admin.display(description="Taken", ordering="taken_at")
    def taken(self, photo):
        """On the camera's own clock, as the gallery shows it (Django would show the instant in TIME_ZONE)."""
        return format_html('<time datetime="{}" title="{}">{}</time>', photo.taken_at.isoformat(), photo.taken_zone,
                           f"{photo.taken_local:%Y-%m-%d %H:%M}")

    @admin.display(description="Place")
    def place(self, photo):
        """Its names (offline, from GeoNames), or why there are none."""
        if photo.latitude is None:
            return "— (no GPS position)"
        return photo.place or f"— (no town within {NAMING_RADIUS_KM} km)"

    @admin.display(description="Position")
    def position(self, photo):
        """'35.68950° N, 139.69170° E, 40 m': the GPS coordinates, for people."""
        if photo.latitude is None:
            return "—"
        where = (f"{abs(photo.latitude):.5f}° {'S' if photo.latitude < 0 else 'N'}, "
                 f"{abs(photo.longitude):.5f}° {'W' if photo.longitude < 0 else 'E'}")
        return where if photo.altitude is None else f"{where}, {photo.altitude:g} m"

    @admin.display(description="In trash", boolean=True, ordering="trashed_at")
    def in_trash(self, photo):
        return photo.trashed_at is not None

    @admin.action(description="Fix the date taken…", permissions=CHANGE)
    def fix_date_taken(self, request, queryset):
        form = RedateForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for photo in queryset:
                redate(photo, form.cleaned_data["taken_at"])
            self.message_user(request, f"Date taken set on {queryset.count()} item(s); their files moved.")
            return None
        context = {
            **self.admin_site.each_context(request), "title": "Fix the date taken", "form": form,
            "photos": queryset, "opts": self.model._meta, "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "library/admin/redate.html", context)

    @admin.action(description="Delete (move to trash)", permissions=CHANGE)
    def trash_photos(self, request, queryset):
        self._each(request, queryset.in_library(), move_to_trash, "moved to the trash")

    @admin.action(description="Restore from trash", permissions=CHANGE)
    def restore_photos(self, request, queryset):
        self._each(request, queryset.in_trash(), restore_from_trash, "restored")

    @admin.action(description="Link as one moment (a still and its video, or a raw and its JPEG)", permissions=CHANGE)
    def link_moment(self, request, queryset):
        try:
            face = link_by_hand(list(queryset), is_raw)
        except CannotLinkError as error:
            self.message_user(request, f"Not linked: {error}.", messages.ERROR)
            return
        self.message_user(request, f"Linked: one tile in the gallery, {face.original_name}.")

    @admin.action(description="Unlink from their moment", permissions=CHANGE)
    def unlink_moment(self, request, queryset):
        freed = sum(unlink(photo) for photo in queryset)
        self.message_user(request, f"{freed} file(s) are photos of their own again.")

    def _each(self, request, queryset, operation, done):
        """Runs `operation` per photo; one file that cannot move does not stop the others."""
        count = 0
        for photo in queryset:
            try:
                operation(photo)
            except OSError as error:
                logger.error("Could not move photo %s (%s): %s", photo.pk, photo.path, error)
                self.message_user(request, f"{photo.original_name}: {error}", messages.ERROR)
                continue
            count += 1
        self.message_user(request, f"{count} item(s) {done}.")


def extend_photo_admin(list_filter=(), actions=()):
    """Called by other apps' admin modules: their filters go after the trash filter, their
    actions first in the menu, so the library shows them without importing them."""
    after_trash = PhotoAdmin.list_filter.index(TrashFilter) + 1
    PhotoAdmin.list_filter = [*PhotoAdmin.list_filter[:after_trash], *list_filter,
                              *PhotoAdmin.list_filter[after_trash:]]
    PhotoAdmin.actions = [*actions, *PhotoAdmin.actions]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportSession)
class ImportSessionAdmin(EstimatedPaging, ReadOnlyAdmin):
    list_display = ["__str__", "user", "started_at", "imported_count", "duplicate_count", "failed_count",
                    "skipped_count", "duration", "outcomes_link"]
    list_filter = ["source"]
    list_select_related = ["user"]
    date_hierarchy = "started_at"
    sortable_by = ["started_at"]  # session_started_idx

    @admin.display(description="Duration", ordering="duration_seconds")
    def duration(self, session):
        return "running" if session.duration_seconds is None else f"{session.duration_seconds:.1f} s"

    @admin.display(description="Files")
    def outcomes_link(self, session):
        url = reverse("admin:library_importoutcome_changelist") + f"?session__id__exact={session.pk}"
        return format_html('<a href="{}">per-file outcomes</a>', url)


@admin.register(ImportOutcome)
class ImportOutcomeAdmin(EstimatedPaging, ReadOnlyAdmin):
    list_display = ["original_name", "status", "error", "size", "photo_link", "session", "created_at"]
    list_filter = ["status", ("session", RecentSessionFilter)]
    sortable_by = []  # in the order they happened (the primary key)
    search_fields = ["original_name", "error"]
    list_select_related = ["session"]

    @admin.display(description="Photo")
    def photo_link(self, outcome):
        if outcome.photo_id is None:
            return "—"
        url = reverse("admin:library_photo_change", args=[outcome.photo_id])
        return format_html('<a href="{}">#{}</a>', url, outcome.photo_id)


@admin.register(FileMove)
class FileMoveAdmin(ReadOnlyAdmin):
    """Moves of originals in progress; a row that stays means a move was interrupted
    (`manage.py checklibrary --repair` finishes or forgets it)."""

    list_display = ["photo", "reason", "source", "target", "created_at"]
    list_select_related = ["photo"]


# -- Resumable uploads ------------------------------------------------------------------------------

@admin.register(ResumableUpload)
class ResumableUploadAdmin(admin.ModelAdmin):
    """Unfinished resumable uploads, oldest first: who holds how much of the disk, and since when.
    Deleting one (the list's delete action, or its page) removes the bytes received so far with the
    row, under the upload's lock: one receiving a piece right now is left, and the message says so.
    Nothing is added or changed here; deleting needs the delete permission, as everywhere."""

    list_display = ["original_name", "owner", "size", "received", "age", "last_piece", "session"]
    list_select_related = ["user", "session"]
    list_filter = [("user", admin.RelatedOnlyFieldListFilter)]
    ordering = ["created_at"]
    search_fields = ["original_name", "user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Owner", ordering="user__username")
    def owner(self, upload):
        return upload.user.get_username()

    @admin.display(description="Size", ordering="length")
    def size(self, upload):
        return filesizeformat(upload.length)

    @admin.display(description="Received")
    def received(self, upload):
        try:
            held = resumable_uploads.received(upload)
        except resumable_uploads.UploadNotFoundError:
            return "nothing (its bytes are gone)"
        return f"{filesizeformat(held)} ({held * 100 // upload.length} %)"

    @admin.display(description="Age", ordering="created_at")
    def age(self, upload):
        return timesince(upload.created_at)

    @admin.display(description="Last piece", ordering="updated_at")
    def last_piece(self, upload):
        return f"{timesince(upload.updated_at)} ago"

    def delete_model(self, request, obj):
        self.delete_queryset(request, [obj])

    def delete_queryset(self, request, queryset):
        for upload in queryset:
            try:
                resumable_uploads.terminate(upload)
            except resumable_uploads.UploadNotFoundError:
                continue  # its bytes were gone already; the row went with them
            except resumable_uploads.UploadLockedError:
                self.message_user(request, f"{upload.original_name} is receiving a piece right now and was kept; "
                                  "delete it again once the piece is in.", messages.WARNING)


@admin.register(PendingSidecar)
class PendingSidecarAdmin(ReadOnlyAdmin):
    """Sidecars whose photo is not in the library yet; each is applied when its photo is imported
    from the same folder (or by the same person, on the web)."""

    list_display = ["original_name", "kind", "source_folder", "user", "created_at"]
    search_fields = ["original_name"]
