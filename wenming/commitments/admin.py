from django.contrib import admin

from .models import Commitment, CommitmentReview, CommitmentTemplate


class ReadOnly(admin.ModelAdmin):
    """Shown read only: every change goes through the pages (services: versions, audit, cache)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CommitmentTemplate)
class CommitmentTemplateAdmin(ReadOnly):
    list_display = ["text", "kind", "applies_to", "sort_order", "is_active"]
    list_filter = ["kind", "applies_to", "is_active"]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnly):
    list_display = ["year", "department", "staff", "kind", "text"]
    list_filter = ["year", "kind"]
    raw_id_fields = ["department", "staff", "template", "created_by"]
    search_fields = ["text", "staff__name", "staff__staff_no", "department__name"]


@admin.register(CommitmentReview)
class CommitmentReviewAdmin(ReadOnly):
    list_display = ["period_key", "department", "status", "patient_rate", "peer_score", "conclusion"]
    list_filter = ["period_key", "status", "conclusion"]
    raw_id_fields = ["department", "published_by"]
