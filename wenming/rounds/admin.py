"""Rounds in the Django admin: read only, and never the sealed scores or the scores' table."""

from django.contrib import admin

from .models import Ballot, Round


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = ("title", "purpose", "period_key", "state", "opens_at", "closes_at")
    list_filter = ("state", "purpose")
    exclude = ("departments",)


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ("round", "rater", "ratee", "group", "submitted_at")
    list_filter = ("group",)
    fields = ("round", "rater", "ratee", "group", "submitted_at")  # never ``sealed``
    raw_id_fields = ("round", "rater", "ratee")
