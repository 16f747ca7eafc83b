"""The ledger's panel on the home page: open and overdue items per department in the person's
scope (the whole hospital, or a head's departments), the most overdue first. One aggregate query."""

from __future__ import annotations

from django.db.models import Count, Q

from wenming.org.selectors import hospital_today

from .models import OPEN_STATES, RectificationItem

TOP = 8


def ledger_panel(request, access) -> dict | None:
    if not (access.sees_whole_hospital or access.is_department_head):
        return None
    today = hospital_today()
    items = RectificationItem.objects.filter(state__in=OPEN_STATES)
    if not access.sees_whole_hospital:
        items = items.filter(department__in=access.departments())
    rows = list(
        items.values("department_id", "department__code", "department__name")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=today)))
        .order_by("-overdue", "-open", "department__code")
    )
    return {
        "rows": rows[:TOP],
        "more": max(len(rows) - TOP, 0),
        "open_total": sum(r["open"] for r in rows),
        "overdue_total": sum(r["overdue"] for r in rows),
    }
