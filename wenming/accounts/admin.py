from django.contrib import admin

from wenming.core.admin import AuditedAdmin

from .models import TOTPDevice


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(AuditedAdmin):
    """A system administrator deletes a device here when someone loses their phone."""

    list_display = ["user", "confirmed", "created_at"]
    fields = ["user", "confirmed", "created_at"]
    readonly_fields = ["user", "confirmed", "created_at"]

    def has_add_permission(self, request):
        return False
