"""The numbers: hand-computed cases, the engine's counting, targets, months on the hospital's calendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wenming.feedback.models import Feedback
from wenming.org.access import access_for
from wenming.org.tests.factories import DepartmentFactory, StaffFactory
from wenming.satisfaction import selectors
from wenming.satisfaction.selectors import Tally, rounded
from wenming.scoring.aggregation import period_facts, subjects_in_scope
from wenming.scoring.periods import parse_period
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard
from wenming.standards.services import standard_import

from .conftest import TODAY, give, give_many

pytestmark = pytest.mark.django_db

OCTOBER = parse_period("2026-10")
NOVEMBER = parse_period("2026-11")


# --- Arithmetic ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "satisfied", "rate"),
    [
        (3, 2, "0.6667"),
        (32, 1, "0.0313"),
        (8, 1, "0.1250"),
        (1, 1, "1.0000"),
        (7, 0, "0.0000"),
        (20000, 19999, "1.0000"),
    ],
)
def test_rates_are_exact_and_rounded_half_up(n, satisfied, rate):
    assert Tally(n, satisfied).rate == Decimal(rate)


def test_no_responses_have_no_rate_and_no_change():
    assert Tally().rate is None and Tally().percent is None
    assert Tally(3, 2).change_from(Tally()) is None


def test_change_is_in_points_from_the_exact_rates():
    assert Tally(3, 2).change_from(Tally(3, 1)) == Decimal("33.33")
    assert Tally(3, 1).change_from(Tally(3, 2)) == Decimal("-33.33")
    # 1/32 − 0 = 3.125 points: half up, away from zero both ways.
    assert Tally(32, 1).change_from(Tally(5, 0)) == Decimal("3.13")
    assert Tally(5, 0).change_from(Tally(32, 1)) == Decimal("-3.13")
    assert rounded(Tally(3, 1).fraction - Tally(3, 1).fraction, Decimal("0.01")) == Decimal("0.00")


# --- Counting ---------------------------------------------------------------------------------------


def test_valid_feedback_rated_4_or_5_is_satisfied(scenario):
    give_many(scenario.cardio, {5: 3, 4: 2, 3: 1, 2: 1, 1: 1})
    give_many(scenario.cardio, {5: 4, 1: 2}, valid=False)  # flagged or rejected: never counts
    give_many(scenario.ward, {5: 1})  # the ward counts for itself, not for 心血管内科
    rows = {r.department.code: r for r in selectors.department_rates(start=OCTOBER.start, end=dt.date(2026, 10, 31))}
    cardio = rows["D01"]
    assert (cardio.n, cardio.satisfied, cardio.rate) == (8, 5, Decimal("0.6250"))
    assert (rows["D0101"].n, rows["D0101"].rate) == (1, Decimal("1.0000"))
    assert rows["D02"].n == 0 and rows["D02"].rate is None and rows["D02"].insufficient
    assert selectors.hospital_rate(start=OCTOBER.start, end=dt.date(2026, 10, 31)) == Tally(9, 6)


def test_months_follow_the_hospitals_calendar(scenario):
    # 31 October 20:00 UTC is 1 November 04:00 in Shanghai: November's.
    give(scenario.cardio, 5, at="2026-10-31T20:00:00+00:00")
    # 31 October 15:59 UTC is 23:59 in Shanghai: still October.
    give(scenario.cardio, 1, at="2026-10-31T15:59:00+00:00")
    give(scenario.cardio, 4, "2026-10-01")
    give(scenario.cardio, 4, "2026-09-30")
    counts = selectors.monthly_counts(
        months=[parse_period("2026-09"), OCTOBER, NOVEMBER], department_ids=[scenario.cardio.pk]
    )
    tallies = {key: selectors.tally(per[scenario.cardio.pk]) for key, per in counts.items()}
    assert tallies == {"2026-09": Tally(1, 1), "2026-10": Tally(2, 1), "2026-11": Tally(1, 1)}
    # The same for the whole hospital (the cached path).
    whole = selectors.monthly_counts(months=[OCTOBER, NOVEMBER], today=TODAY)
    assert selectors.tally(whole["2026-10"][scenario.cardio.pk]) == Tally(2, 1)
    assert selectors.tally(whole["2026-11"][scenario.cardio.pk]) == Tally(1, 1)


def test_counts_equal_the_scoring_engines(scenario):
    """The dashboard and the engine read the same feedback the same way."""
    load_example_standards()
    give_many(scenario.cardio, {5: 20, 4: 9, 3: 2, 1: 1})
    give_many(scenario.cardio, {5: 3}, valid=False)
    give_many(scenario.ortho, {4: 2, 2: 3}, day="2026-10-31")
    give_many(scenario.ortho, {5: 2}, day="2026-11-01")
    give_many(scenario.ward, {5: 1, 3: 1}, day="2026-10-01")
    standard = Standard.objects.get(code="WMKS-M-2026")
    definition = standard.versions.order_by("-number").first().definition
    facts = period_facts(
        standard=standard,
        definition=definition,
        period=OCTOBER,
        subjects=subjects_in_scope(definition=definition),
    )
    engine = {
        f.subject: Tally(sum(f.feedback.values()), sum(n for r, n in f.feedback.items() if r >= 4)) for f in facts
    }
    board = selectors.dashboard(access=access_for(scenario.office), period=OCTOBER, today=TODAY)
    mine = {row.department.code: row.tally for row in board.rows}
    assert mine == engine
    assert mine["D01"] == Tally(32, 29) and mine["D02"] == Tally(5, 2) and mine["D0101"] == Tally(2, 1)


def test_the_period_the_one_before_and_the_trend(scenario):
    give_many(scenario.cardio, {5: 3, 2: 1}, day="2026-10-10")
    give_many(scenario.cardio, {5: 1, 1: 1}, day="2026-09-10")
    give_many(scenario.cardio, {4: 1}, day="2025-12-01")
    give_many(scenario.cardio, {4: 1}, day="2025-10-31")  # 13 months back: outside the trend
    board = selectors.dashboard(access=access_for(scenario.office), period=OCTOBER, today=TODAY)
    row = next(r for r in board.rows if r.department.code == "D01")
    assert row.tally == Tally(4, 3) and row.previous == Tally(2, 1)
    assert row.change == Decimal("25.00")
    assert board.trend[0].month.key == "2025-11" and board.trend[-1].month.key == "2026-10"
    trend = {p.month.key: p.tally for p in board.trend}
    assert trend["2026-10"] == Tally(4, 3) and trend["2026-09"] == Tally(2, 1) and trend["2025-12"] == Tally(1, 1)
    assert trend["2025-11"] == Tally()
    assert board.overall == Tally(4, 3) and board.overall_change == Decimal("25.00")


def test_a_quarter_and_its_previous_quarter(scenario):
    give_many(scenario.ortho, {5: 2}, day="2026-07-01")
    give_many(scenario.ortho, {1: 1}, day="2026-09-30")
    give_many(scenario.ortho, {5: 1}, day="2026-06-30")
    board = selectors.dashboard(access=access_for(scenario.office), period=parse_period("2026-Q3"), today=TODAY)
    row = next(r for r in board.rows if r.department.code == "D02")
    assert row.tally == Tally(3, 2) and row.previous == Tally(1, 1)
    assert board.previous.key == "2026-Q2"


def test_lowest_first_puts_departments_without_feedback_last(scenario):
    give_many(scenario.cardio, {5: 9, 1: 1})
    give_many(scenario.ortho, {5: 1, 1: 1})
    give_many(scenario.ward, {5: 1})
    board = selectors.dashboard(access=access_for(scenario.office), period=OCTOBER, lowest_first=True, today=TODAY)
    assert [r.department.code for r in board.rows] == ["D02", "D01", "D0101", "D09"]


def test_a_head_sees_only_their_departments(scenario):
    give_many(scenario.cardio, {5: 1})
    give_many(scenario.ward, {4: 1})
    give_many(scenario.ortho, {1: 1}, comment="骨科的差评")
    board = selectors.dashboard(access=access_for(scenario.head_cardio), period=OCTOBER, today=TODAY)
    assert [r.department.code for r in board.rows] == ["D01", "D0101"]
    assert board.overall == Tally(2, 2) and not board.whole_hospital and board.comments == []
    assert selectors.dashboard(access=access_for(scenario.employee), period=OCTOBER, today=TODAY).rows == []


def test_category_filter(scenario):
    give_many(scenario.office_dept, {5: 1})
    give_many(scenario.cardio, {1: 1}, comment="临床的意见")
    board = selectors.dashboard(access=access_for(scenario.office), period=OCTOBER, category="admin", today=TODAY)
    assert [r.department.code for r in board.rows] == ["D09"] and board.overall == Tally(1, 1)
    assert board.comments == [] and [c.channel for c in board.channels] == ["qr"]


def test_inactive_departments_show_only_with_feedback(scenario):
    closed = DepartmentFactory(code="D03", name="旧科室", is_active=False)
    DepartmentFactory(code="D04", name="已撤销科室", is_active=False)
    give_many(closed, {5: 1}, day="2026-09-03")
    board = selectors.dashboard(access=access_for(scenario.office), period=OCTOBER, today=TODAY)
    codes = [r.department.code for r in board.rows]
    assert "D03" in codes and "D04" not in codes


# --- Targets ----------------------------------------------------------------------------------------


NURSING_STANDARD = """\
code: HL-M-2026
name: 护理单元月度考核
subject: department
cycle: month
applies_to: [nursing]
full_score: 100
grades: [{name: 合格, min: 60}, {name: 不合格, min: 0}]
veto_grade: 不合格
items:
  - {code: S, name: 满意度, points: 100, rule: satisfaction, target: 0.9, step: 0.01, step_points: 2,
     min_responses: 10, satisfied_min: 5}
"""


def test_targets_come_from_the_standards(scenario):
    assert selectors.satisfaction_targets().for_category("clinical") == selectors.Target()
    assert selectors.Target().target == Decimal("0.95") and selectors.Target().min_responses == 30
    load_example_standards()
    standard_import(text=NURSING_STANDARD)
    targets = selectors.satisfaction_targets()
    clinical = targets.for_category("clinical")
    assert (clinical.standard, clinical.item, clinical.target, clinical.min_responses) == (
        "WMKS-M-2026",
        "S",
        Decimal("0.95"),
        30,
    )
    nursing = targets.for_category("nursing")
    assert (nursing.standard, nursing.target, nursing.min_responses, nursing.satisfied_min) == (
        "HL-M-2026",
        Decimal("0.9"),
        10,
        5,
    )


def test_a_standards_satisfied_min_is_honoured(scenario):
    standard_import(text=NURSING_STANDARD)
    ward = DepartmentFactory(code="N01", name="护理部", category="nursing")
    give_many(ward, {5: 9, 4: 1})
    row = next(
        r for r in selectors.department_rates(start=OCTOBER.start, end=dt.date(2026, 10, 31)) if r.department == ward
    )
    assert row.tally == Tally(10, 9) and not row.insufficient and not row.below_target
    give_many(ward, {4: 1})
    row = next(
        r for r in selectors.department_rates(start=OCTOBER.start, end=dt.date(2026, 10, 31)) if r.department == ward
    )
    assert row.tally == Tally(11, 9) and row.below_target  # 9/11 = 0.818… < 0.9


def test_below_target_compares_the_exact_rate(scenario):
    give_many(scenario.cardio, {5: 18, 3: 1})  # 18/19 = 0.947368… < 0.95 (rounds to 94.74%)
    give_many(scenario.ortho, {5: 19, 3: 1})  # 19/20 = 0.95: on target
    rows = {r.department.code: r for r in selectors.department_rates(start=OCTOBER.start, end=dt.date(2026, 10, 31))}
    assert rows["D01"].below_target and rows["D01"].insufficient
    assert not rows["D02"].below_target


# --- Lists ------------------------------------------------------------------------------------------


def test_lowest_comments(scenario):
    give(scenario.cardio, 2, "2026-10-03", comment="等了两个小时")
    give(scenario.cardio, 1, "2026-10-20", comment="态度差")
    give(scenario.cardio, 1, "2026-10-21", comment="")  # no comment
    give(scenario.cardio, 3, "2026-10-22", comment="一般")  # not low
    give(scenario.cardio, 1, "2026-10-23", comment="刷的", valid=False)
    give(scenario.cardio, 1, "2026-11-01", comment="下个月的")
    comments = selectors.lowest_comments(start=OCTOBER.start, end=dt.date(2026, 10, 31))
    assert [c.comment for c in comments] == ["态度差", "等了两个小时"]


def test_staff_rates(scenario):
    doctor = StaffFactory(department=scenario.cardio, name="李医生")
    nurse = StaffFactory(department=scenario.cardio, name="王护士")
    give_many(scenario.cardio, {5: 2, 2: 1}, staff=doctor)
    give_many(scenario.cardio, {4: 1}, staff=nurse)
    give_many(scenario.cardio, {5: 5}, staff=nurse, valid=False)
    rates = selectors.staff_rates(department_ids=[scenario.cardio.pk], start=OCTOBER.start, end=dt.date(2026, 10, 31))
    assert [(r.name, r.tally) for r in rates] == [("李医生", Tally(3, 2)), ("王护士", Tally(1, 1))]


def test_channels(scenario):
    give_many(scenario.cardio, {5: 3, 1: 1}, channel="qr")
    give_many(scenario.cardio, {4: 1}, channel="followup")
    board = selectors.dashboard(access=access_for(scenario.office), period=OCTOBER, today=TODAY)
    channels = {c.channel: c for c in board.channels}
    assert channels["qr"].tally == Tally(4, 3) and channels["qr"].share == Decimal("0.8000")
    assert channels["followup"].tally == Tally(1, 1) and list(channels) == ["qr", "followup"]


# --- Caching ----------------------------------------------------------------------------------------


def test_months_are_cached_finished_ones_longer(scenario, monkeypatch, django_assert_num_queries):
    from django.core.cache import cache

    stored = {}
    real = cache.set_many

    def spy(entries, timeout):
        stored.update(dict.fromkeys(entries, timeout))
        return real(entries, timeout)

    monkeypatch.setattr(cache, "set_many", spy)
    give_many(scenario.cardio, {5: 1}, day="2026-10-02")
    months = [OCTOBER, NOVEMBER]
    first = selectors.monthly_counts(months=months, today=TODAY)
    assert stored == {"satisfaction:month:2026-10:all:g0": 300, "satisfaction:month:2026-11:all:g0.0": 60}
    give_many(scenario.cardio, {1: 1}, day="2026-10-03")
    with django_assert_num_queries(0):
        assert selectors.monthly_counts(months=months, today=TODAY) == first
    # Another set of departments has its own entries, counted from the rows.
    head = selectors.monthly_counts(months=months, department_ids=[scenario.cardio.pk], today=TODAY)
    assert selectors.tally(head["2026-10"][scenario.cardio.pk]) == Tally(2, 1)
    assert len(stored) == 4
    cache.clear()
    again = selectors.monthly_counts(months=months, today=TODAY)
    assert selectors.tally(again["2026-10"][scenario.cardio.pk]) == Tally(2, 1)


def test_counting_is_one_query_whatever_the_amount(scenario, django_assert_num_queries):
    Feedback.objects.bulk_create(
        [
            Feedback(
                department=d,
                at=dt.datetime(2026, 10, 1 + i % 28, 3, tzinfo=dt.UTC),
                local_date=dt.date(2026, 10, 1 + i % 28),
                overall=1 + i % 5,
                channel=("qr", "kiosk", "followup")[i % 3],
            )
            for i in range(300)
            for d in (scenario.cardio, scenario.ortho)
        ]
    )
    with django_assert_num_queries(1):
        counts = selectors.monthly_counts(months=selectors.months_back(NOVEMBER, 12), department_ids=None, today=TODAY)
    assert sum(selectors.tally(c).n for c in counts["2026-10"].values()) == 600


def test_monthly_trend(scenario, django_assert_max_num_queries):
    give_many(scenario.cardio, {5: 1, 1: 1}, day="2026-10-31")
    give_many(scenario.ortho, {4: 2}, day="2026-09-01")
    give_many(scenario.ward, {5: 1}, day="2026-09-30")
    with django_assert_max_num_queries(4):  # the hospital (today), the counts, the targets, the categories
        trend = selectors.monthly_trend(last=OCTOBER, months=3)
    assert [(p.month.key, p.tally) for p in trend] == [
        ("2026-08", Tally()),
        ("2026-09", Tally(3, 3)),
        ("2026-10", Tally(2, 1)),
    ]
    mine = selectors.monthly_trend(department_ids=[scenario.cardio.pk, scenario.ward.pk], last=OCTOBER, months=2)
    assert [p.tally for p in mine] == [Tally(1, 1), Tally(2, 1)]


def test_a_new_rating_or_a_late_change_is_counted_at_once(scenario, clock, django_capture_on_commit_callbacks):
    """Cached figures are never read after the feedback they count changed through the services."""
    from wenming.feedback import services as feedback_services
    from wenming.feedback.services import feedback_clear

    months = [OCTOBER, NOVEMBER]
    give_many(scenario.cardio, {5: 2}, day="2026-10-02")
    flagged = give(scenario.cardio, 1, day="2026-10-05", valid=False)
    Feedback.objects.filter(pk=flagged.pk).update(review_status="pending", flag_reasons=["burst"])
    before = selectors.monthly_counts(months=months, today=TODAY)
    assert scenario.cardio.pk not in before["2026-11"]

    with django_capture_on_commit_callbacks(execute=True):
        feedback_services.feedback_record(by=scenario.office, department=scenario.cardio, overall=2, channel="office")
    now = selectors.monthly_counts(months=months, today=TODAY)
    assert selectors.tally(now["2026-11"][scenario.cardio.pk]) == Tally(1, 0)

    with django_capture_on_commit_callbacks(execute=True):
        feedback_clear(feedback=Feedback.objects.get(pk=flagged.pk), by=scenario.office)
    later = selectors.monthly_counts(months=months, today=TODAY)
    assert selectors.tally(later["2026-10"][scenario.cardio.pk]) == Tally(3, 2)
