"""The scoring engine, rule by rule, with hand-computed numbers (shared/spec/scoring.md §2)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import translation

from wenming.scoring import engine
from wenming.scoring.engine import (
    SourceResult,
    SubjectFacts,
    format_points,
    round_half_up,
    score_period,
    to_json,
)
from wenming.standards.definition import Bonus, Cycle, Deduction, Grade, Item, Rule, StandardDef, Subject, Veto

D = Decimal


@pytest.fixture(autouse=True)
def _english():
    """Explanations are asserted in English, their msgids; people read them translated."""
    with translation.override("en"):
        yield


GRADES = (
    Grade("优秀", D(90), max_deducted=D(0), quota=D("0.2")),
    Grade("良好", D(80)),
    Grade("合格", D(60)),
    Grade("不合格", D(0)),
)


def standard(*items: Item, grades: tuple[Grade, ...] = GRADES, bonus_cap: str = "5", **kwargs) -> StandardDef:
    """A standard around ``items`` (full_score = Σ top-level points)."""
    full = sum((item.points for item in items if item.points is not None), D(0))
    return StandardDef(
        code=kwargs.pop("code", "T"),
        name="测试标准",
        subject=Subject.DEPARTMENT,
        cycle=kwargs.pop("cycle", Cycle.MONTH),
        full_score=full,
        grades=grades,
        veto_grade=grades[-1].name,
        items=items,
        bonus_cap=D(bonus_cap),
        **kwargs,
    )


def deduct(code: str, points: str, *deductions: tuple[str, str]) -> Item:
    return Item(
        code=code,
        name=code,
        points=D(points),
        rule=Rule.DEDUCT,
        deductions=tuple(Deduction(c, c, D(p)) for c, p in deductions),
    )


def manual(code: str, points: str) -> Item:
    return Item(code=code, name=code, points=D(points), rule=Rule.MANUAL)


def satisfaction(code: str = "S", points: str = "20", **kwargs) -> Item:
    params = {"target": D("0.95"), "step": D("0.01"), "step_points": D(1), **kwargs}
    return Item(code=code, name=code, points=D(points), rule=Rule.SATISFACTION, **params)


def rollup(code: str = "M", points: str = "85", source: str = "SRC") -> Item:
    return Item(code=code, name=code, points=D(points), rule=Rule.ROLLUP, source=source)


BONUS = Item(code="F", name="加分", rule=Rule.BONUS, bonuses=(Bonus("F1", "锦旗", D("0.5")), Bonus("F2", "表彰", D(2))))
VETO = Item(code="V", name="否决", rule=Rule.VETO, vetoes=(Veto("V1", "重大事故"), Veto("V2", "违法违纪")))


def one(std: StandardDef, facts: SubjectFacts | None = None, **kwargs):
    """The single result of scoring one subject."""
    (result,) = score_period(std, [facts or SubjectFacts("D01")], **kwargs)
    return result


# --- rounding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(2, 3), "0.67"),
        (Fraction(1, 3), "0.33"),
        (Fraction(1, 8), "0.13"),  # 0.125: half-even would give 0.12
        (D("0.135"), "0.14"),
        (D("8.005"), "8.01"),
        (D("17.335"), "17.34"),
        (D("17.125"), "17.13"),
        (D("17.1249999"), "17.12"),
        (Fraction(-1, 8), "-0.13"),
        (0, "0.00"),
        (D("-0"), "0.00"),
        (D("1E+1"), "10.00"),
        (D("93.5"), "93.50"),
        (D("12345678901234567890.125"), "12345678901234567890.13"),
    ],
)
def test_round_half_up(value, text):
    assert format_points(value) == text
    assert str(round_half_up(value)) == text
    assert round_half_up(value).as_tuple().exponent == -2


# --- deduct --------------------------------------------------------------------------------


def test_deduct_takes_count_times_points_off():
    std = standard(deduct("A1", "20", ("x", "1"), ("y", "0.5")), manual("M", "80"))
    result = one(std, SubjectFacts("D01", findings={"x": 2, "y": 1}, manual={"M": [D(80)]}))
    assert result.items["A1"] == D("17.50")
    assert result.explanations["A1"] == "20 − 2×1.00 − 1×0.50 = 17.50"
    assert result.deducted == D("2.50")
    assert result.total == D("97.50")


def test_deduct_rounds_a_thousandth_half_up():
    std = standard(deduct("A1", "20", ("z", "0.125")), deduct("A2", "10", ("z3", "0.125")))
    result = one(std, SubjectFacts("D01", findings={"z": 1, "z3": 3}))
    assert result.items == {"A1": D("19.88"), "A2": D("9.63")}  # 19.875 and 9.625 round up
    assert result.total == D("29.51")
    assert result.deducted == D("0.49")  # 0.12 + 0.37: from the rounded scores
    assert result.explanations["A1"] == "20 − 1×0.125 = 19.88"


def test_deduct_stops_at_zero():
    std = standard(deduct("C", "25", ("c3", "10"), ("c1", "3")), manual("M", "75"))
    result = one(std, SubjectFacts("D01", findings={"c3": 3, "c1": 1}, manual={"M": [D(75)]}))
    assert result.items["C"] == D("0.00")
    assert result.deducted == D("25.00")  # never more than P
    assert result.total == D("75.00")
    assert result.explanations["C"] == "25 − 3×10.00 − 1×3.00 = −8.00 → 0.00 (all points deducted, floor 0)"


def test_explanation_words_go_through_gettext_and_the_numbers_do_not(monkeypatch):
    """Every word of an explanation is a translatable whole phrase; numbers are filled in after."""
    monkeypatch.setattr(engine, "_", lambda message: f"«{message}»")
    std = standard(deduct("A", "10", ("a", "1")), deduct("C", "5", ("c", "3")), manual("M", "85"), BONUS, VETO)
    result = one(std, SubjectFacts("D01", findings={"c": 2}, bonuses={"F2": 9}, vetoes=frozenset({"V2"})))
    assert result.explanations == {
        "A": "«10 (no findings) = 10.00»",
        "C": "«5 − 2×3.00 = −1.00 → 0.00 (all points deducted, floor 0)»",
        "M": "«no value entered: 0.00 (pending)»",
        "F": "«9×2.00 = 18.00 → cap 5.00»",
        "V": "«vetoed: V2 违法违纪»",
    }
    assert result.total == D("15.00")


def test_deduct_ignores_codes_it_does_not_own_and_refuses_negative_counts():
    std = standard(deduct("A", "10", ("a", "1")), deduct("B", "10", ("b", "1")))
    result = one(std, SubjectFacts("D01", findings={"b": 2, "old-code": 5}))
    assert result.items == {"A": D("10.00"), "B": D("8.00")}
    assert result.explanations["A"] == "10 (no findings) = 10.00"
    with pytest.raises(ValueError, match="negative"):
        one(std, SubjectFacts("D01", findings={"a": -1}))


def test_groups_are_sums_of_rounded_children_and_items_are_in_standard_order():
    group = Item(
        code="A",
        name="A",
        points=D(30),
        children=(deduct("A1", "20", ("t", "0.125")), manual("A2", "10")),
    )
    std = standard(group, deduct("B", "70", ("b", "0.125")), BONUS, VETO)
    result = one(std, SubjectFacts("D01", findings={"t": 1, "b": 1}, manual={"A2": [D(0), D(0), D(2)]}))
    assert list(result.items) == ["A", "A1", "A2", "B"]
    assert result.items == {"A": D("20.55"), "A1": D("19.88"), "A2": D("0.67"), "B": D("69.88")}
    assert result.total == D("90.43")  # 20.55 + 69.88, not the unrounded 90.4166…
    assert result.explanations["A"] == "A1 + A2 = 19.88 + 0.67 = 20.55"
    assert list(result.explanations) == ["A", "A1", "A2", "B", "F", "V"]


# --- satisfaction ---------------------------------------------------------------------------


def test_satisfaction_as_in_the_sample():
    std = standard(satisfaction())
    result = one(std, SubjectFacts("D02", feedback={5: 40, 3: 2, 2: 1, 1: 2}))
    assert result.items["S"] == D("13.89")  # 20 − (0.95 − 40/45)/0.01 × 1 = 13.888…
    assert result.flags == []
    assert result.explanations["S"] == "rate = 40/45 satisfied (overall ≥ 4); 20 − (0.95 − 40/45) / 0.01 × 1 = 13.89"
    assert one(std, SubjectFacts("D05", feedback={5: 74, 3: 3, 1: 3})).items["S"] == D("17.50")


def test_satisfaction_that_lands_on_a_half_rounds_up():
    std = standard(satisfaction())
    # rate 18467/20000 = 0.92335: 20 − 2.665 = 17.335 → 17.34
    assert one(std, SubjectFacts("D01", feedback={5: 18467, 1: 1533})).items["S"] == D("17.34")
    # step_points 0.1, rate 53/80: 20 − 0.2875/0.01 × 0.1 = 17.125 → 17.13 (half-even would say 17.12)
    std = standard(satisfaction(step_points=D("0.1")))
    assert one(std, SubjectFacts("D01", feedback={4: 53, 2: 27})).items["S"] == D("17.13")


def test_satisfaction_at_or_above_target_is_full_and_floors_at_zero():
    std = standard(satisfaction())
    assert one(std, SubjectFacts("D01", feedback={5: 57, 1: 3})).items["S"] == D("20.00")  # exactly 0.95
    assert one(std, SubjectFacts("D01", feedback={5: 30})).items["S"] == D("20.00")
    floored = one(std, SubjectFacts("D01", feedback={1: 40}))
    assert floored.items["S"] == D("0.00")
    assert floored.explanations["S"].endswith("= −75.00 → 0.00 (floor 0)")


def test_satisfaction_with_too_few_responses_is_full_and_flagged():
    std = standard(satisfaction())
    thin = one(std, SubjectFacts("D01", feedback={1: 29}))
    assert thin.items["S"] == D("20.00")
    assert thin.flags == ["insufficient_sample:S"]
    assert thin.explanations["S"] == "29 valid responses < 30 needed: full 20.00 (insufficient sample)"
    assert one(std).flags == ["insufficient_sample:S"]  # no feedback at all
    enough = one(std, SubjectFacts("D01", feedback={1: 30}))
    assert enough.flags == [] and enough.items["S"] == D("0.00")  # 30 is enough


def test_satisfaction_min_responses_zero_still_needs_one_response():
    std = standard(satisfaction(min_responses=0))
    assert one(std).flags == ["insufficient_sample:S"]
    assert one(std, SubjectFacts("D01", feedback={3: 1})).items["S"] == D("0.00")


def test_satisfaction_uses_satisfied_min():
    std = standard(satisfaction(satisfied_min=3, min_responses=2))
    # 3 of 4 rated ≥ 3: 20 − (0.95 − 0.75)/0.01 × 1 = 0.00; with 19 of 20: 20
    assert one(std, SubjectFacts("D01", feedback={3: 3, 2: 1})).items["S"] == D("0.00")
    assert one(std, SubjectFacts("D01", feedback={3: 19, 2: 1})).items["S"] == D("20.00")
    assert one(std, SubjectFacts("D01", feedback={3: 39, 2: 1})).items["S"] == D("20.00")


def test_every_satisfaction_item_reads_the_same_feedback_with_its_own_satisfied_min():
    std = standard(satisfaction("S", min_responses=1), satisfaction("T", min_responses=1, satisfied_min=5))
    result = one(std, SubjectFacts("D01", feedback={5: 90, 4: 10}))
    assert result.items == {"S": D("20.00"), "T": D("15.00")}  # T: rate 0.90, 20 − 0.05/0.01 × 1


def test_satisfaction_without_its_parameters_is_refused():
    with pytest.raises(ValueError, match="item S"):
        one(standard(satisfaction(step=D(0))), SubjectFacts("D01", feedback={5: 40}))
    with pytest.raises(ValueError, match="item S"):
        one(standard(satisfaction(target=None)), SubjectFacts("D01", feedback={5: 40}))


# --- manual ---------------------------------------------------------------------------------


def test_manual_is_the_mean_rounded_half_up():
    std = standard(manual("A2", "10"))
    assert one(std, SubjectFacts("D01", manual={"A2": [D(8), D("7.5")]})).items["A2"] == D("7.75")
    assert one(std, SubjectFacts("D01", manual={"A2": [D("8.01"), D("8.00")]})).items["A2"] == D("8.01")
    thirds = one(std, SubjectFacts("D01", manual={"A2": [D(0), D(0), D(2)]}))
    assert thirds.items["A2"] == D("0.67")
    assert thirds.explanations["A2"] == "mean(0, 0, 2) = 0.67"


def test_manual_without_a_value_is_zero_and_pending():
    std = standard(manual("A2", "10"), manual("L", "5"))
    result = one(std, SubjectFacts("D01", manual={"L": [D(5)]}))
    assert result.items == {"A2": D("0.00"), "L": D("5.00")}
    assert result.flags == ["pending:A2"]
    assert one(std, SubjectFacts("D01", manual={"A2": []})).flags == ["pending:A2", "pending:L"]


def test_manual_mean_is_kept_within_the_items_points():
    std = standard(manual("A2", "9"))
    result = one(std, SubjectFacts("D01", manual={"A2": [D(10), D(10)]}))
    assert result.items["A2"] == D("9.00")
    assert "kept within [0, 9]" in result.explanations["A2"]


def test_manual_reads_a_float_by_its_decimal_repr():
    std = standard(manual("A2", "10"))
    assert one(std, SubjectFacts("D01", manual={"A2": [8.005]})).items["A2"] == D("8.01")  # type: ignore[list-item]


# --- rollup ---------------------------------------------------------------------------------

SOURCES = {"SRC": D(100)}


def quarterly() -> StandardDef:
    grades = (Grade("优秀", D(92)), Grade("良好", D(85)), Grade("合格", D(70)), Grade("不合格", D(0)))
    return standard(rollup(), manual("L", "15"), grades=grades, cycle=Cycle.QUARTER)


def months(*totals: str, vetoed: int | None = None) -> list[SourceResult]:
    return [SourceResult(D(total), index == vetoed) for index, total in enumerate(totals)]


def test_rollup_is_p_times_the_mean_over_the_source_full_score():
    facts = SubjectFacts("D01", manual={"L": [D(15)]}, rollup={"M": months("96", "94.5", "100")})
    result = one(quarterly(), facts, source_full_scores=SOURCES)
    assert result.items["M"] == D("82.31")  # 85 × 96.8333…/100 = 82.3083…
    assert result.explanations["M"] == "85 × mean(96.00, 94.50, 100.00) / 100 = 82.31"
    assert result.total == D("97.31")
    assert not result.vetoed and result.grade == "优秀"


def test_rollup_over_the_months_there_are():
    facts = SubjectFacts("D01", manual={"L": [D(15)]}, rollup={"M": months("90", "92")})
    assert one(quarterly(), facts, source_full_scores=SOURCES).items["M"] == D("77.35")  # 85 × 91/100


def test_rollup_with_a_vetoed_month_counts_its_total_and_vetoes_the_result():
    facts = SubjectFacts("D01", manual={"L": [D(15)]}, rollup={"M": months("96", "90", vetoed=0)})
    result = one(quarterly(), facts, source_full_scores=SOURCES)
    assert result.items["M"] == D("79.05")  # 85 × 93/100, the vetoed 96 included
    assert result.vetoed
    assert result.grade == "不合格"
    assert result.flags == []
    assert result.explanations["M"].endswith("1 of 2 source results vetoed → this result is vetoed")


def test_rollup_is_capped_at_p():
    facts = SubjectFacts("D01", manual={"L": [D(15)]}, rollup={"M": months("104", "105")})
    result = one(quarterly(), facts, source_full_scores=SOURCES)
    assert result.items["M"] == D("85.00")  # 85 × 104.5/100 = 88.825 → 85
    assert result.explanations["M"] == "85 × mean(104.00, 105.00) / 100 = 88.83 → capped at 85.00"


def test_rollup_without_source_results_is_zero_and_missing():
    result = one(quarterly(), SubjectFacts("D01", manual={"L": [D(15)]}), source_full_scores=SOURCES)
    assert result.items["M"] == D("0.00")
    assert result.flags == ["missing:M"]
    assert result.total == D("15.00")


def test_rollup_rounds_and_uses_the_source_full_score():
    std = standard(rollup("M", "10"), grades=GRADES)
    facts = SubjectFacts("D01", rollup={"M": months("1")})
    assert one(std, facts, source_full_scores={"SRC": D(15)}).items["M"] == D("0.67")  # 10 × 1/15


def test_rollup_needs_the_source_full_score():
    facts = SubjectFacts("D01", rollup={"M": months("90")})
    with pytest.raises(ValueError, match="full_score of source standard SRC"):
        one(quarterly(), facts)


# --- bonus and veto -------------------------------------------------------------------------


def test_bonus_is_added_on_top_up_to_the_cap():
    std = standard(manual("M", "100"), BONUS, VETO)
    result = one(std, SubjectFacts("D01", manual={"M": [D(95)]}, bonuses={"F1": 3, "F2": 1}))
    assert result.bonus == D("3.50")
    assert result.total == D("98.50")
    assert result.explanations["F"] == "3×0.50 + 1×2.00 = 3.50"
    capped = one(std, SubjectFacts("D01", manual={"M": [D(100)]}, bonuses={"F1": 10, "F2": 1}))
    assert capped.bonus == D("5.00")
    assert capped.total == D("105.00")  # may exceed full_score by up to bonus_cap
    assert capped.explanations["F"] == "10×0.50 + 1×2.00 = 7.00 → cap 5.00"
    assert "F" not in capped.items


def test_bonus_cap_defaults_to_nothing_and_rounds():
    std = standard(manual("M", "100"), BONUS, bonus_cap="0")
    assert one(std, SubjectFacts("D01", bonuses={"F2": 1})).bonus == D("0.00")
    thin = Item(code="F", name="F", rule=Rule.BONUS, bonuses=(Bonus("F9", "F9", D("0.125")),))
    assert one(standard(manual("M", "100"), thin), SubjectFacts("D01", bonuses={"F9": 1})).bonus == D("0.13")


def test_bonus_and_veto_records_without_such_items_are_ignored():
    result = one(standard(manual("M", "100")), SubjectFacts("D01", bonuses={"F2": 1}, vetoes=frozenset({"V1"})))
    assert (result.bonus, result.vetoed, result.total) == (D("0.00"), False, D("0.00"))
    assert result.explanations == {"M": "no value entered: 0.00 (pending)"}


def test_a_veto_record_vetoes_whatever_the_total():
    std = standard(manual("M", "100"), VETO)
    result = one(std, SubjectFacts("D01", manual={"M": [D(100)]}, vetoes=frozenset({"V2"})))
    assert result.vetoed
    assert result.total == D("100.00")
    assert result.grade == "不合格"
    assert result.explanations["V"] == "vetoed: V2 违法违纪"
    assert not one(std, SubjectFacts("D01", vetoes=frozenset({"X9"}))).vetoed  # not a code of this standard


# --- rank -----------------------------------------------------------------------------------


def totals_standard(grades: tuple[Grade, ...] = GRADES) -> StandardDef:
    """Total = (10 − k) + m: a deduct item K (k = count of finding "k", 1 point each) + a manual M."""
    return standard(deduct("K", "10", ("k", "1")), manual("M", "90"), VETO, grades=grades)


def subject(code: str, total: str, deducted: int = 0, *, vetoed: bool = False) -> SubjectFacts:
    """Facts giving ``total`` with ``deducted`` points lost through findings."""
    m = D(total) - 10 + deducted
    return SubjectFacts(
        code,
        findings={"k": deducted} if deducted else {},
        manual={"M": [m]},
        vetoes=frozenset({"V1"}) if vetoed else frozenset(),
    )


def summary(results) -> list[tuple[str, str, int, str, list[str]]]:
    return [(r.subject, f"{r.total:f}", r.rank, r.grade, r.flags) for r in results]


def test_ranks_share_and_skip_and_vetoed_results_come_last():
    facts = [
        subject("D07", "70"),
        subject("D02", "80"),
        subject("D01", "90"),
        subject("D03", "80"),
        subject("D08", "60", vetoed=True),
        subject("D09", "95", vetoed=True),
        subject("D05", "60", vetoed=True),
        subject("D04", "80", vetoed=True),  # ties with D02/D03 but is in the other block
    ]
    results = score_period(totals_standard(), facts)
    assert [(r.subject, r.rank) for r in results] == [
        ("D01", 1),
        ("D02", 2),
        ("D03", 2),
        ("D07", 4),
        ("D09", 5),
        ("D04", 6),
        ("D05", 7),
        ("D08", 7),
    ]
    assert all(r.grade == "不合格" for r in results if r.vetoed)


def test_scope_is_the_facts_given():
    assert score_period(totals_standard(), []) == []
    with pytest.raises(ValueError, match="D01 is given twice"):
        score_period(totals_standard(), [SubjectFacts("D01"), SubjectFacts("D01")])
    (empty,) = score_period(totals_standard(), [SubjectFacts("D01")])
    assert (empty.total, empty.flags, empty.grade, empty.rank) == (D("10.00"), ["pending:M"], "不合格", 1)


# --- grades and quotas ----------------------------------------------------------------------


def test_grade_is_the_first_whose_min_holds():
    facts = [subject("A", "90"), subject("B", "89.99"), subject("C", "80"), subject("D", "60"), subject("E", "59.99")]
    facts += [subject(f"Z{i}", "10") for i in range(5)]  # N = 10: two 优秀 places
    grades = {r.subject: r.grade for r in score_period(totals_standard(), facts)}
    assert [grades[s] for s in "ABCDE"] == ["优秀", "良好", "良好", "合格", "不合格"]


def test_max_deducted_is_a_condition_not_a_quota():
    results = score_period(
        totals_standard(), [subject("A", "96", deducted=1), *(subject(f"Z{i}", "10") for i in range(9))]
    )
    assert summary(results)[0] == ("A", "96.00", 1, "良好", [])  # no quota flag: it never met 优秀


def test_a_tie_block_that_overflows_the_quota_closes_it():
    facts = [subject("A", "98"), subject("B", "95"), subject("C", "95"), subject("D", "93")]
    facts += [subject(f"Z{i}", "50") for i in range(6)]  # N = 10 → floor(0.2 × 10) = 2 places
    results = score_period(totals_standard(), facts)
    assert summary(results)[:4] == [
        ("A", "98.00", 1, "优秀", []),
        ("B", "95.00", 2, "良好", ["quota:优秀"]),
        ("C", "95.00", 2, "良好", ["quota:优秀"]),
        ("D", "93.00", 4, "良好", ["quota:优秀"]),  # would fit in the place left, but the quota is closed
    ]


def test_a_tie_block_that_exactly_fits_takes_the_last_places():
    facts = [subject("A", "98"), subject("B", "95"), subject("C", "95"), subject("D", "93")]
    facts += [subject(f"Z{i}", "50") for i in range(11)]  # N = 15 → 3 places
    results = score_period(totals_standard(), facts)
    assert [r.grade for r in results[:4]] == ["优秀", "优秀", "优秀", "良好"]
    assert results[3].flags == ["quota:优秀"]


def test_members_of_a_tie_block_that_fail_max_deducted_are_not_in_the_group():
    facts = [subject("A", "96", deducted=0), subject("B", "96", deducted=3), subject("C", "95", deducted=0)]
    facts += [subject(f"Z{i}", "50") for i in range(7)]  # N = 10 → 2 places
    results = score_period(totals_standard(), facts)
    assert summary(results)[:3] == [
        ("A", "96.00", 1, "优秀", []),
        ("B", "96.00", 1, "良好", []),
        ("C", "95.00", 3, "优秀", []),
    ]


def test_a_quota_of_zero_places():
    facts = [subject("A", "99"), subject("B", "97"), subject("C", "85"), subject("D", "80")]
    results = score_period(totals_standard(), facts)  # floor(0.2 × 4) = 0
    assert [(r.grade, r.flags) for r in results] == [
        ("良好", ["quota:优秀"]),
        ("良好", ["quota:优秀"]),
        ("良好", []),
        ("良好", []),
    ]


def test_quota_places_are_counted_exactly():
    grades = (Grade("优秀", D(90), quota=D("0.29")), Grade("合格", D(0)))
    # 0.29 × 100 is 28.999… in binary floating point: a block of 29 must still fit in the 29 places.
    facts = [subject(f"S{i:03d}", "95" if i < 29 else "50") for i in range(100)]
    assert sum(r.grade == "优秀" for r in score_period(totals_standard(grades), facts)) == 29


def test_vetoed_results_take_no_quota_place_and_get_no_quota_flag():
    facts = [subject("A", "100", vetoed=True), subject("B", "100", vetoed=True), subject("C", "96"), subject("D", "95")]
    facts += [subject(f"Z{i}", "50") for i in range(6)]  # N = 10 (vetoed included) → 2 places
    results = score_period(totals_standard(), facts)
    by_subject = {r.subject: (r.rank, r.grade, r.flags) for r in results}
    assert by_subject["C"] == (1, "优秀", [])
    assert by_subject["D"] == (2, "优秀", [])
    assert by_subject["A"] == (9, "不合格", [])
    assert by_subject["B"] == (9, "不合格", [])


def test_a_subject_kept_from_two_quota_grades_carries_both_flags():
    grades = (
        Grade("优秀", D(90), quota=D("0.1")),
        Grade("良好", D(80), quota=D("0.1")),
        Grade("合格", D(60)),
        Grade("不合格", D(0)),
    )
    facts = [subject("A", "95"), subject("B", "94"), subject("C", "93"), subject("D", "85")]
    facts += [subject(f"Z{i}", "50") for i in range(6)]  # N = 10 → one place each
    results = score_period(totals_standard(grades), facts)
    assert summary(results)[:4] == [
        ("A", "95.00", 1, "优秀", []),
        ("B", "94.00", 2, "良好", ["quota:优秀"]),
        ("C", "93.00", 3, "合格", ["quota:优秀", "quota:良好"]),
        ("D", "85.00", 4, "合格", ["quota:良好"]),
    ]


def test_the_last_grade_takes_whoever_reaches_it():
    grades = (Grade("合格", D(60), quota=D("0.5")), Grade("不合格", D(0), max_deducted=D(0), quota=D(0)))
    facts = [subject("A", "70"), subject("B", "65"), subject("C", "50", deducted=5)]
    results = score_period(totals_standard(grades), facts)  # one 合格 place
    assert [(r.grade, r.flags) for r in results] == [("合格", []), ("不合格", ["quota:合格"]), ("不合格", [])]


# --- export ---------------------------------------------------------------------------------


def test_to_json_is_the_interchange_shape():
    group = Item(code="A", name="A", points=D(30), children=(deduct("A1", "20", ("t", "1")), manual("A2", "10")))
    std = standard(group, satisfaction("S", "70"), BONUS, VETO)
    facts = SubjectFacts("D012", findings={"t": 2}, manual={"A2": [D("8.5")]}, bonuses={"F2": 1})
    exported = to_json(one(std, facts))
    assert exported == {
        "subject": "D012",
        "total": "98.50",
        "grade": "良好",
        "vetoed": False,
        "rank": 1,
        "bonus": "2.00",
        "deducted": "2.00",
        "items": {"A": "26.50", "A1": "18.00", "A2": "8.50", "S": "70.00"},
        "flags": ["insufficient_sample:S"],
    }
    assert list(exported) == ["subject", "total", "grade", "vetoed", "rank", "bonus", "deducted", "items", "flags"]
    assert list(exported["items"]) == ["A", "A1", "A2", "S"]
