"""Rectification selectors: the ledger's scoping, filters and overdue flag; overdue counts."""

from __future__ import annotations

import datetime as dt

import pytest

from wenming.org.tests.factories import DepartmentFactory
from wenming.rectification.models import ItemState, RectificationItem, Source
from wenming.rectification.selectors import ledger, overdue_counts_by_department

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


def item(department, *, deadline=TODAY, state=ItemState.LISTED, source=Source.SUPERVISION, problem="问题"):
    return RectificationItem.objects.create(
        department=department, problem=problem, source=source, deadline=deadline, state=state
    )


@pytest.fixture
def items(scenario):
    return {
        "cardio_overdue": item(scenario.cardio, deadline=TODAY - dt.timedelta(days=3), problem="A"),
        "ward_due_today": item(scenario.ward, deadline=TODAY, state=ItemState.IN_PROGRESS, problem="B"),
        "ward_closed_late": item(
            scenario.ward, deadline=TODAY - dt.timedelta(days=10), state=ItemState.CLOSED, problem="C"
        ),
        "ortho_overdue": item(
            scenario.ortho,
            deadline=TODAY - dt.timedelta(days=1),
            state=ItemState.AWAITING_CHECK,
            source=Source.COMPLAINT,
            problem="D",
        ),
        "ortho_later": item(scenario.ortho, deadline=TODAY + dt.timedelta(days=5), problem="E"),
    }


def problems(qs) -> list[str]:
    return [i.problem for i in qs]


@pytest.mark.parametrize("who", ["office", "leader", "inspector", "sysadmin"])
def test_whole_hospital_roles_see_every_item_ordered_by_deadline(scenario, items, who):
    assert problems(ledger(user=getattr(scenario, who), today=TODAY)) == ["C", "A", "D", "B", "E"]


def test_heads_and_staff_see_their_own_departments(scenario, items):
    assert problems(ledger(user=scenario.head_cardio, today=TODAY)) == ["C", "A", "B"]
    assert problems(ledger(user=scenario.head_ortho, today=TODAY)) == ["D", "E"]
    # A plain employee sees the items of the department they work in.
    assert problems(ledger(user=scenario.employee, today=TODAY)) == ["C", "B"]


def test_overdue_flag_is_open_and_past_the_deadline(scenario, items):
    flags = {i.problem: i.is_overdue for i in ledger(user=scenario.office, today=TODAY)}
    assert flags == {"A": True, "B": False, "C": False, "D": True, "E": False}


def test_filters(scenario, items):
    office = scenario.office
    assert problems(ledger(user=office, department=scenario.cardio, today=TODAY)) == ["C", "A", "B"]
    assert problems(ledger(user=office, department=scenario.ward, today=TODAY)) == ["C", "B"]
    assert problems(ledger(user=office, state=ItemState.LISTED, today=TODAY)) == ["A", "E"]
    assert problems(ledger(user=office, source=Source.COMPLAINT, today=TODAY)) == ["D"]
    assert problems(ledger(user=office, overdue=True, today=TODAY)) == ["A", "D"]
    assert problems(ledger(user=office, overdue=False, today=TODAY)) == ["C", "B", "E"]
    assert problems(ledger(user=office, department=scenario.ortho, overdue=True, today=TODAY)) == ["D"]


def test_a_department_filter_never_widens_the_scope(scenario, items):
    assert problems(ledger(user=scenario.head_cardio, department=scenario.ortho, today=TODAY)) == []


def test_ledger_query_count_does_not_grow_with_items(scenario, django_assert_num_queries):
    from wenming.org.access import access_for

    departments = [DepartmentFactory(code=f"D3{n:02d}", name=f"科室{n}") for n in range(8)]
    departments += [scenario.cardio, scenario.ward]
    RectificationItem.objects.bulk_create(
        RectificationItem(
            department=departments[n % 10],
            responsible=scenario.employee_staff if n % 10 == 9 else None,
            problem=f"问题{n}",
            source=Source.OTHER,
            deadline=TODAY + dt.timedelta(days=n % 30 - 15),
        )
        for n in range(300)
    )
    for user, expected in ((scenario.office, 300), (scenario.head_cardio, 60)):
        access_for(user)  # computed once per request, not part of the ledger's cost
        with django_assert_num_queries(1):
            rows = list(ledger(user=user, today=TODAY))
            shown = [(row.department.name, row.responsible and row.responsible.name, row.is_overdue) for row in rows]
        assert len(shown) == expected
        assert any(overdue for *_, overdue in shown)


def test_overdue_counts_by_department(scenario, items, django_assert_num_queries):
    item(scenario.ortho, deadline=TODAY - dt.timedelta(days=30), state=ItemState.IN_PROGRESS)
    with django_assert_num_queries(1):
        counts = overdue_counts_by_department(today=TODAY)
    assert counts == [
        {"department_id": scenario.ortho.pk, "code": "D02", "name": "骨科", "overdue": 2},
        {"department_id": scenario.cardio.pk, "code": "D01", "name": "心血管内科", "overdue": 1},
    ]
