"""Scoring in the Django admin: read only. Every write goes through the services (which check
finalized periods and write the audit log), so the admin can look but never change a record,
a result or a period — finalized data cannot be altered from here either."""

from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin

from .models import ComputeRun, Evidence, PayRule, Record, Result, ScoringPeriod


@admin.register(Record)
class RecordAdmin(ReadOnlyAdmin):
    list_display = ["kind", "standard", "department", "staff", "code", "date", "period_key", "count", "status"]
    list_filter = ["kind", "status", "standard"]
    search_fields = ["code", "external_id", "note"]


class ResultInline(admin.TabularInline):
    model = Result
    extra = 0
    fields = ["rank", "subject_code", "name", "total", "grade", "vetoed", "flags"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScoringPeriod)
class ScoringPeriodAdmin(ReadOnlyAdmin):
    list_display = ["standard", "key", "version", "computed_at", "finalized_at"]
    list_filter = ["standard"]
    inlines = [ResultInline]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["name", "record", "size", "uploaded_by", "uploaded_at"]


@admin.register(PayRule)
class PayRuleAdmin(ReadOnlyAdmin):
    list_display = ["standard", "method", "places", "updated_at"]


@admin.register(ComputeRun)
class ComputeRunAdmin(ReadOnlyAdmin):
    list_display = ["standard", "period_key", "status", "requested_by", "requested_at", "finished_at"]
