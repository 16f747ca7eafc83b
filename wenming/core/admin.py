"""The Django admin (system administrators only): every change made there is audited too,
and the audit log itself is read-only."""

import json

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .audit import audit_log, client_ip, register_action
from .models import AuditEntry

register_action("admin.added", _("added {target} in system administration"))
register_action("admin.changed", _("changed {target} in system administration"))
register_action("admin.deleted", _("deleted {target} in system administration"))


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit entry beside Django's own admin log for every add, change and delete."""

    def _audit(self, request, action, obj, message) -> None:
        if isinstance(message, list):
            message = LogEntry(change_message=json.dumps(message)).get_change_message()
        audit_log(actor=request.user, action=action, target=obj, data={"message": str(message)}, ip=client_ip(request))

    def log_addition(self, request, obj, message):
        self._audit(request, "admin.added", obj, message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, "admin.changed", obj, message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, "admin.deleted", obj, "")
        return super().log_deletions(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For data that changes only through the services (which check the rules and audit):
    the admin may look, never add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "action", "target_repr", "department", "ip"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_repr", "actor_name", "target_id"]
    date_hierarchy = "at"


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    pass


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    pass
