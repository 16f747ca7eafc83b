"""The demo's 医德考评: two archived years run end to end through the services, the current year at
the self-evaluation step with daily records in every state; a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from wenming.evaluations.demo import load_demo_evaluations
from wenming.evaluations.eligibility import eligibility_rows
from wenming.evaluations.models import CycleState, DailyState, EthicsCycle, ObjectionState
from wenming.org.demo import load_demo
from wenming.scoring.models import ScoringPeriod
from wenming.standards.demo import load_example_standards

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 6)


def test_demo_years(monkeypatch):
    moment = dt.datetime(2026, 12, 6, 10, tzinfo=dt.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    load_demo()
    load_example_standards()
    first = load_demo_evaluations(today=TODAY)
    assert first.cycles == 3
    cycles = {c.year: c for c in EthicsCycle.objects.all()}
    assert {y: c.state for y, c in cycles.items()} == {
        2024: CycleState.ARCHIVED,
        2025: CycleState.ARCHIVED,
        2026: CycleState.SELF,
    }
    last = cycles[2025]
    members = last.members.all()
    # The quota holds, the veto forced 较差, one override carries its reason, the objection was reviewed.
    assert members.filter(final_grade="优秀").count() <= math.floor(0.15 * members.count())
    vetoed = members.get(engine_vetoed=True)
    assert vetoed.final_grade == "较差" and vetoed.improvement_plan
    overridden = members.exclude(override_reason="")
    assert overridden.count() == 1 and overridden.get().final_grade == "一般"
    assert members.filter(objections__state=ObjectionState.DISMISSED).count() == 1
    assert ScoringPeriod.objects.get(standard=last.standard, key="2025").is_finalized
    assert last.daily_records.filter(state=DailyState.RETURNED).count() == 1
    # Vetoed in both years: the physician review fails.
    row = next(r for r in eligibility_rows(cycle=last) if r.staff_no == vetoed.staff.staff_no)
    assert row.review == "fail"
    current = cycles[2026]
    states = set(current.daily_records.values_list("state", flat=True))
    assert {DailyState.SUBMITTED, DailyState.DEPARTMENT_APPROVED, DailyState.APPROVED} <= states
    assert current.members.filter(self_at__isnull=False).count() > 300
    assert current.members.get(staff__user__username="nurse").self_at is None  # hers to write
    assert load_demo_evaluations(today=TODAY).cycles == 0
