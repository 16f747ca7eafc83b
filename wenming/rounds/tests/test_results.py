"""The arithmetic: minimum raters, dropping extremes, weighted totals, half-up rounding, patients."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from wenming.rounds.results import group_result, half_up, outcome, patient_value


def F(*values):
    return [Fraction(v) for v in values]


def test_minimum_raters():
    assert group_result("peer", F(61, 77), weight=Decimal(1), min_raters=3, drop_extremes=False).mean is None
    shown = group_result("peer", F(61, 77, 93), weight=Decimal(1), min_raters=3, drop_extremes=False)
    assert shown.mean == Decimal("77.00") and shown.count == 3


def test_self_is_exempt():
    assert group_result("self", F(88), weight=Decimal(1), min_raters=3, drop_extremes=True).mean == Decimal("88.00")


def test_drop_extremes_only_with_minimum_plus_two():
    # 4 scores, min 3: not enough to drop (needs 5).
    r = group_result("peer", F(10, 60, 70, 100), weight=Decimal(1), min_raters=3, drop_extremes=True)
    assert r.mean == Decimal("60.00") and r.used == 4
    # 5 scores: drop 10 and 100 → mean(60, 70, 80) = 70.
    r = group_result("peer", F(10, 60, 70, 80, 100), weight=Decimal(1), min_raters=3, drop_extremes=True)
    assert r.mean == Decimal("70.00") and r.used == 3 and r.count == 5
    # Drops one of each even with ties.
    r = group_result("peer", F(50, 50, 50, 90, 90), weight=Decimal(1), min_raters=3, drop_extremes=True)
    assert r.mean == Decimal("63.33")


def test_half_up():
    assert half_up(Fraction(12345, 1000)) == Decimal("12.35")
    assert half_up(Fraction(12344, 1000)) == Decimal("12.34")
    assert half_up(Fraction(200, 3)) == Decimal("66.67")
    assert half_up(Fraction(1, 8)) == Decimal("0.13")


def test_weighted_total_over_shown_groups_only():
    result = outcome(
        {"self": F(90), "peer": F(61, 77, 93), "leader": F(80, 70)},
        weights={"self": Decimal(10), "peer": Decimal(40), "leader": Decimal(50)},
        min_raters=3,
        drop_extremes=False,
    )
    assert [g.group for g in result.left_out] == ["leader"]
    # (10×90 + 40×77) / 50 = 79.6
    assert result.total == Decimal("79.60")


def test_no_group_shown_no_total():
    result = outcome({"peer": F(50)}, weights={"peer": Decimal(1)}, min_raters=3, drop_extremes=False)
    assert result.total is None


def test_patient_scale():
    assert patient_value(5) == 100 and patient_value(1) == 0 and patient_value(4) == 75
    result = outcome(
        {"patient": [patient_value(v) for v in (5, 4, 4)]},
        weights={"patient": Decimal(1)},
        min_raters=3,
        drop_extremes=False,
    )
    assert result.total == Decimal("83.33")
