"""The rectification ledger in the Django admin: read-only (changes go through the services)."""

from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin

from .models import ExtensionRequest, ItemEvidence, RectificationItem


@admin.register(RectificationItem)
class RectificationItemAdmin(ReadOnlyAdmin):
    list_display = ["pk", "problem", "department", "responsible", "source", "state", "deadline", "closed_at"]
    list_filter = ["state", "source"]
    search_fields = ["problem", "department__name", "department__code"]
    list_select_related = ["department", "responsible"]
    date_hierarchy = "deadline"


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["item", "old_deadline", "new_deadline", "state", "requested_by", "decided_by", "decided_at"]
    list_filter = ["state"]
    list_select_related = ["item", "requested_by", "decided_by"]


@admin.register(ItemEvidence)
class ItemEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["name", "item", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["item", "uploaded_by"]
