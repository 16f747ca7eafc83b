from datetime import date, timedelta

import pytest
from django.utils import timezone

from wenming.inspections.models import Frequency, InspectionPlan, InspectionRound, RoundState
from wenming.inspections.selectors import due_this_week, plan_period, rounds_for

WEDNESDAY = date(2026, 11, 25)  # the week is Monday 23 to Sunday 29 November


def make_round(scenario, month, department, day, state=RoundState.SUBMITTED, standard=None):
    return InspectionRound.objects.create(
        standard=standard or month,
        department=department,
        inspector=scenario.inspector,
        date=day,
        state=state,
        client_token=f"{department.code}-{day.isoformat()}-{state}-{InspectionRound.objects.count()}",
    )


@pytest.fixture
def plan(scenario, month):
    plan = InspectionPlan.objects.create(name="每周拉网巡查", standard=month, created_by=scenario.office)
    plan.departments.set([scenario.cardio, scenario.ward, scenario.ortho])
    plan.inspectors.set([scenario.inspector])
    InspectionPlan.objects.filter(pk=plan.pk).update(created_at=timezone.now() - timedelta(days=400))
    plan.refresh_from_db()
    return plan


def test_plan_periods():
    assert plan_period(Frequency.WEEKLY, WEDNESDAY) == (date(2026, 11, 23), date(2026, 11, 30))
    assert plan_period(Frequency.WEEKLY, date(2026, 11, 29)) == (date(2026, 11, 23), date(2026, 11, 30))
    assert plan_period(Frequency.MONTHLY, WEDNESDAY) == (date(2026, 11, 1), date(2026, 12, 1))
    assert plan_period(Frequency.MONTHLY, date(2026, 12, 31)) == (date(2026, 12, 1), date(2027, 1, 1))


def test_due_and_overdue_this_week(scenario, month, plan):
    make_round(scenario, month, scenario.ward, date(2026, 11, 24))  # this week: done
    make_round(scenario, month, scenario.cardio, date(2026, 11, 18))  # last week only: due, not overdue
    # None of these count for 骨科: a draft, next week's, last-but-one week's.
    make_round(scenario, month, scenario.ortho, date(2026, 11, 24), state=RoundState.DRAFT)
    make_round(scenario, month, scenario.ortho, date(2026, 11, 30))
    make_round(scenario, month, scenario.ortho, date(2026, 11, 15))

    schedule = due_this_week(plan=plan, today=WEDNESDAY)

    assert (schedule.start, schedule.end) == (date(2026, 11, 23), date(2026, 11, 30))
    assert schedule.due == [scenario.cardio, scenario.ortho]
    assert schedule.overdue == [scenario.ortho]


def test_rounds_of_another_standard_do_not_count(scenario, month, plan):
    from wenming.standards.models import Standard

    other = Standard.objects.exclude(pk=month.pk).filter(subject="department").first()
    make_round(scenario, month, scenario.ortho, date(2026, 11, 24), standard=other)
    assert scenario.ortho in due_this_week(plan=plan, today=WEDNESDAY).due


def test_inspected_this_week_is_not_overdue_even_if_missed_last_week(scenario, month, plan):
    make_round(scenario, month, scenario.ortho, date(2026, 11, 23))
    schedule = due_this_week(plan=plan, today=WEDNESDAY)
    assert scenario.ortho not in schedule.due
    assert scenario.ortho not in schedule.overdue


def test_a_new_plan_has_nothing_overdue(scenario, month, plan):
    InspectionPlan.objects.filter(pk=plan.pk).update(created_at=timezone.now())
    plan.refresh_from_db()
    today = timezone.localdate()
    schedule = due_this_week(plan=plan, today=today)
    assert len(schedule.due) == 3
    assert schedule.overdue == []


def test_inactive_departments_and_plans_are_not_due(scenario, month, plan):
    scenario.ortho.is_active = False
    scenario.ortho.save()
    assert due_this_week(plan=plan, today=WEDNESDAY).due == [scenario.cardio, scenario.ward]
    plan.active = False
    plan.save()
    assert due_this_week(plan=plan, today=WEDNESDAY).due == []


def test_monthly_plan(scenario, month, plan):
    plan.frequency = Frequency.MONTHLY
    plan.save()
    make_round(scenario, month, scenario.ward, date(2026, 11, 2))
    make_round(scenario, month, scenario.cardio, date(2026, 10, 30))
    schedule = due_this_week(plan=plan, today=WEDNESDAY)
    assert (schedule.start, schedule.end) == (date(2026, 11, 1), date(2026, 12, 1))
    assert schedule.due == [scenario.cardio, scenario.ortho]
    assert schedule.overdue == [scenario.ortho]


def test_schedule_query_count(scenario, month, plan, django_assert_max_num_queries):
    make_round(scenario, month, scenario.ward, date(2026, 11, 24))
    with django_assert_max_num_queries(4):
        due_this_week(plan=plan, today=WEDNESDAY)


def test_rounds_for_is_scoped(scenario, month):
    ward = make_round(scenario, month, scenario.ward, WEDNESDAY)
    cardio = make_round(scenario, month, scenario.cardio, WEDNESDAY)
    ortho = make_round(scenario, month, scenario.ortho, WEDNESDAY)

    def seen(user):
        return set(rounds_for(user=user))

    assert seen(scenario.head_cardio) == {ward, cardio}  # 心血管内科 and the ward under it
    assert seen(scenario.head_ortho) == {ortho}
    for user in (scenario.office, scenario.leader, scenario.inspector, scenario.sysadmin):
        assert seen(user) == {ward, cardio, ortho}
    assert seen(scenario.employee) == set()
