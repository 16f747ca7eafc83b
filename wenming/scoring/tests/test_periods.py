"""Periods: keys, their dates, sub-periods and the local calendar date of a moment."""

from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from wenming.scoring.periods import Period, local_date, parse_period, period_of
from wenming.standards.definition import Cycle


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English (they are translated for users)."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("key", "cycle", "start", "end"),
    [
        ("2026-10", Cycle.MONTH, date(2026, 10, 1), date(2026, 11, 1)),
        ("2026-01", Cycle.MONTH, date(2026, 1, 1), date(2026, 2, 1)),
        ("2026-02", Cycle.MONTH, date(2026, 2, 1), date(2026, 3, 1)),
        ("2026-12", Cycle.MONTH, date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-Q1", Cycle.QUARTER, date(2026, 1, 1), date(2026, 4, 1)),
        ("2026-Q3", Cycle.QUARTER, date(2026, 7, 1), date(2026, 10, 1)),
        ("2026-Q4", Cycle.QUARTER, date(2026, 10, 1), date(2027, 1, 1)),
        ("2026", Cycle.YEAR, date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_parse_period_gives_the_half_open_date_range(key, cycle, start, end):
    period = parse_period(key)
    assert period == Period(key, cycle, start, end)
    assert str(period) == key
    assert parse_period(key, cycle) == period
    assert parse_period(key, cycle.value) == period  # the cycle may be given as its word


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("2026-13", "month 13"),
        ("2026-00", "month 00"),
        ("2026-Q5", "quarter Q5"),
        ("2026-Q0", "quarter Q0"),
        ("26-10", "is not a month"),
        (" 2026-10", "is not a month"),
        ("2026-10 ", "is not a month"),
        ("2026-10\n", "is not a month"),
        ("2026-1", "is not a month"),
        ("2026-q4", "is not a month"),
        ("2026/10", "is not a month"),
        ("２０２６-10", "is not a month"),
        ("", "is not a month"),
        ("0000", "out of range"),
        ("2026-10-01", "is not a month"),
    ],
)
def test_a_malformed_key_is_refused_with_a_clear_message(key, words):
    with pytest.raises(ValueError, match=words) as caught:
        parse_period(key)
    assert repr(key) in str(caught.value)


@pytest.mark.parametrize(
    ("key", "cycle", "example"),
    [("2026-Q4", Cycle.MONTH, "2026-10"), ("2026-10", Cycle.QUARTER, "2026-Q4"), ("2026-10", Cycle.YEAR, "2026")],
)
def test_a_key_of_another_cycle_is_refused(key, cycle, example):
    with pytest.raises(ValueError, match=f"standard's cycle is {cycle.value}") as caught:
        parse_period(key, cycle)
    assert example in str(caught.value)


def test_a_key_that_is_not_text_is_refused():
    with pytest.raises(ValueError, match="must be text"):
        parse_period(202610)  # type: ignore[arg-type]


def test_contains_is_start_inclusive_and_end_exclusive():
    october = parse_period("2026-10")
    assert october.contains(date(2026, 10, 1))
    assert october.contains(date(2026, 10, 31))
    assert not october.contains(date(2026, 11, 1))
    assert not october.contains(date(2026, 9, 30))
    with pytest.raises(TypeError, match="local_date"):
        october.contains(datetime(2026, 10, 5, 12, 0))


def test_a_quarter_is_three_months():
    assert [str(p) for p in parse_period("2026-Q4").sub_periods(Cycle.MONTH)] == ["2026-10", "2026-11", "2026-12"]
    assert [str(p) for p in parse_period("2026-Q1").sub_periods(Cycle.MONTH)] == ["2026-01", "2026-02", "2026-03"]


def test_a_year_is_four_quarters_or_twelve_months():
    year = parse_period("2026")
    assert [str(p) for p in year.sub_periods(Cycle.QUARTER)] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    months = year.sub_periods(Cycle.MONTH)
    assert [str(p) for p in months] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert months[0].start == year.start and months[-1].end == year.end
    assert all(a.end == b.start for a, b in pairwise(months))


def test_sub_periods_of_the_same_cycle_is_the_period_itself_and_a_longer_cycle_is_refused():
    october = parse_period("2026-10")
    assert october.sub_periods(Cycle.MONTH) == [october]
    with pytest.raises(ValueError, match="longer"):
        october.sub_periods(Cycle.QUARTER)
    with pytest.raises(ValueError, match="longer"):
        parse_period("2026-Q4").sub_periods(Cycle.YEAR)


def test_sub_periods_that_have_begun():
    quarter = parse_period("2026-Q4")
    assert quarter.sub_periods(Cycle.MONTH, begun_by=date(2026, 9, 30)) == []
    assert [str(p) for p in quarter.sub_periods(Cycle.MONTH, begun_by=date(2026, 10, 1))] == ["2026-10"]
    assert [str(p) for p in quarter.sub_periods(Cycle.MONTH, begun_by=date(2026, 11, 30))] == ["2026-10", "2026-11"]
    assert len(quarter.sub_periods(Cycle.MONTH, begun_by=date(2027, 3, 1))) == 3


@pytest.mark.parametrize(
    ("day", "cycle", "key"),
    [
        (date(2026, 10, 31), Cycle.MONTH, "2026-10"),
        (date(2026, 11, 1), Cycle.MONTH, "2026-11"),
        (date(2026, 3, 31), Cycle.QUARTER, "2026-Q1"),
        (date(2026, 4, 1), Cycle.QUARTER, "2026-Q2"),
        (date(2026, 12, 31), Cycle.QUARTER, "2026-Q4"),
        (date(2026, 12, 31), Cycle.YEAR, "2026"),
        (date(2024, 2, 29), Cycle.MONTH, "2024-02"),
    ],
)
def test_period_of_a_day(day, cycle, key):
    period = period_of(day, cycle)
    assert period == parse_period(key)
    assert period.contains(day)


def test_period_of_refuses_a_datetime():
    with pytest.raises(TypeError):
        period_of(datetime(2026, 10, 31, 20, 0, tzinfo=UTC), Cycle.MONTH)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 10, 31, 20, 0, tzinfo=UTC), date(2026, 11, 1)),  # the month end that matters
        (datetime(2026, 10, 31, 15, 59, 59, tzinfo=UTC), date(2026, 10, 31)),
        (datetime(2026, 10, 31, 16, 0, tzinfo=UTC), date(2026, 11, 1)),
        (datetime(2026, 9, 30, 16, 30, tzinfo=UTC), date(2026, 10, 1)),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), date(2027, 1, 1)),  # and a year end
        (datetime.fromisoformat("2026-10-03T09:12:00+08:00"), date(2026, 10, 3)),
        (datetime.fromisoformat("2026-11-01T00:30:00-05:00"), date(2026, 11, 1)),
        (datetime(2026, 10, 31, 23, 59), date(2026, 10, 31)),  # naive: already local
    ],
)
def test_local_date_uses_the_shanghai_calendar(moment, day):
    assert local_date(moment) == day


def test_local_date_in_another_time_zone():
    moment = datetime(2026, 10, 31, 20, 0, tzinfo=UTC)
    assert local_date(moment, "UTC") == date(2026, 10, 31)
    assert local_date(moment, ZoneInfo("America/New_York")) == date(2026, 10, 31)
    assert local_date(moment, timezone(timedelta(hours=9))) == date(2026, 11, 1)
    assert local_date(datetime(2026, 10, 31, 23, 0), "UTC") == date(2026, 10, 31)


def test_a_feedback_at_a_utc_month_end_belongs_to_the_next_local_month():
    moment = datetime.fromisoformat("2026-10-31T20:00:00Z")
    assert period_of(local_date(moment), Cycle.MONTH).key == "2026-11"
    assert not parse_period("2026-10").contains(local_date(moment))
    assert period_of(local_date(datetime.fromisoformat("2026-12-31T17:00:00+00:00")), Cycle.YEAR).key == "2027"


def test_local_date_of_a_date_is_the_date():
    assert local_date(date(2026, 10, 31)) == date(2026, 10, 31)
    with pytest.raises(TypeError):
        local_date("2026-10-31")  # type: ignore[arg-type]


def test_a_period_is_immutable_and_hashable():
    period = parse_period("2026-10")
    assert {period, parse_period("2026-10")} == {period}
    with pytest.raises(AttributeError):
        period.key = "2026-11"  # type: ignore[misc]
