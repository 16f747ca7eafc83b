from django.contrib import admin

from .models import Evidence, PayRule, Record, Result, ScoringPeriod


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ["kind", "standard", "department", "staff", "code", "date", "period_key", "count", "status"]
    list_filter = ["kind", "status", "standard"]
    raw_id_fields = ["department", "staff", "assessor", "entered_by"]
    search_fields = ["code", "external_id", "note"]


class ResultInline(admin.TabularInline):
    model = Result
    extra = 0
    fields = ["rank", "subject_code", "name", "total", "grade", "vetoed", "flags"]
    readonly_fields = fields
    can_delete = False


@admin.register(ScoringPeriod)
class ScoringPeriodAdmin(admin.ModelAdmin):
    list_display = ["standard", "key", "version", "computed_at", "finalized_at"]
    list_filter = ["standard"]
    readonly_fields = ["computed_at", "finalized_at", "finalized_by"]
    inlines = [ResultInline]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["name", "record", "size", "uploaded_by", "uploaded_at"]
    raw_id_fields = ["record", "uploaded_by"]


@admin.register(PayRule)
class PayRuleAdmin(admin.ModelAdmin):
    list_display = ["standard", "method", "places", "updated_at"]
