"""Properties of score_period over random standards and periods (Hypothesis).

The standards have a group, deduct/manual/satisfaction leaves, a bonus and a veto item, and 1–4
grades with random mins, max_deducted and quotas; the facts draw from small sets so that equal
totals (tie blocks) and quota boundaries are common.
"""

import math
from decimal import Decimal
from fractions import Fraction
from itertools import groupby

from hypothesis import given, settings
from hypothesis import strategies as st

from wenming.scoring.engine import SubjectFacts, SubjectResult, score_period, to_json
from wenming.standards.definition import (
    Bonus,
    Cycle,
    Deduction,
    Grade,
    Item,
    Rule,
    StandardDef,
    Subject,
    Veto,
)

D = Decimal
POINTS = st.sampled_from([D(5), D(6), D(10), D("12.5"), D(20)])
DEDUCTION_POINTS = st.sampled_from([D("0.125"), D("0.5"), D(1), D(2), D(3)])
QUOTAS = st.sampled_from([None, D(0), D("0.1"), D("0.15"), D("0.2"), D("0.3"), D("0.5"), D("0.5"), D(1)])


def _deduct(draw, code: str) -> Item:
    return Item(
        code=code,
        name=code,
        points=draw(POINTS),
        rule=Rule.DEDUCT,
        deductions=(
            Deduction(f"{code}x", "x", draw(DEDUCTION_POINTS)),
            Deduction(f"{code}y", "y", draw(DEDUCTION_POINTS)),
        ),
    )


@st.composite
def standards(draw) -> StandardDef:
    g1 = _deduct(draw, "G1")
    g2 = Item(code="G2", name="G2", points=draw(POINTS), rule=Rule.MANUAL)
    group = Item(code="G", name="G", points=g1.points + g2.points, children=(g1, g2))
    sat = Item(
        code="S",
        name="S",
        points=draw(POINTS),
        rule=Rule.SATISFACTION,
        target=draw(st.sampled_from([D("0.9"), D("0.95")])),
        step=draw(st.sampled_from([D("0.01"), D("0.05")])),
        step_points=draw(st.sampled_from([D("0.1"), D(1), D(2)])),
        min_responses=draw(st.sampled_from([0, 3, 30])),
    )
    scored = (group, _deduct(draw, "K"), sat)
    full = sum((item.points for item in scored), D(0))
    bonus = Item(code="F", name="F", rule=Rule.BONUS, bonuses=(Bonus("F1", "F1", draw(DEDUCTION_POINTS)),))
    veto = Item(code="V", name="V", rule=Rule.VETO, vetoes=(Veto("V1", "V1"),))
    count = draw(st.integers(1, 4))
    fractions = sorted(draw(st.lists(st.integers(1, 99), min_size=count - 1, max_size=count - 1, unique=True)))
    mins = [full * f / 100 for f in reversed(fractions)] + [D(0)]
    grades = tuple(
        Grade(
            f"G{i}",
            min_,
            max_deducted=draw(st.sampled_from([None, None, D(0), D(1), D(3)])),
            quota=draw(QUOTAS),
        )
        for i, min_ in enumerate(mins)
    )
    return StandardDef(
        code="P",
        name="P",
        subject=Subject.DEPARTMENT,
        cycle=Cycle.MONTH,
        full_score=full,
        grades=grades,
        veto_grade=draw(st.sampled_from(grades)).name,
        items=(*scored, bonus, veto),
        bonus_cap=draw(st.sampled_from([D(0), D(1), D(5)])),
    )


SMALL = st.sampled_from([0, 0, 0, 1, 2, 3])  # mostly clean: high totals, so quota grades are contested
# One subject's facts as a flat tuple: four finding counts, a bonus count, vetoed, the manual
# values, and the feedback counts for ratings 5, 4 and 1.
FACTS = st.tuples(
    st.tuples(SMALL, SMALL, SMALL, SMALL),
    SMALL,
    st.integers(0, 7).map(lambda x: x == 0),
    st.lists(st.sampled_from([D(0), D(1), D("2.5"), D(5)]), max_size=3),
    st.tuples(st.integers(0, 40), SMALL, st.integers(0, 5)),
)


def _facts(subject: str, drawn) -> SubjectFacts:
    findings, bonus, vetoed, manual, (fives, fours, ones) = drawn
    return SubjectFacts(
        subject=subject,
        findings=dict(zip(("G1x", "G1y", "Kx", "Ky"), findings, strict=True)),
        bonuses={"F1": bonus},
        vetoes=frozenset({"V1"}) if vetoed else frozenset(),
        manual={"G2": manual},
        feedback={5: fives, 4: fours, 1: ones},
    )


@st.composite
def periods(draw) -> tuple[StandardDef, list[SubjectResult]]:
    standard = draw(standards())
    # A few distinct fact sets shared out among the subjects: equal totals are the rule, not luck.
    templates = draw(st.lists(FACTS, min_size=1, max_size=6))
    n = draw(st.integers(0, 25))
    picks = draw(st.lists(st.integers(0, len(templates) - 1), min_size=n, max_size=n))
    return standard, score_period(standard, [_facts(f"D{i:02d}", templates[pick]) for i, pick in enumerate(picks)])


def _meets(grade: Grade, result: SubjectResult) -> bool:
    return result.total >= grade.min and (grade.max_deducted is None or result.deducted <= grade.max_deducted)


def _two_places(value: Decimal) -> bool:
    return value == value.quantize(D("0.01"))


PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(periods())
def test_totals_are_sums_of_rounded_item_scores(case):
    standard, results = case
    for result in results:
        assert all(_two_places(score) for score in result.items.values())
        assert _two_places(result.bonus) and _two_places(result.deducted)
        top = sum(result.items[item.code] for item in standard.items if item.is_scored)
        assert result.total == top + result.bonus
        for item in standard.walk():
            if item.is_group:
                assert result.items[item.code] == sum(result.items[child.code] for child in item.children)
        lost = sum(item.points - result.items[item.code] for item in standard.leaves(Rule.DEDUCT))
        assert result.deducted == lost
        assert 0 <= result.bonus <= standard.bonus_cap
        assert to_json(result)["total"] == f"{result.total:.2f}"


@PROPERTY
@given(periods())
def test_every_item_score_is_within_zero_and_its_points(case):
    standard, results = case
    for result in results:
        assert list(result.items) == [item.code for item in standard.scored_items()]
        for item in standard.scored_items():
            assert 0 <= result.items[item.code] <= item.points


@PROPERTY
@given(periods())
def test_ranks_follow_totals_and_vetoed_results_come_last(case):
    standard, results = case
    kept = [r for r in results if not r.vetoed]
    vetoed = [r for r in results if r.vetoed]
    assert results == kept + vetoed
    for result in kept:
        assert result.rank == 1 + sum(other.total > result.total for other in kept)
    for result in vetoed:
        assert result.rank == len(kept) + 1 + sum(other.total > result.total for other in vetoed)
        assert result.grade == standard.veto_grade
        assert not any(flag.startswith("quota:") for flag in result.flags)
    assert [(r.rank, r.subject) for r in results] == sorted((r.rank, r.subject) for r in results)
    assert all(r.flags == sorted(r.flags) for r in results)


@PROPERTY
@given(periods())
def test_quotas_are_never_exceeded_and_tie_blocks_never_split(case):
    standard, results = case
    n = len(results)
    index = {grade.name: i for i, grade in enumerate(standard.grades)}
    kept = [r for r in results if not r.vetoed]
    for i, grade in enumerate(standard.grades[:-1]):  # the last grade is the floor (docstring §10)
        if grade.quota is None:
            continue
        holders = [r for r in kept if r.grade == grade.name]
        assert len(holders) <= math.floor(Fraction(grade.quota) * n)
        # Who reached this grade and met its conditions: all of a tie block get it, or none do.
        reached = [r for r in kept if index[r.grade] >= i and _meets(grade, r)]
        for _total, block in groupby(reached, key=lambda r: r.total):
            assert len({r.grade == grade.name for r in block}) == 1
        # Once a group is kept out, no one ranked below gets the grade.
        kept_out = [r.rank for r in reached if r.grade != grade.name]
        if kept_out:
            assert all(r.rank < min(kept_out) for r in holders)


@PROPERTY
@given(periods())
def test_grades_are_the_first_whose_conditions_hold_save_for_quotas(case):
    standard, results = case
    index = {grade.name: i for i, grade in enumerate(standard.grades)}
    for result in results:
        if result.vetoed:
            continue
        position = index[result.grade]
        if position < len(standard.grades) - 1:
            assert _meets(standard.grades[position], result)
        for higher in standard.grades[:position]:
            expected = _meets(higher, result)
            assert (f"quota:{higher.name}" in result.flags) == expected
            if expected:
                assert higher.quota is not None
        assert all(index[flag.removeprefix("quota:")] < position for flag in result.flags if flag.startswith("quota:"))


@st.composite
def period_inputs(draw) -> tuple[StandardDef, list[SubjectFacts], list[int]]:
    """A standard, the facts of its subjects, and a shuffled order of them."""
    standard = draw(standards())
    templates = draw(st.lists(FACTS, min_size=1, max_size=6))
    n = draw(st.integers(0, 25))
    picks = draw(st.lists(st.integers(0, len(templates) - 1), min_size=n, max_size=n))
    facts = [_facts(f"D{i:02d}", templates[pick]) for i, pick in enumerate(picks)]
    return standard, facts, draw(st.permutations(range(len(facts))))


@PROPERTY
@given(period_inputs())
def test_recomputing_gives_the_same_results_whatever_the_order_of_the_subjects(case):
    standard, facts, order = case
    first = score_period(standard, facts)
    assert score_period(standard, facts) == first
    assert score_period(standard, [facts[i] for i in order]) == first
