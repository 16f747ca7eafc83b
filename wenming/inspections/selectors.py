"""Reading inspections: what is due this week under a plan, and which rounds a person may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from wenming.org.access import access_for
from wenming.org.models import Department
from wenming.org.selectors import current_hospital
from wenming.scoring.periods import local_date

from .models import Frequency, InspectionPlan, InspectionRound, RoundState


@dataclass(frozen=True)
class Schedule:
    """Departments of a plan still to be inspected in the current period (``due``) and those
    that were missed in the previous period and have not been inspected since (``overdue``)."""

    start: date  # first day of the current period
    end: date  # day after its last day
    due: list[Department]
    overdue: list[Department]


def plan_period(frequency: str, day: date) -> tuple[date, date]:
    """(first day, day after the last) of the week (Monday to Sunday) or month holding ``day``."""
    if frequency == Frequency.MONTHLY:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return start, end
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=7)


def _inspected(plan: InspectionPlan, start: date, end: date) -> set[int]:
    """Pks of the plan's departments with a submitted round of the plan's standard in [start, end)."""
    return set(
        InspectionRound.objects.filter(
            department__inspection_plans=plan,
            standard_id=plan.standard_id,
            state=RoundState.SUBMITTED,
            date__gte=start,
            date__lt=end,
        ).values_list("department_id", flat=True)
    )


def due_this_week(*, plan: InspectionPlan, today: date) -> Schedule:
    """The plan's schedule for the period holding ``today`` (hospital local dates): a weekly
    plan's period is Monday to Sunday, a monthly plan's the calendar month. A department is
    overdue when it had no round in the previous period (after the plan was created) and has had
    none since."""
    start, end = plan_period(plan.frequency, today)
    previous_start, _ = plan_period(plan.frequency, start - timedelta(days=1))
    departments = list(plan.departments.filter(is_active=True).order_by("path")) if plan.active else []
    this_period = _inspected(plan, start, end)
    plan_started = local_date(plan.created_at, current_hospital().time_zone) if plan.created_at else previous_start
    if plan_started < start:
        last_period = _inspected(plan, max(previous_start, plan_started), start)
    else:
        last_period = {d.pk for d in departments}  # the plan did not exist then: nothing was missed
    due = [d for d in departments if d.pk not in this_period]
    overdue = [d for d in due if d.pk not in last_period]
    return Schedule(start=start, end=end, due=due, overdue=overdue)


def rounds_for(*, user) -> QuerySet[InspectionRound]:
    """The rounds ``user`` may see: all for the whole-hospital roles, those of their departments
    (and the departments under them) for department heads, none for anyone else."""
    access = access_for(user)
    rounds = InspectionRound.objects.select_related("department", "inspector", "standard", "plan")
    if access.sees_whole_hospital:
        return rounds
    if not access.head_paths:
        return rounds.none()
    return rounds.filter(reduce(or_, [Q(department__path__startswith=path) for path in access.head_paths]))
