"""Share links in the admin: who made which link to which album, its options and last use, and
a revoke action. A token cannot be shown (only its SHA-256 is kept), so links are made on the
album's page. Registered from library/admin.py."""
from django.contrib import admin, messages
from django.utils import timezone

from library.models import ShareLink


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["album", "created_by", "created", "expires_on", "has_password", "allow_download",
                    "keep_location", "last_used_at", "revoked_at"]
    list_select_related = ["album", "created_by"]
    list_filter = ["allow_download", "keep_location", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["album__title", "created_by__username"]
    fields = ["album", "created_by", "created", "expires_on", "has_password", "allow_download", "keep_location",
              "last_used_at", "revoked_at"]
    readonly_fields = ["album", "created_by", "created", "has_password", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # a link's token is shown once, where it is made: on the album's page

    @admin.display(boolean=True, description="Password")
    def has_password(self, link):
        return bool(link.password)

    @admin.action(description="Revoke the selected links")
    def revoke(self, request, queryset):
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{revoked} link{'s' if revoked != 1 else ''} revoked.", messages.SUCCESS)
