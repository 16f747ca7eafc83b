"""Standards in the Django admin: read-only (a standard changes only by importing a new version)."""

from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin

from .models import Standard, StandardVersion


class StandardVersionInline(admin.TabularInline):
    model = StandardVersion
    fields = ["number", "name", "content_hash", "source_filename", "created_at", "created_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Standard)
class StandardAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "subject", "cycle", "created_at"]
    list_filter = ["subject", "cycle"]
    search_fields = ["code", "name"]
    inlines = [StandardVersionInline]


@admin.register(StandardVersion)
class StandardVersionAdmin(ReadOnlyAdmin):
    list_display = ["standard", "number", "name", "source_filename", "created_at", "created_by"]
    list_select_related = ["standard", "created_by"]
    search_fields = ["standard__code", "name", "content_hash"]
    fields = ["standard", "number", "name", "content_hash", "source_filename", "created_at", "created_by", "source"]
    readonly_fields = fields
