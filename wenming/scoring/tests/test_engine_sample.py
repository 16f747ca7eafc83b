"""The worked sample (shared/data/sample) end to end, and the engine's speed."""

import pytest
from django.utils import translation

from wenming.scoring.engine import score_period, to_json
from wenming.scoring.periods import parse_period
from wenming.scoring.tests.sample import expected, sample_facts, wmks_month


@pytest.fixture(autouse=True)
def _english():
    """Explanations are asserted in English, their msgids; people read them translated."""
    with translation.override("en"):
        yield


def test_the_sample_month_matches_the_hand_checked_results_exactly():
    standard = wmks_month()
    period = parse_period("2026-10", standard.cycle)
    results = score_period(standard, sample_facts(standard, period))
    assert {"standard": standard.code, "period": period.key, "results": [to_json(r) for r in results]} == expected()


def test_the_sample_explains_every_point():
    standard = wmks_month()
    results = {r.subject: r for r in score_period(standard, sample_facts(standard, parse_period("2026-10")))}
    assert results["D02"].explanations["C"] == "25 − 1×3.00 = 22.00"
    assert results["D02"].explanations["S"] == (
        "rate = 40/45 satisfied (overall ≥ 4); 20 − (0.95 − 40/45) / 0.01 × 1 = 13.89"
    )
    assert results["D04"].explanations["F"] == "3×0.50 = 1.50"
    assert results["D09"].explanations["V"] == "vetoed: V3 发生严重损害医院形象的负面舆情事件"
    assert results["D06"].explanations["D"] == "D1 + D2 + D3 = 6.00 + 8.00 + 4.00 = 18.00"


def test_feedback_is_dated_by_its_local_day():
    standard = wmks_month()
    november = {f.subject: f for f in sample_facts(standard, parse_period("2026-11"))}
    assert all(not f.feedback and not f.findings and not f.manual for f in november.values())
