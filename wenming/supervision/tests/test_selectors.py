"""The numbers of the monthly report, exactly, for the month built in conftest.py."""

from datetime import date
from decimal import Decimal

import pytest

from wenming.org.access import access_for
from wenming.scoring.models import Record
from wenming.supervision.selectors import month_period, monthly_report, report_scope

from .conftest import TODAY, at


def report_for(user, key="2026-03", today=TODAY):
    return monthly_report(scope=report_scope(access_for(user)), period=month_period(key), today=today)


def test_headline_numbers(scenario, march):
    h = report_for(scenario.office).headline

    assert (h.rounds, h.unannounced, h.departments_inspected) == (6, 2, 3)
    assert (h.records, h.occurrences) == (5, 9)
    assert h.points == Decimal("8.0")
    assert isinstance(h.points, Decimal)
    assert (h.pending_records, h.pending_occurrences) == (1, 1)
    assert (h.appeals_filed, h.appeals_upheld, h.appeals_voided, h.appeals_pending) == (3, 1, 1, 1)


def test_findings_by_department(scenario, march):
    rows = report_for(scenario.office).departments

    assert [(r.code, r.rounds, r.unannounced, r.records, r.occurrences, r.points, r.pending) for r in rows] == [
        ("D0101", 3, 1, 2, 5, Decimal("3.5"), 1),
        ("D02", 2, 1, 3, 4, Decimal("4.5"), 0),
        ("D01", 1, 0, 0, 0, Decimal(0), 0),
    ]


def test_findings_by_problem_with_the_standards_text(scenario, march):
    rows = report_for(scenario.office).problems

    assert [(r.code, r.records, r.occurrences, r.points, r.department_count, r.pending) for r in rows] == [
        ("D1a", 3, 6, Decimal("3.0"), 2, 0),
        ("E1", 1, 2, Decimal("2"), 1, 0),
        ("C1", 1, 1, Decimal("3"), 1, 0),  # the voided C1 of the ward is left out
        ("B2", 0, 0, Decimal(0), 0, 1),  # pending only
    ]
    d1a = rows[0]
    assert d1a.name == "未佩戴工作牌（每人次）"
    assert d1a.item == "D1 亮牌上岗、公开承诺"
    assert d1a.points_each == Decimal("0.5")
    assert d1a.standard_code == "WMKS-M-2026"


def test_repeat_problems(scenario, march):
    rows = report_for(scenario.office).repeats

    assert [(r.department_code, r.code, r.records, r.occurrences, r.earlier_records, r.last_earlier) for r in rows] == [
        ("D0101", "D1a", 1, 3, 1, date(2026, 1, 15)),  # again after January
        ("D0101", "E1", 1, 2, 1, date(2026, 2, 10)),  # again after February
        ("D02", "D1a", 2, 3, 0, None),  # twice in March
    ]
    # 骨科's C1 of December is more than two months back: not a repeat.
    assert rows[0].name == "未佩戴工作牌（每人次）"


def test_a_voided_earlier_finding_is_no_repeat(scenario, march):
    Record.objects.filter(department=scenario.ward, code="E1", date=date(2026, 2, 10)).update(status="voided")

    assert [(r.department_code, r.code) for r in report_for(scenario.office).repeats] == [
        ("D0101", "D1a"),
        ("D02", "D1a"),
    ]


def test_rectification_figures(scenario, march):
    r = report_for(scenario.office).rectification

    # Opened in March (Shanghai time): A, B, C, E and G (31 March 23:30), not H (1 April 00:30).
    assert (r.opened, r.opened_closed) == (5, 2)
    assert r.closure_rate == Decimal("40.0")
    # Closed in March: A 3 days, B 6.5 days, D 12 days → 21.5 / 3 = 7.17.
    assert r.closed == 3
    assert r.average_days == Decimal("7.2")
    # Open at the end of March: C, E (closed in April), F, G.
    assert r.open_at_end == 4


def test_overdue_list_at_the_months_end(scenario, march):
    report = report_for(scenario.office)

    assert report.as_of == date(2026, 3, 31)
    assert [(row.pk, row.department_code, row.deadline, row.days_overdue, row.closed_on) for row in report.overdue] == [
        (march.f.pk, "D0101", date(2026, 2, 1), 58, None),
        (march.c.pk, "D0101", date(2026, 3, 25), 6, None),
        (march.e.pk, "D02", date(2026, 3, 30), 1, date(2026, 4, 2)),
    ]
    assert report.overdue[0].problem == "F 查房无记录"


def test_the_current_month_lists_what_is_overdue_today(scenario, march):
    report = report_for(scenario.office, key="2026-04")

    assert report.as_of == TODAY
    assert report.is_current
    assert report.next is None
    assert [(row.pk, row.days_overdue) for row in report.overdue] == [(march.f.pk, 68), (march.c.pk, 16)]
    # April so far: H was opened, E closed (opened 20 March: 13 days).
    r = report.rectification
    assert (r.opened, r.opened_closed, r.closure_rate, r.closed, r.average_days) == (
        1,
        0,
        Decimal("0.0"),
        1,
        Decimal("13.0"),
    )


def test_trend_of_six_months(scenario, march):
    trend = report_for(scenario.office).trend

    assert [(p.period.key, p.occurrences, p.opened, p.closed, p.closure_rate) for p in trend] == [
        ("2025-10", 0, 0, 0, None),
        ("2025-11", 0, 0, 0, None),
        ("2025-12", 1, 0, 0, None),
        ("2026-01", 1, 1, 0, Decimal("0.0")),
        ("2026-02", 1, 1, 0, Decimal("0.0")),
        ("2026-03", 9, 5, 2, Decimal("40.0")),
    ]


def test_a_head_sees_only_their_departments(scenario, march):
    report = report_for(scenario.head_ortho)
    h = report.headline

    assert [d.code for d in report.scope.departments] == ["D02"]
    assert (h.rounds, h.unannounced, h.departments_inspected, h.occurrences, h.points) == (2, 1, 1, 4, Decimal("4.5"))
    assert (h.appeals_filed, h.appeals_upheld, h.appeals_voided, h.appeals_pending) == (1, 1, 0, 0)
    assert [r.code for r in report.departments] == ["D02"]
    assert [(r.code, r.occurrences) for r in report.problems] == [("D1a", 3), ("C1", 1)]
    assert [(r.department_code, r.code) for r in report.repeats] == [("D02", "D1a")]
    r = report.rectification
    assert (r.opened, r.opened_closed, r.closure_rate, r.closed, r.average_days, r.open_at_end) == (
        3,
        1,
        Decimal("33.3"),
        1,
        Decimal("6.5"),
        2,
    )
    assert [row.pk for row in report.overdue] == [march.e.pk]


def test_the_head_of_a_department_sees_the_wards_under_it(scenario, march):
    report = report_for(scenario.head_cardio)

    assert [r.code for r in report.departments] == ["D0101", "D01"]
    assert report.headline.occurrences == 5
    assert [row.pk for row in report.overdue] == [march.f.pk, march.c.pk]


def test_no_report_for_an_employee(scenario):
    assert report_scope(access_for(scenario.employee)) is None


def test_an_empty_month(scenario, standard):
    report = report_for(scenario.office)

    assert report.headline.rounds == 0
    assert report.headline.points == 0
    assert report.departments == report.problems == report.repeats == report.overdue == []
    assert report.rectification.closure_rate is None
    assert report.rectification.average_days is None


@pytest.mark.parametrize(
    ("key", "ok"),
    [("2026-03", True), ("2026-13", False), ("2026-3", False), ("1999-12", False), ("2026-Q1", False)],
)
def test_month_keys(key, ok):
    assert (month_period(key) is not None) is ok


def test_month_boundaries_are_the_hospitals(scenario, build):
    build.item(scenario.ward, opened=at(2, 28, 23, 59), deadline=date(2026, 3, 5))  # 15:59 UTC on the 28th
    build.item(scenario.ward, opened=at(3, 1, 0, 1), deadline=date(2026, 3, 5))  # 16:01 UTC on 28 February

    assert report_for(scenario.office).rectification.opened == 1
    assert report_for(scenario.office, key="2026-02").rectification.opened == 1
