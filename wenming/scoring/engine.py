"""The scoring engine: ``shared/spec/scoring.md`` §2 as a pure function of aggregates.

:func:`score_period` takes a :class:`~wenming.standards.definition.StandardDef` and one
:class:`SubjectFacts` per subject in scope (already filtered to the records that count and
aggregated for the period) and returns one :class:`SubjectResult` per subject: item scores, total,
bonus, deducted, vetoed, grade, rank, flags and an explanation of every item's arithmetic.
No database, no clock, no binary floating point. :func:`to_json` gives one result in the export
shape of ``shared/spec/interchange.md``.

Arithmetic
    Exact throughout, never float. Sums and products of the standard's decimals (Σ count × points)
    are Decimal in a context that raises on any inexact step; every division (a rate, a mean,
    P × mean / full_score, a step) is done in :class:`fractions.Fraction`. Every item score is
    rounded half-up (away from zero at exactly .xx5) to 2 decimal places the moment it is
    computed. A group is the sum of its children's rounded scores; ``total`` = Σ top-level scored
    items + bonus; ``bonus = min(bonus_cap, Σ count × points)`` rounded; ``deducted`` = Σ over
    ``deduct`` items, at any depth, of (P − rounded score).

Interpretations where the spec leaves room (each is tested):

1. Scope and N. ``facts`` *is* the set of subjects in scope: N (for quotas) = ``len(facts)``,
   vetoed subjects included (the worked sample needs that: N = 10 gives its two 优秀 places).
   A subject code given twice is a ValueError. A subject with empty facts still gets a result.
2. Codes the standard does not know (a deduction/bonus/veto/manual/rollup code, e.g. from an
   older version of the standard) are ignored; so are bonus/veto codes when the standard has no
   bonus/veto item. Counts must be ≥ 0 (a negative one is a ValueError). A manual value or source
   total given as a float is read by its repr (8.005 → 8.005), never by its binary value.
3. ``deduct``: ``max(0, P − Σ count × points)`` over this item's own deductions.
4. ``satisfaction``: ``n`` = Σ of the ``feedback`` counts, ``satisfied`` = those with
   ``overall ≥ satisfied_min``. ``n == 0`` is always an insufficient sample (even with
   ``min_responses: 0``, where the rate would be 0/0). The formula is continuous, exactly as
   written: ``(target − rate) / step × step_points`` is not rounded to whole steps (the sample's
   D02 gets 13.89). A standard without ``target``/``step``/``step_points``, or with ``step`` 0, is
   a ValueError naming the item. Every satisfaction item uses the same feedback (each with its
   own ``satisfied_min``).
5. ``manual``: the exact mean of the values, then kept within [0, P] (values outside would only
   come from a standard whose P was lowered after they were entered); the explanation says so.
6. ``rollup``: ``P × mean(source totals) / source full_score`` capped at P, floored at 0; the
   source's full score comes from ``source_full_scores[item.source]`` (a ValueError when
   absent or 0 and there is something to roll up). A missing sub-period simply isn't in the
   mean. A vetoed source result counts at its total and makes this result vetoed (no flag: the
   spec lists none for it; the explanation and ``vetoed`` say it).
7. ``veto``: vetoed when ``vetoes`` holds any code of the standard's veto item, or a rollup
   source result was vetoed. A vetoed result is still scored in full (items, total, bonus,
   deducted and its item flags such as ``insufficient_sample``) — only grade and rank change.
8. Rank: non-vetoed results by total, highest first, then vetoed results by total; equal totals
   within one block share the rank of the first of them and the next rank skips (1, 2, 2, 4);
   the vetoed block continues after the non-vetoed one (N non-vetoed → first vetoed rank N + 1).
   Output order: rank, then subject code (plain string order).
9. Grades, worked block by block in rank order (a block = non-vetoed subjects with equal totals).
   For each block, the grades are tried from the top; at each grade the *group* is the block's
   members still without a grade whose conditions hold (``min ≤ total`` and, where set,
   ``deducted ≤ max_deducted``) — members of the block that fail ``max_deducted`` are not part
   of the group and neither use nor close the quota. Without a quota the group gets the grade.
   With a quota (capacity ``floor(quota × N)``, computed exactly), the group gets it if the quota
   is still open and the whole group fits in what is left; otherwise the quota closes for good
   (no one ranked below gets that grade, even a smaller group that would fit) and every member
   of the group gets ``quota:<grade>`` and goes on down. So a subject kept out of several quota
   grades in turn carries one ``quota:`` flag for each of them.
10. The last grade is the floor: whoever reaches it gets it, whatever its ``min``,
    ``max_deducted`` or ``quota`` (there is nowhere further down to go), and no quota flag is
    given for it. Vetoed results get ``veto_grade``, take no quota place and get no quota flags.
11. ``deducted`` uses the rounded item scores, so it always matches what is shown: one 0.125
    finding on a 10-point item scores 9.88 and deducts 0.12. The sum is rounded half-up to 2
    places, which only matters if some P has more than 2 decimals (not expected in a standard).
12. ``items`` lists the scored items in standard order, parents before their children
    (:meth:`StandardDef.scored_items`); ``explanations`` has one entry per scored item plus the
    bonus and veto items when the standard has them. ``flags`` are sorted by plain string order.

Explanations are written in the active language: the words are ``gettext`` messages (English
msgids) around the numbers, which never change with the language. ``period_compute`` runs the
engine in the hospital's language (``settings.LANGUAGE_CODE``), so stored explanations read the
same whoever computed them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction
from functools import lru_cache
from itertools import groupby
from types import MappingProxyType

from django.utils.translation import gettext as _

from wenming.standards.definition import Grade, Item, Rule, StandardDef

Number = Decimal | Fraction | int

_NO_SOURCES: Mapping[str, Decimal] = MappingProxyType({})
_ZERO = Decimal("0.00")
_CENT = Decimal("0.01")
# Sums and products of the standard's decimals run in this context: any step that would have to
# round raises Inexact instead of silently losing a digit. Division always goes through Fraction.
_EXACT = Context(prec=200, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])
_QUANTIZE = Context(prec=200, rounding=ROUND_HALF_UP, traps=[InvalidOperation])


# --- numbers -----------------------------------------------------------------------------


def _decimal(value: Decimal | int | float) -> Decimal:
    """An entered number as an exact Decimal. A float is read through its shortest repr
    (``8.005`` → Decimal("8.005")), never its binary value."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"expected a number, got {value!r}")


def round_half_up(value: Number) -> Decimal:
    """``value`` rounded to 2 decimal places, halves away from zero (0.125 → 0.13, 2/3 → 0.67),
    as a Decimal with exponent −2 (never −0.00). Exact for any Decimal, Fraction or int."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot round {value}")
        rounded = value.quantize(_CENT, context=_QUANTIZE)
    else:
        numerator, denominator = value.numerator, value.denominator
        magnitude = (200 * abs(numerator) + denominator) // (2 * denominator)  # floor(|x|·100 + ½)
        rounded = Decimal(f"{'-' if numerator < 0 else ''}{magnitude}e-2")
    return rounded if rounded else _ZERO


def format_points(value: Number) -> str:
    """A number as the interchange writes it: a string with exactly two decimals ("93.50")."""
    return f"{round_half_up(value):f}"


@lru_cache(maxsize=4096, typed=True)
def _plain(value: Number) -> str:
    """A number of the standard or an entered value, as short as it is exact: 20, 0.5, 8.25, 1/3."""
    if isinstance(value, Decimal):
        text = f"{value.normalize(_QUANTIZE):f}"
        return "0" if text in ("-0", "0") else text
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


@lru_cache(maxsize=1024, typed=True)
def _shown(value: Decimal) -> str:
    """Points of a deduction/bonus: two decimals when that is exact (1.00, 0.50), else in full."""
    return format_points(value) if round_half_up(value) == value else _plain(value)


def _signed(value: Number) -> str:
    """A possibly negative intermediate value with two decimals, using the minus sign (−8.00)."""
    return f"−{format_points(-value)}" if value < 0 else format_points(value)


# --- inputs and outputs -------------------------------------------------------------------


@dataclass(frozen=True)
class SourceResult:
    """A rollup source standard's result for one subject in one sub-period."""

    total: Decimal
    vetoed: bool


@dataclass(frozen=True)
class SubjectFacts:
    """Everything that counts for one subject in one period, already aggregated."""

    subject: str
    findings: Mapping[str, int] = field(default_factory=dict)  # deduction code -> Σ count
    bonuses: Mapping[str, int] = field(default_factory=dict)  # bonus code -> Σ count
    vetoes: frozenset[str] = frozenset()  # veto codes with at least one record
    manual: Mapping[str, Sequence[Decimal]] = field(default_factory=dict)  # manual item code -> values
    feedback: Mapping[int, int] = field(default_factory=dict)  # overall rating 1..5 -> valid feedback
    rollup: Mapping[str, Sequence[SourceResult]] = field(default_factory=dict)  # rollup item code -> results


@dataclass(frozen=True)
class ItemScore:
    """One item's rounded score and the rule's arithmetic, e.g. ``20 − 2×1.00 − 1×0.50 = 17.50``."""

    code: str
    score: Decimal
    explanation: str


@dataclass
class SubjectResult:
    """One subject's result in one period (see the module docstring for every field's meaning)."""

    subject: str
    total: Decimal
    deducted: Decimal
    bonus: Decimal
    vetoed: bool
    grade: str
    rank: int
    items: dict[str, Decimal]
    flags: list[str]
    explanations: dict[str, str]


@dataclass
class _Outcome:
    """What scoring one leaf gives besides its score."""

    score: ItemScore
    flags: list[str] = field(default_factory=list)
    vetoed: bool = False


# --- the rules ----------------------------------------------------------------------------


def _counted(codes: Sequence[tuple[str, Decimal]], counts: Mapping[str, int]) -> list[tuple[int, Decimal]]:
    """(count, points) of the codes that have a non-zero count, in the standard's order."""
    terms = []
    for code, points in codes:
        count = counts.get(code, 0)
        if count < 0:
            raise ValueError(f"count of {code} is negative ({count})")
        if count:
            terms.append((count, points))
    return terms


def _score_deduct(item: Item, facts: SubjectFacts) -> _Outcome:
    """``max(0, P − Σ count × deduction.points)``: 扣完为止."""
    points = Decimal(item.points)
    terms = _counted([(d.code, d.points) for d in item.deductions], facts.findings)
    if not terms:
        score = round_half_up(points)
        text = _("%(points)s (no findings) = %(score)s") % {"points": _plain(points), "score": f"{score:f}"}
        return _Outcome(ItemScore(item.code, score, text))
    raw = points - sum(count * each for count, each in terms)
    score = round_half_up(max(Decimal(0), raw))
    text = " − ".join([_plain(points)] + [f"{count}×{_shown(each)}" for count, each in terms])
    text += f" = {_signed(raw)}"
    if raw < 0:
        text = _("%(arithmetic)s → 0.00 (all points deducted, floor 0)") % {"arithmetic": text}
    return _Outcome(ItemScore(item.code, score, text))


@lru_cache(maxsize=256)
def _satisfaction_parameters(
    code: str, target: Decimal | None, step: Decimal | None, step_points: Decimal | None
) -> tuple[Fraction, Fraction]:
    """(target, step_points / step) as Fractions; ValueError naming the item when they are unusable."""
    if target is None or step is None or step_points is None or step == 0:
        raise ValueError(f"item {code}: a satisfaction item needs target, step > 0 and step_points")
    return Fraction(target), Fraction(step_points) / Fraction(step)


def _score_satisfaction(item: Item, facts: SubjectFacts) -> _Outcome:
    """Full points on too small a sample; else ``max(0, P − max(0, target − rate)/step × step_points)``."""
    target, per_unit = _satisfaction_parameters(item.code, item.target, item.step, item.step_points)
    points = Decimal(item.points)
    n = 0
    satisfied = 0
    for rating, count in facts.feedback.items():
        if count < 0:
            raise ValueError(f"count of rating {rating} is negative ({count})")
        n += count
        satisfied += count if rating >= item.satisfied_min else 0
    if n == 0 or n < item.min_responses:
        score = round_half_up(points)
        text = _("%(n)s valid responses < %(needed)s needed: full %(score)s (insufficient sample)") % {
            "n": n,
            "needed": item.min_responses,
            "score": f"{score:f}",
        }
        return _Outcome(ItemScore(item.code, score, text), [f"insufficient_sample:{item.code}"])
    rate = Fraction(satisfied, n)
    head = _("rate = %(satisfied)s/%(n)s satisfied (overall ≥ %(minimum)s)") % {
        "satisfied": satisfied,
        "n": n,
        "minimum": item.satisfied_min,
    }
    if rate >= target:
        score = round_half_up(points)
        text = _("%(rate)s ≥ target %(target)s: %(score)s") % {
            "rate": head,
            "target": _plain(item.target),
            "score": f"{score:f}",
        }
        return _Outcome(ItemScore(item.code, score, text))
    raw = Fraction(points) - (target - rate) * per_unit
    score = round_half_up(max(Fraction(0), raw))
    formula = f"({_plain(item.target)} − {satisfied}/{n}) / {_plain(item.step)} × {_plain(item.step_points)}"
    text = f"{head}; {_plain(points)} − {formula} = {_signed(raw)}"
    if raw < 0:
        text = _("%(arithmetic)s → 0.00 (floor 0)") % {"arithmetic": text}
    return _Outcome(ItemScore(item.code, score, text))


def _score_manual(item: Item, facts: SubjectFacts) -> _Outcome:
    """The mean of the entered values (kept within [0, P]); none entered → 0 and ``pending``."""
    values = [_decimal(value) for value in facts.manual.get(item.code, ())]
    if not values:
        pending = ItemScore(item.code, _ZERO, _("no value entered: 0.00 (pending)"))
        return _Outcome(pending, [f"pending:{item.code}"])
    points = Decimal(item.points)
    total = sum(values)
    mean: Number = total if len(values) == 1 else Fraction(total) / len(values)
    kept = mean if 0 <= mean <= points else (Decimal(0) if mean < 0 else points)
    score = round_half_up(kept)
    shown = ", ".join(_plain(v) for v in values)
    if kept is not mean:
        text = _("mean(%(values)s) = %(mean)s → kept within [0, %(points)s]: %(score)s") % {
            "values": shown,
            "mean": _signed(mean),
            "points": _plain(points),
            "score": f"{score:f}",
        }
        return _Outcome(ItemScore(item.code, score, text))
    return _Outcome(
        ItemScore(item.code, score, _("mean(%(values)s) = %(score)s") % {"values": shown, "score": f"{score:f}"})
    )


def _score_rollup(item: Item, facts: SubjectFacts, sources: Mapping[str, Decimal]) -> _Outcome:
    """``P × mean(source totals) / source full_score`` capped at P; none → 0 and ``missing``."""
    results = list(facts.rollup.get(item.code, ()))
    if not results:
        text = _("no result of %(source)s in the period: 0.00 (missing)") % {"source": item.source}
        return _Outcome(ItemScore(item.code, _ZERO, text), [f"missing:{item.code}"])
    full = sources.get(item.source or "")
    if not full:
        raise ValueError(f"item {item.code}: the full_score of source standard {item.source} was not given")
    points = Decimal(item.points)
    raw = Fraction(points * sum(_decimal(r.total) for r in results)) / (len(results) * Fraction(full))
    kept = max(Fraction(0), min(Fraction(points), raw))
    score = round_half_up(kept)
    shown = ", ".join(format_points(r.total) for r in results)
    text = _("%(points)s × mean(%(totals)s) / %(full)s = %(value)s") % {
        "points": _plain(points),
        "totals": shown,
        "full": _plain(Decimal(full)),
        "value": _signed(raw),
    }
    if raw > points:
        text = _("%(arithmetic)s → capped at %(score)s") % {"arithmetic": text, "score": f"{score:f}"}
    vetoed = sum(1 for r in results if r.vetoed)
    if vetoed:
        text = _("%(arithmetic)s; %(vetoed)s of %(results)s source results vetoed → this result is vetoed") % {
            "arithmetic": text,
            "vetoed": vetoed,
            "results": len(results),
        }
    return _Outcome(ItemScore(item.code, score, text), vetoed=bool(vetoed))


def _score_leaf(item: Item, facts: SubjectFacts, sources: Mapping[str, Decimal]) -> _Outcome:
    if item.points is None:
        raise ValueError(f"item {item.code}: a scored item needs points")
    if item.rule == Rule.DEDUCT:
        return _score_deduct(item, facts)
    if item.rule == Rule.SATISFACTION:
        return _score_satisfaction(item, facts)
    if item.rule == Rule.MANUAL:
        return _score_manual(item, facts)
    if item.rule == Rule.ROLLUP:
        return _score_rollup(item, facts, sources)
    raise ValueError(f"item {item.code}: rule {item.rule!r} cannot be scored as an item")


def _score_bonus(item: Item, cap: Decimal, facts: SubjectFacts) -> ItemScore:
    """``min(bonus_cap, Σ count × bonus.points)``, rounded."""
    terms = _counted([(b.code, b.points) for b in item.bonuses], facts.bonuses)
    if not terms:
        return ItemScore(item.code, _ZERO, _("no bonus records: 0.00"))
    raw = sum(count * each for count, each in terms)
    score = round_half_up(min(Decimal(cap), raw))
    text = " + ".join(f"{count}×{_shown(each)}" for count, each in terms) + f" = {format_points(raw)}"
    if raw > cap:
        text = _("%(arithmetic)s → cap %(score)s") % {"arithmetic": text, "score": f"{score:f}"}
    return ItemScore(item.code, score, text)


# --- one subject --------------------------------------------------------------------------


@dataclass
class _Tally:
    """Scores, explanations and flags collected while walking one subject's items."""

    items: dict[str, Decimal] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    deducted: Decimal = _ZERO
    vetoed: bool = False


def _score_item(item: Item, facts: SubjectFacts, sources: Mapping[str, Decimal], tally: _Tally) -> Decimal:
    """Score a scored item (a group through its children) into ``tally``; return its score."""
    if item.is_group:
        children = [child for child in item.children if child.is_scored]
        scores = [_score_item(child, facts, sources, tally) for child in children]
        score = sum(scores, _ZERO)
        parts = " + ".join(f"{s:f}" for s in scores)
        tally.explanations[item.code] = f"{' + '.join(c.code for c in children)} = {parts} = {score:f}"
        tally.items[item.code] = score
        return score
    outcome = _score_leaf(item, facts, sources)
    tally.items[item.code] = outcome.score.score
    tally.explanations[item.code] = outcome.score.explanation
    tally.flags.extend(outcome.flags)
    tally.vetoed = tally.vetoed or outcome.vetoed
    if item.rule == Rule.DEDUCT:
        tally.deducted += Decimal(item.points) - outcome.score.score
    return outcome.score.score


def _veto_explanation(item: Item, facts: SubjectFacts) -> tuple[bool, str]:
    hits = [veto for veto in item.vetoes if veto.code in facts.vetoes]
    if not hits:
        return False, _("no veto records")
    return True, _("vetoed: %(vetoes)s") % {"vetoes": "; ".join(f"{veto.code} {veto.name}" for veto in hits)}


@dataclass(frozen=True)
class _Layout:
    """What every subject of one standard needs, worked out once per period."""

    standard: StandardDef
    order: tuple[str, ...]  # scored item codes in standard order
    bonus: Item | None
    veto: Item | None
    sources: Mapping[str, Decimal]


def _score_subject(layout: _Layout, facts: SubjectFacts) -> SubjectResult:
    """A subject's result with everything but ``grade`` and ``rank``."""
    standard = layout.standard
    tally = _Tally()
    total = sum((_score_item(item, facts, layout.sources, tally) for item in standard.items if item.is_scored), _ZERO)
    bonus = _ZERO
    if layout.bonus is not None:
        scored = _score_bonus(layout.bonus, standard.bonus_cap, facts)
        bonus = scored.score
        tally.explanations[layout.bonus.code] = scored.explanation
    if layout.veto is not None:
        vetoed, text = _veto_explanation(layout.veto, facts)
        tally.vetoed = tally.vetoed or vetoed
        tally.explanations[layout.veto.code] = text
    explanations = {code: tally.explanations[code] for code in layout.order}
    explanations.update((code, text) for code, text in tally.explanations.items() if code not in explanations)
    return SubjectResult(
        subject=facts.subject,
        total=total + bonus,
        deducted=round_half_up(tally.deducted),
        bonus=bonus,
        vetoed=tally.vetoed,
        grade="",
        rank=0,
        items={code: tally.items[code] for code in layout.order},
        flags=tally.flags,
        explanations=explanations,
    )


# --- the period: rank and grade -----------------------------------------------------------


def _rank(results: list[SubjectResult]) -> list[SubjectResult]:
    """Set ``rank`` (1, 2, 2, 4; vetoed after the rest) and return the results in output order."""
    ordered: list[SubjectResult] = []
    for vetoed in (False, True):
        block = sorted((r for r in results if r.vetoed == vetoed), key=lambda r: (-r.total, r.subject))
        offset = len(ordered)
        for position, result in enumerate(block):
            same = position and block[position - 1].total == result.total
            result.rank = block[position - 1].rank if same else offset + position + 1
        ordered.extend(block)
    return ordered


def _meets(grade: Grade, result: SubjectResult) -> bool:
    """The grade's own conditions: ``min ≤ total`` and ``deducted ≤ max_deducted`` where set."""
    if result.total < grade.min:
        return False
    return grade.max_deducted is None or result.deducted <= grade.max_deducted


def _grade(standard: StandardDef, ordered: list[SubjectResult], n: int) -> None:
    """Set ``grade`` (and ``quota:`` flags) on results already in rank order; see docstring §9–10."""
    grades = standard.grades
    left = {i: math.floor(Fraction(g.quota) * n) for i, g in enumerate(grades) if g.quota is not None}
    closed: set[int] = set()
    for result in ordered:
        if result.vetoed:
            result.grade = standard.veto_grade
    scored = [r for r in ordered if not r.vetoed]
    for _total, members in groupby(scored, key=lambda r: r.total):
        waiting = list(members)
        for index, grade in enumerate(grades):
            if index == len(grades) - 1:
                group, waiting = waiting, []
            else:
                group = [r for r in waiting if _meets(grade, r)]
                if not group:
                    continue
                if index in left:
                    if index in closed or len(group) > left[index]:
                        closed.add(index)
                        for result in group:
                            result.flags.append(f"quota:{grade.name}")
                        continue
                    left[index] -= len(group)
                taken = {id(r) for r in group}
                waiting = [r for r in waiting if id(r) not in taken]
            for result in group:
                result.grade = grade.name
            if not waiting:
                break


def score_period(
    standard: StandardDef,
    facts: Sequence[SubjectFacts],
    *,
    source_full_scores: Mapping[str, Decimal] = _NO_SOURCES,
) -> list[SubjectResult]:
    """Score every subject in scope for one period of ``standard``.

    ``facts`` holds one entry per subject in scope (it is the scope: N = ``len(facts)``).
    ``source_full_scores`` maps a rollup source standard's code to its ``full_score``.
    Returns the results ordered by rank, then subject code; ValueError for a subject given twice
    or an inconsistent standard. Pure and deterministic.
    """
    seen: set[str] = set()
    for entry in facts:
        if entry.subject in seen:
            raise ValueError(f"subject {entry.subject} is given twice")
        seen.add(entry.subject)
    layout = _Layout(
        standard=standard,
        order=tuple(item.code for item in standard.scored_items()),
        bonus=standard.bonus_item,
        veto=standard.veto_item,
        sources=source_full_scores,
    )
    with localcontext(_EXACT):
        results = [_score_subject(layout, entry) for entry in facts]
        ordered = _rank(results)
        _grade(standard, ordered, len(facts))
    for result in ordered:
        result.flags.sort()
    return ordered


def to_json(result: SubjectResult) -> dict:
    """One result in the export shape of ``interchange.md`` (the caller adds ``name``): numbers are
    strings with exactly two decimals, ``items`` in standard order, ``flags`` sorted."""
    return {
        "subject": result.subject,
        "total": format_points(result.total),
        "grade": result.grade,
        "vetoed": result.vetoed,
        "rank": result.rank,
        "bonus": format_points(result.bonus),
        "deducted": format_points(result.deducted),
        "items": {code: format_points(score) for code, score in result.items.items()},
        "flags": sorted(result.flags),
    }
