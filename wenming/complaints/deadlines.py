"""The daily deadline follow-up of cases (Celery beat, ``tasks.py``; ``manage.py
follow_up_complaints`` without beat):

- **reminder**: a running case (received, investigating, handling) due today or on the next
  working day → the department's heads, the handler and the office, once per deadline;
- **overdue notice**: a running case past its deadline → the same people, once per deadline
  (a later deadline sends both again).

Each case is handled in its own transaction with its row locked, so a rerun or a second worker
never sends twice. Audited with no actor (the system did it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import F, Q

from wenming.core.audit import audit_log
from wenming.notifications.selectors import heads_of, users_with_roles
from wenming.notifications.services import notify
from wenming.org.models import Role
from wenming.org.selectors import hospital_today

from .models import OPEN_STATES, Case
from .services import case_label, case_url, working_days_after


@dataclass
class FollowUp:
    reminded: int = 0
    overdue: int = 0


def _send(case: Case, kind: str) -> None:
    recipients = [*heads_of(case.department), *users_with_roles(Role.OFFICE)]
    if case.handler_id is not None:
        recipients.append(case.handler)
    notify(
        recipients=recipients,
        kind=kind,
        params={"case": case_label(case), "department": case.department.name, "deadline": case.deadline.isoformat()},
        url=case_url(case),
        department=case.department,
    )


def _follow(pk: int, today: date, soon: date) -> str:
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("department", "handler").get(pk=pk)
        if case.state not in OPEN_STATES:
            return ""
        if case.deadline < today and case.overdue_for != case.deadline:
            case.overdue_for = case.deadline
            case.save(update_fields=["overdue_for"])
            audit_log(
                actor=None,
                action="complaints.case.overdue",
                target=case,
                target_repr=case.number,
                department=case.department,
                data={"deadline": case.deadline},
            )
            _send(case, "complaints.case.overdue")
            return "overdue"
        if today <= case.deadline <= soon and case.reminded_for != case.deadline:
            case.reminded_for = case.deadline
            case.save(update_fields=["reminded_for"])
            audit_log(
                actor=None,
                action="complaints.case.reminded",
                target=case,
                target_repr=case.number,
                department=case.department,
                data={"deadline": case.deadline},
            )
            _send(case, "complaints.case.due_soon")
            return "reminded"
    return ""


def deadlines_follow_up(*, today: date | None = None) -> FollowUp:
    today = today or hospital_today()
    soon = working_days_after(today, 1)
    done = FollowUp()
    due = Case.objects.filter(state__in=OPEN_STATES).filter(
        (Q(deadline__lt=today) & (Q(overdue_for__isnull=True) | ~Q(overdue_for=F("deadline"))))
        | (Q(deadline__gte=today, deadline__lte=soon) & (Q(reminded_for__isnull=True) | ~Q(reminded_for=F("deadline"))))
    )
    for pk in due.values_list("pk", flat=True).order_by("deadline", "pk"):
        outcome = _follow(pk, today, soon)
        if outcome == "overdue":
            done.overdue += 1
        elif outcome == "reminded":
            done.reminded += 1
    return done
