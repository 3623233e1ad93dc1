"""The thumbnails app's part of the photo admin (the library's PhotoAdmin shows it through
`library.admin.extend_photo_admin`, as Wagtail's apps plug into its admin through hooks): a
filter by the state of the grid thumbnail, and an action that queues regeneration."""
from django.contrib import admin

from library.admin import extend_photo_admin

from .formats import made_ahead_specs
from .status import STATES, photos_with_thumbnail_state
from .tasks import queue_photos


class ThumbnailStateFilter(admin.SimpleListFilter):
    """By the record of the grid thumbnail in the format browsers are served (thumbnails.status)."""

    title = "thumbnail"
    parameter_name = "thumbnail"

    def lookups(self, request, model_admin):
        return [(state, state.capitalize()) for state in STATES]

    def queryset(self, request, queryset):
        if self.value() not in STATES:
            return queryset
        return photos_with_thumbnail_state(queryset, self.value())


@admin.action(description="Regenerate thumbnails (queued)")
def regenerate_thumbnails(model_admin, request, queryset):
    ids = list(queryset.values_list("pk", flat=True))
    queue_photos(ids, made_ahead_specs(), force=True)
    model_admin.message_user(request, f"Regeneration of the thumbnails of {len(ids)} item(s) is queued.")


extend_photo_admin(list_filter=[ThumbnailStateFilter], actions=[regenerate_thumbnails])
