"""The demo hospital's patrols: rounds with photos, appeals, ledger items in several states; a
second run adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wenming.inspections.demo import PLAN_NAME, load_demo_inspections
from wenming.inspections.models import Appeal, AppealState, InspectionPlan, InspectionRound, Photo
from wenming.org.demo import load_demo
from wenming.org.selectors import hospital_today
from wenming.rectification.models import RectificationItem, Source
from wenming.scoring.models import Record, RecordStatus
from wenming.standards.demo import load_example_standards

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _late_in_a_month(monkeypatch):
    """The demo patrols this month up to today: on a date late in a month there are weeks of it
    (early in a month there would be a handful of rounds)."""
    now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)


def test_demo_patrols_and_ledger():
    load_demo()
    load_example_standards()
    today = hospital_today()
    first = load_demo_inspections(today=today)

    plan = InspectionPlan.objects.get(name=PLAN_NAME)
    assert plan.departments.count() > 20 and plan.inspectors.filter(username="inspector").exists()
    rounds = InspectionRound.objects.all()
    assert first.rounds == rounds.count() > 10
    assert all(r.date.month == today.month and r.date <= today for r in rounds)
    assert Photo.objects.count() == first.photos > 0
    # The round's findings are the engine's records, dated on the round's day.
    for r in rounds.prefetch_related("findings__record"):
        assert all(f.record.date == r.date for f in r.findings.all())
    assert set(Appeal.objects.values_list("state", flat=True)) == {AppealState.PENDING, AppealState.UPHELD}
    pending = Appeal.objects.get(state=AppealState.PENDING)
    assert pending.finding.record.status == RecordStatus.PENDING
    items = RectificationItem.objects.all()
    assert len(set(items.values_list("state", flat=True))) >= 3
    assert {Source.FINDING, Source.COMPLAINT, Source.INSTRUCTION} <= set(items.values_list("source", flat=True))
    assert items.filter(deadline__lt=today).exclude(state="closed").exists()  # one is overdue

    records = Record.objects.count()
    second = load_demo_inspections(today=today)
    assert (second.rounds, second.items, Record.objects.count()) == (0, 0, records)
