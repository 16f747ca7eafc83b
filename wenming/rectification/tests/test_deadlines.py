"""The daily deadline follow-up: reminders, overdue escalation and the overdue deduction rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from wenming.core.models import AuditEntry
from wenming.notifications.models import Notification
from wenming.org.selectors import hospital_today
from wenming.rectification.deadlines import deadlines_follow_up
from wenming.rectification.models import ItemState, OverdueRule, RectificationItem, Source
from wenming.rectification.services import extension_decide, extension_request, item_open
from wenming.rectification.tasks import deadlines_follow_up_task
from wenming.scoring.models import Record, RecordKind, RecordStatus, ScoringPeriod
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def today() -> dt.date:
    return hospital_today()


def make_item(scenario, *, deadline: dt.date, state: str = ItemState.LISTED) -> RectificationItem:
    item = item_open(
        department=scenario.ward,
        problem="护士站物品摆放杂乱",
        source=Source.SUPERVISION,
        deadline=max(deadline, today()),
        by=scenario.office,
        responsible=scenario.employee_staff,
    )
    # Opening refuses past deadlines; an item falls behind by time passing, as here.
    RectificationItem.objects.filter(pk=item.pk).update(deadline=deadline, state=state)
    item.refresh_from_db()
    return item


def received(user, kind: str) -> int:
    return Notification.objects.filter(recipient=user, kind=kind).count()


def test_reminder_before_the_deadline_once(scenario):
    item = make_item(scenario, deadline=today() + dt.timedelta(days=2))
    make_item(scenario, deadline=today() + dt.timedelta(days=10))  # not yet
    assert deadlines_follow_up().reminded == 1
    assert received(scenario.head_cardio, "rectification.item.due_soon") == 1
    assert received(scenario.employee, "rectification.item.due_soon") == 1  # the responsible person
    assert received(scenario.head_ortho, "rectification.item.due_soon") == 0
    assert deadlines_follow_up().reminded == 0  # a rerun sends nothing
    item.refresh_from_db()
    assert item.reminded_for == item.deadline
    assert AuditEntry.objects.filter(action="rectification.item.reminded", actor=None).count() == 1


def test_overdue_items_are_escalated_to_heads_office_and_leadership_once(scenario):
    make_item(scenario, deadline=today() - dt.timedelta(days=1))
    make_item(scenario, deadline=today() - dt.timedelta(days=1), state=ItemState.CLOSED)
    done = deadlines_follow_up()
    assert (done.escalated, done.reminded) == (1, 0)
    for user in (scenario.head_cardio, scenario.office, scenario.leader):
        assert received(user, "rectification.item.overdue") == 1
    assert received(scenario.head_ortho, "rectification.item.overdue") == 0
    assert deadlines_follow_up().escalated == 0


def test_an_approved_extension_brings_reminders_back(scenario):
    item = make_item(scenario, deadline=today() + dt.timedelta(days=1))
    deadlines_follow_up()
    request = extension_request(
        item=item, by=scenario.head_cardio, new_deadline=today() + dt.timedelta(days=2), reason="等待配件"
    )
    extension_decide(request=request, by=scenario.office, approve=True, note="")
    assert deadlines_follow_up().reminded == 1
    assert received(scenario.head_cardio, "rectification.item.due_soon") == 2


@pytest.fixture
def rule(scenario):
    load_example_standards()
    return OverdueRule.objects.create(
        active=True, days=7, standard=Standard.objects.get(code="WMKS-M-2026"), code="A1b"
    )


def test_overdue_rule_records_one_deduction_per_item(scenario, rule):
    late = make_item(scenario, deadline=today() - dt.timedelta(days=8))
    make_item(scenario, deadline=today() - dt.timedelta(days=7))  # exactly 7 days: not more than 7
    make_item(scenario, deadline=today() - dt.timedelta(days=30), state=ItemState.CLOSED)
    assert deadlines_follow_up().deducted == 1
    late.refresh_from_db()
    record = late.overdue_record
    assert (record.kind, record.code, record.status, record.count) == (
        RecordKind.FINDING,
        "A1b",
        RecordStatus.COUNTS,
        1,
    )
    assert record.department == scenario.ward and record.date == today()
    assert f"#{late.pk}" in record.note and "已逾期 8 天" in record.note  # in the hospital's language
    assert received(scenario.head_cardio, "rectification.item.overdue_deducted") == 1
    assert deadlines_follow_up().deducted == 0
    assert Record.objects.filter(kind=RecordKind.FINDING).count() == 1


def test_inactive_rule_deducts_nothing(scenario, rule):
    rule.active = False
    rule.save()
    make_item(scenario, deadline=today() - dt.timedelta(days=20))
    assert deadlines_follow_up().deducted == 0
    assert not Record.objects.exists()


def test_a_finalized_period_is_left_alone(scenario, rule):
    start = today().replace(day=1)
    ScoringPeriod.objects.create(
        standard=rule.standard,
        key=f"{start.year}-{start.month:02d}",
        cycle="month",
        start=start,
        end=(start + dt.timedelta(days=32)).replace(day=1),
        finalized_at=timezone.now(),
    )
    make_item(scenario, deadline=today() - dt.timedelta(days=20))
    done = deadlines_follow_up()
    assert (done.deducted, done.skipped) == (0, 1)
    assert not Record.objects.exists()
    assert RectificationItem.objects.get().overdue_record is None


def test_the_task_reports_what_it_did(scenario):
    make_item(scenario, deadline=today() - dt.timedelta(days=1))
    assert deadlines_follow_up_task.delay().get() == {"reminded": 0, "escalated": 1, "deducted": 0, "skipped": 0}


def test_the_command_runs_the_follow_up(scenario):
    from io import StringIO

    from django.core.management import call_command

    make_item(scenario, deadline=today() - dt.timedelta(days=1))
    out = StringIO()
    call_command("follow_up_deadlines", "--language", "en", stdout=out)
    assert out.getvalue().strip() == "Reminders: 0, escalations: 1, overdue deductions: 0, refused: 0."
