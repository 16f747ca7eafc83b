"""The demo hospital's year of scores: computed, finalized up to last month, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest

from wenming.feedback.models import Feedback
from wenming.org.demo import load_demo
from wenming.scoring.demo import MONTH_STANDARD, QUARTER_STANDARD, load_demo_scores
from wenming.scoring.models import Record, RecordKind, Result, ScoringPeriod
from wenming.standards.demo import load_example_standards

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def test_demo_scores_fill_the_year_and_a_second_run_adds_nothing():
    load_demo()
    load_example_standards()
    first = load_demo_scores(today=TODAY)

    assert first.records > 500 and first.feedback > 10_000
    months = ScoringPeriod.objects.filter(standard__code=MONTH_STANDARD)
    assert sorted(months.values_list("key", flat=True)) == [f"2026-{m:02d}" for m in range(1, 12)]
    assert set(months.filter(finalized_at__isnull=False).values_list("key", flat=True)) == {
        f"2026-{m:02d}" for m in range(1, 11)
    }
    quarters = ScoringPeriod.objects.filter(standard__code=QUARTER_STANDARD)
    assert set(quarters.filter(finalized_at__isnull=False).values_list("key", flat=True)) == {
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
    }
    assert quarters.get(key="2026-Q4").computed_at is not None
    # The leadership reviewed every quarter that has ended; the current one is still open.
    for key, reviewed in (("2026-Q3", True), ("2026-Q4", False)):
        flags = [f for fs in quarters.get(key=key).results.values_list("flags", flat=True) for f in fs]
        assert ("pending:L" in flags) is not reviewed
    # No feedback or record dated after today; one veto and one correction of a finalized month.
    assert not Feedback.objects.filter(local_date__gt=TODAY).exists()
    assert not Record.objects.filter(date__gt=TODAY).exists()
    assert Result.objects.filter(period__standard__code=MONTH_STANDARD, vetoed=True).count() == 1
    correction = Record.objects.get(kind=RecordKind.CORRECTION)
    assert correction.corrects.is_finalized and correction.reason
    # This month is still open: some leadership scores are missing.
    november = months.get(key="2026-11")
    assert any(
        flag.startswith("pending:") for flags in november.results.values_list("flags", flat=True) for flag in flags
    )

    second = load_demo_scores(today=TODAY)
    assert (second.records, second.feedback, second.finalized) == (0, 0, [])
    assert Record.objects.filter(kind=RecordKind.CORRECTION).count() == 1
