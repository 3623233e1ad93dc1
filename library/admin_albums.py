"""Albums in the admin: each with its photos (those in the trash marked, since the site hides
them) and the users it is shared with. Registered from library/admin.py."""
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from library.models import Album, AlbumMember, AlbumPhoto
from thumbnails.links import thumbnail_url


class AlbumPhotoInline(admin.TabularInline):
    model = AlbumPhoto
    extra = 0
    raw_id_fields = ["photo"]
    fields = ["preview", "photo", "in_trash", "added_by", "added_at"]
    readonly_fields = ["preview", "in_trash", "added_by", "added_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("photo", "added_by")

    @admin.display(description="")
    def preview(self, entry):
        return format_html('<img src="{}" alt="" class="admin-thumbnail" height="60">', thumbnail_url(entry.photo))

    @admin.display(boolean=True, description="In the trash")
    def in_trash(self, entry):
        return entry.photo.trashed_at is not None


class AlbumMemberInline(admin.TabularInline):
    model = AlbumMember
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "photo_count", "updated"]
    list_select_related = ["owner"]
    search_fields = ["title", "owner__username"]
    raw_id_fields = ["owner", "cover"]
    readonly_fields = ["created", "updated"]
    inlines = [AlbumMemberInline, AlbumPhotoInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(photo_count=Count("entries"))

    @admin.display(description="Photos", ordering="photo_count")
    def photo_count(self, album):
        return album.photo_count
