"""Reads of the rectification ledger: the ledger a person may see, with filters and the overdue
flag, and the overdue counts per department for the dashboard."""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When

from wenming.org.access import access_for
from wenming.org.models import Department

from .models import ItemState, RectificationItem


def _overdue(today: date) -> Q:
    return ~Q(state=ItemState.CLOSED) & Q(deadline__lt=today)


def ledger(
    *,
    user,
    department: Department | None = None,
    state: str | None = None,
    source: str | None = None,
    overdue: bool | None = None,
    today: date,
) -> QuerySet[RectificationItem]:
    """The items ``user`` may see (the departments ``access_for(user).departments()`` answers),
    each annotated ``is_overdue`` (not closed and past its deadline), ordered by deadline.
    ``department`` takes that department and those below it; ``overdue`` True or False keeps only
    the overdue or only the other items."""
    access = access_for(user)
    items = RectificationItem.objects.select_related("department", "responsible")
    if not access.sees_whole_hospital:
        items = items.filter(department__in=access.departments())
    if department is not None:
        items = items.filter(department__path__startswith=department.path)
    if state:
        items = items.filter(state=state)
    if source:
        items = items.filter(source=source)
    items = items.annotate(
        is_overdue=Case(When(_overdue(today), then=Value(True)), default=Value(False), output_field=BooleanField())
    )
    if overdue is not None:
        items = items.filter(is_overdue=overdue)
    return items.order_by("deadline", "pk")


def overdue_counts_by_department(*, today: date) -> list[dict]:
    """``[{"department_id", "code", "name", "overdue"}]`` for each department with overdue items,
    most overdue first (one aggregate query)."""
    rows = (
        RectificationItem.objects.filter(_overdue(today))
        .values("department_id", "department__code", "department__name")
        .annotate(overdue=Count("pk"))
        .order_by("-overdue", "department__code")
    )
    return [
        {
            "department_id": r["department_id"],
            "code": r["department__code"],
            "name": r["department__name"],
            "overdue": r["overdue"],
        }
        for r in rows
    ]
