"""The thumbnails app's part of the photo admin (the library's PhotoAdmin shows it through
`library.admin.extend_photo_admin`, as Wagtail's apps plug into its admin through hooks): a
filter by the state of the grid thumbnail, and an action that queues regeneration."""
from django.contrib import admin

from library.admin import CHANGE, extend_photo_admin
from library.playback import videos_served_renditions

from .formats import made_ahead_specs
from .names import current_video_spec
from .status import STATES, photos_with_rendition_state
from .tasks import queue_photos, queue_renditions


class ThumbnailStateFilter(admin.SimpleListFilter):
    """By the record of the grid thumbnail in the format browsers are served (thumbnails.status)."""

    title = "thumbnail"
    parameter_name = "thumbnail"

    def lookups(self, request, model_admin):
        return [(state, state.capitalize()) for state in STATES]

    def queryset(self, request, queryset):
        if self.value() not in STATES:
            return queryset
        return photos_with_rendition_state(queryset, self.value())


@admin.action(description="Regenerate thumbnails (queued)", permissions=CHANGE)
def regenerate_thumbnails(model_admin, request, queryset):
    count = queryset.count()
    queue_photos(queryset, count, made_ahead_specs(), force=True)
    model_admin.message_user(request, f"Regeneration of the thumbnails of {count} item(s) is queued.")


class RenditionStateFilter(admin.SimpleListFilter):
    """Videos played from a web rendition, by the state of their rendition's row."""

    title = "video rendition"
    parameter_name = "rendition"

    def lookups(self, request, model_admin):
        return [(state, state.capitalize()) for state in STATES]

    def queryset(self, request, queryset):
        if self.value() not in STATES:
            return queryset
        return photos_with_rendition_state(videos_served_renditions(queryset), self.value(), current_video_spec())


@admin.action(description="Make video renditions again (queued)", permissions=CHANGE)
def remake_renditions(model_admin, request, queryset):
    videos = queue_renditions(videos_served_renditions(queryset), force=True)
    model_admin.message_user(request, f"Renditions of {videos} video(s) are queued.")


extend_photo_admin(list_filter=[ThumbnailStateFilter, RenditionStateFilter],
                   actions=[regenerate_thumbnails, remake_renditions])
