from django.contrib import admin

from .models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["department", "staff", "at", "local_date", "overall", "is_valid"]
    list_filter = ["is_valid", "overall"]
    raw_id_fields = ["department", "staff"]
    date_hierarchy = "at"
