"""The arithmetic of a round's results, on plain numbers (no database): each group's mean with the
minimum-raters rule and the optional dropping of extremes, and the weighted total.

Exact: values are kept as fractions and rounded once, half-up to two decimals, for display. The
weighted total uses the exact means (Σ w·mean / Σ w over the groups shown), so it can differ by 0.01
from the same sum done with the rounded means shown next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from .models import GROUP_ORDER, RaterGroup


def half_up(value: Fraction | None) -> Decimal | None:
    """An exact value rounded half-up to two decimals."""
    if value is None:
        return None
    scaled = value * 100
    sign = -1 if scaled < 0 else 1
    cents = int(abs(scaled) + Fraction(1, 2))
    return (Decimal(sign * cents) / 100).quantize(Decimal("0.01"))


def patient_value(overall: int) -> Fraction:
    """A patient's overall rating (1–5) on the 0–100 scale: (overall − 1) / 4 × 100."""
    return Fraction(overall - 1, 4) * 100


@dataclass(frozen=True)
class GroupResult:
    group: str
    weight: Decimal
    count: int  # scores given (patients: valid feedback)
    used: int  # scores counted after dropping the extremes
    mean: Decimal | None  # None when not shown
    exact: Fraction | None = field(default=None, compare=False, repr=False)

    @property
    def shown(self) -> bool:
        return self.mean is not None

    @property
    def label(self) -> str:
        return RaterGroup(self.group).label


@dataclass(frozen=True)
class Outcome:
    groups: list[GroupResult]
    total: Decimal | None
    exact_total: Fraction | None = field(default=None, compare=False, repr=False)

    @property
    def left_out(self) -> list[GroupResult]:
        return [g for g in self.groups if not g.shown]

    @property
    def shown_groups(self) -> list[GroupResult]:
        return [g for g in self.groups if g.shown]


def group_result(
    group: str, values: list[Fraction], *, weight: Decimal, min_raters: int, drop_extremes: bool
) -> GroupResult:
    count = len(values)
    if group == RaterGroup.SELF:
        # The person's own score: no minimum (it is theirs), nothing to drop.
        mean = Fraction(sum(values), count) if count else None
        return GroupResult(group, weight, count, count, half_up(mean), mean)
    if count < max(min_raters, 1):
        return GroupResult(group, weight, count, 0, None, None)
    used = sorted(values)
    if drop_extremes and count >= min_raters + 2:
        used = used[1:-1]
    mean = Fraction(sum(used), len(used))
    return GroupResult(group, weight, count, len(used), half_up(mean), mean)


def outcome(
    values: dict[str, list[Fraction]], *, weights: dict[str, Decimal], min_raters: int, drop_extremes: bool
) -> Outcome:
    """The groups of one person (in the round's groups, in display order) and their weighted total."""
    groups = [
        group_result(
            group, values.get(group, []), weight=weights[group], min_raters=min_raters, drop_extremes=drop_extremes
        )
        for group in GROUP_ORDER
        if group in weights
    ]
    shown = [g for g in groups if g.shown and g.weight > 0]
    if not shown:
        return Outcome(groups, None, None)
    weight_sum = sum(Fraction(g.weight) for g in shown)
    exact = sum(Fraction(g.weight) * g.exact for g in shown) / weight_sum
    return Outcome(groups, half_up(exact), exact)
