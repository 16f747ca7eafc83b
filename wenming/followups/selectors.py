"""Reads of the follow-up calls, scoped to the person.

The civility office and system administrators (``may_manage_feedback``) see every batch and call;
a department head sees the calls of their departments (results only, never phones); nobody else
anything. A phone is shown whole only to the caller the call is assigned to, while it is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from wenming.feedback.selectors import may_manage_feedback, may_read_feedback, scope_departments
from wenming.notifications.selectors import users_with_roles
from wenming.org.models import Role

from .models import FollowupBatch, FollowupCall

#: "Satisfied" is an overall rating of 4 or 5 (shared/spec/scoring.md ``satisfied_min``).
SATISFIED_MIN = 4
QUEUE_RELATED = ("patient", "department", "caller", "caller__staff", "batch")


def may_use_followups(access) -> bool:
    return may_read_feedback(access)


def calls_for_access(*, access) -> QuerySet[FollowupCall]:
    qs = FollowupCall.objects.all()
    if may_manage_feedback(access):
        return qs
    if access.is_department_head:
        return qs.filter(department__in=scope_departments(access=access))
    return qs.none()


def queue(*, access, user, mine: bool, status: str = "") -> QuerySet[FollowupCall]:
    """The caller's queue (``mine``) or every call the person may see, open calls first."""
    qs = calls_for_access(access=access).select_related(*QUEUE_RELATED)
    if mine:
        qs = qs.filter(caller=user)
    if status == "open":
        qs = qs.filter(Q(status="pending") | Q(status="no_answer", attempts__lt=3))
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "patient__discharge_date", "pk")


def batches_with_calls(*, access, limit: int = 12) -> list[FollowupBatch]:
    """The latest imported batches with calls this person may see (for the progress links)."""
    ids = calls_for_access(access=access).values("batch_id")
    return list(FollowupBatch.objects.filter(status="imported", pk__in=ids).order_by("-end", "-pk")[:limit])


def call_for_user(*, access, pk: int) -> FollowupCall:
    try:
        return calls_for_access(access=access).select_related(*QUEUE_RELATED).get(pk=pk)
    except (FollowupCall.DoesNotExist, ValueError):
        raise Http404 from None


def batch_for_office(*, pk: int) -> FollowupBatch:
    try:
        return FollowupBatch.objects.select_related("created_by").get(pk=pk)
    except FollowupBatch.DoesNotExist:
        raise Http404 from None


def phone_for(*, call: FollowupCall, user) -> str | None:
    """The whole number for the assigned caller of an open call, masked for the office, None
    (not shown at all) for everyone else."""
    if call.caller_id == user.pk and call.is_open:
        return call.patient.phone
    return call.patient.masked_phone


def callers():
    """Who may be given calls: the civility office's accounts."""
    return users_with_roles(Role.OFFICE).select_related("staff").order_by("username")


# --- Progress -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    department: str
    sampled: int
    completed: int
    no_answer: int
    refused: int
    wrong_number: int
    pending: int
    satisfied: int

    @property
    def completion_rate(self) -> Decimal | None:
        return _rate(self.completed, self.sampled)

    @property
    def satisfaction(self) -> Decimal | None:
        """Satisfied (overall ≥ 4) ÷ completed calls."""
        return _rate(self.satisfied, self.completed)


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def batch_for_progress(*, access, pk: int) -> FollowupBatch:
    """The batch if the person may see some of its calls (office: any imported batch)."""
    qs = FollowupBatch.objects.filter(status="imported")
    if not may_manage_feedback(access):
        qs = qs.filter(pk__in=calls_for_access(access=access).values("batch_id"))
    try:
        return qs.get(pk=pk)
    except (FollowupBatch.DoesNotExist, ValueError):
        raise Http404 from None


def progress(*, access, batch: FollowupBatch) -> tuple[list[ProgressRow], ProgressRow]:
    """Per department (one GROUP BY query): sampled, each outcome, still to call, satisfied."""
    no_answer_final = Q(status="no_answer")
    rows = (
        calls_for_access(access=access)
        .filter(batch=batch)
        .values("department__code", "department__name")
        .annotate(
            sampled=Count("pk"),
            completed=Count("pk", filter=Q(status="completed")),
            no_answer=Count("pk", filter=no_answer_final),
            refused=Count("pk", filter=Q(status="refused")),
            wrong_number=Count("pk", filter=Q(status="wrong_number")),
            pending=Count("pk", filter=Q(status="pending")),
            satisfied=Count("pk", filter=Q(status="completed", feedback__overall__gte=SATISFIED_MIN)),
        )
        .order_by("department__code")
    )
    keys = ("sampled", "completed", "no_answer", "refused", "wrong_number", "pending", "satisfied")
    result = [ProgressRow(row["department__name"], *(row[k] for k in keys)) for row in rows]
    total = ProgressRow(_("All departments"), *(sum(getattr(r, k) for r in result) for k in keys))
    return result, total
