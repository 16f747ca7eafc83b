from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AuditEntry


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries(*, access, filters: dict | None = None) -> QuerySet[AuditEntry]:
    """The audit log as the person may read it, newest first, filtered."""
    if not access.can_view_audit:
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.select_related("department")
    filters = filters or {}
    if action := filters.get("action"):
        qs = qs.filter(action=action)
    if department := filters.get("department"):
        qs = qs.filter(department=department)
    if date_from := filters.get("date_from"):
        qs = qs.filter(at__gte=_local_midnight(date_from))
    if date_to := filters.get("date_to"):
        qs = qs.filter(at__lt=_local_midnight(date_to + dt.timedelta(days=1)))
    if q := filters.get("q"):
        qs = qs.filter(
            Q(target_repr__icontains=q) | Q(actor_name__icontains=q) | Q(target_id=q) | Q(action__icontains=q)
        )
    return qs.order_by("-at", "-id")
