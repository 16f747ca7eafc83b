"""parse_standard: the format of shared/spec/scoring.md §1 and every validation rule, one bad file each.

Messages are asserted in English (translation.override("en")); each names the YAML line, the item
code or the top-level field, and the problem."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from wenming.standards.definition import Cycle, Rule, Subject
from wenming.standards.parse import StandardError, parse_standard

from .yaml_cases import BASE, MONTH, MONTHLY, QUARTER, YEAR, bend, known, line_of, parse, problems

CODE_FORM = "may contain only letters, digits, “-”, “_” and “.”, and must start with a letter or a digit"
CATEGORIES = "clinical/临床, medtech/医技, nursing/护理, admin/行政后勤"


def at(text: str, snippet: str, message: str, nth: int = 1) -> str:
    return f"line {line_of(text, snippet, nth)}: {message}"


# --- the good files -------------------------------------------------------------------------------


def test_the_base_file_parses_into_the_definition():
    defn = parse(BASE)
    assert (defn.code, defn.name, defn.subject, defn.cycle) == ("T-1", "Test standard", Subject.DEPARTMENT, Cycle.MONTH)
    assert defn.full_score == Decimal(100) and defn.bonus_cap == Decimal(5)
    assert [(g.name, g.min, g.max_deducted, g.quota) for g in defn.grades] == [
        ("Good", Decimal(90), Decimal(0), Decimal("0.15")),
        ("Fair", Decimal(60), None, None),
        ("Poor", Decimal(0), None, None),
    ]
    assert defn.veto_grade == "Poor"
    assert defn.applies_to is None
    assert [item.code for item in defn.walk()] == ["A", "A1", "A2", "S", "F", "V"]
    group, a1 = defn.items[0], defn.items[0].children[0]
    assert group.is_group and group.rule is None and group.points == 30
    assert a1.rule == Rule.DEDUCT and [(d.code, d.points) for d in a1.deductions] == [
        ("A1a", Decimal(3)),
        ("A1b", Decimal("0.5")),
    ]
    s = defn.items[1]
    assert (s.rule, s.target, s.step, s.step_points) == (
        Rule.SATISFACTION,
        Decimal("0.95"),
        Decimal("0.01"),
        Decimal(2),
    )
    assert (s.min_responses, s.satisfied_min) == (30, 4)  # the defaults
    assert defn.bonus_item.code == "F" and defn.bonus_item.points is None
    assert defn.bonus_item.bonuses[0].points == 2
    assert defn.veto_item.vetoes[0].code == "V1"
    assert defn.code_kind("A1b") == ("deduction", a1)


def test_the_example_standards_parse():
    month = parse(MONTH.read_bytes())
    assert month.code == "WMKS-M-2026" and month.full_score == 100 and month.bonus_cap == 5
    assert sum(item.points for item in month.items if item.is_scored) == 100
    year = parse(YEAR.read_text(encoding="utf-8"))
    assert (year.code, year.subject, year.cycle, year.bonus_cap) == ("YDKP-2026", Subject.STAFF, Cycle.YEAR, 10)
    quarter = parse(QUARTER.read_bytes(), known_standards=lambda code: MONTHLY if code == "WMKS-M-2026" else None)
    assert quarter.items[0].rule == Rule.ROLLUP and quarter.items[0].source == "WMKS-M-2026"
    assert quarter.bonus_cap == 0  # the default


def test_the_quarterly_example_alone_is_refused_naming_item_m():
    text = QUARTER.read_text(encoding="utf-8")
    assert problems(text, known_standards=lambda code: None) == [
        at(text, "code: M", "item M: the source standard WMKS-M-2026 does not exist; import it first")
    ]


def test_numbers_are_exact_decimals_as_written():
    text = bend("points: 0.5}", "points: 0.1}")
    text = bend("step: 0.01", "step: 0.005", text)
    defn = parse(text)
    deduction = defn.items[0].children[0].deductions[1]
    assert deduction.points == Decimal("0.1") and str(deduction.points) == "0.1"
    assert str(defn.items[1].step) == "0.005"
    assert str(defn.grades[0].quota) == "0.15"
    assert str(defn.items[1].target) == "0.95"
    for value in (defn.items[1].target, deduction.points):
        assert isinstance(value, Decimal)


def test_other_ways_of_writing_numbers():
    text = bend("points: 3}", 'points: "3"}')  # quoted
    text = bend("full_score: 100", "full_score: 1_00.0", text)
    text = bend("min: 60}", "min: 6e1}", text)
    defn = parse(text)
    assert defn.full_score == 100 and defn.grades[1].min == 60
    assert defn.items[0].children[0].deductions[0].points == 3


def test_codes_and_names_are_taken_as_written():
    # YAML 1.1 would read Y as true and 010 as the number 8.
    text = bend("{code: A2, name: Manual leaf,", "{code: Y, name: 010,")
    defn = parse(text)
    assert (defn.items[0].children[1].code, defn.items[0].children[1].name) == ("Y", "010")


def test_applies_to_takes_categories_in_either_language_and_sorts_them():
    defn = parse(bend("cycle: month\n", "cycle: month\napplies_to: [admin, 临床, nursing]\n"))
    assert defn.applies_to == ("clinical", "nursing", "admin")


def test_satisfaction_settings_can_be_given():
    defn = parse(bend("step_points: 2\n", "step_points: 2\n    min_responses: 10\n    satisfied_min: 5\n"))
    assert (defn.items[1].min_responses, defn.items[1].satisfied_min) == (10, 5)


def test_a_bom_and_bytes_are_fine():
    assert parse(b"\xef\xbb\xbf" + BASE.encode()).code == "T-1"


def test_deep_groups_and_zero_point_deductions_are_fine():
    text = bend(
        "      - {code: A2, name: Manual leaf, points: 10, rule: manual}\n",
        "      - code: A2\n        name: Sub group\n        points: 10\n        children:\n"
        "          - {code: A2x, name: Deep, points: 10, rule: deduct,\n"
        "             deductions: [{code: A2x1, name: N, points: 0}]}\n",
    )
    defn = parse(text)
    assert [item.code for item in defn.walk()][:5] == ["A", "A1", "A2", "A2x", "S"]


def test_messages_follow_the_active_language():
    with translation.override("en"), pytest.raises(StandardError) as english:
        parse_standard(bend("full_score: 100", "full_score: 90"))
    assert "full_score (90) must equal" in english.value.problems[0]
    assert str(english.value) == english.value.problems[0]


# --- codes ------------------------------------------------------------------------------------------


def test_item_codes_are_unique():
    text = bend("{code: A2, name: Manual leaf", "{code: A1, name: Manual leaf")
    assert problems(text) == [
        at(
            text,
            "Manual leaf",
            "item A1: the code A1 is used more than once (first on line {})".format(line_of(text, "code: A1")),
        )
    ]


def test_codes_are_unique_across_items_deductions_bonuses_and_vetoes():
    text = bend("{code: A1b, name: Second", "{code: S, name: Second")
    text = bend("{code: F1, name: Praise", "{code: A1a, name: Praise", text)
    text = bend("{code: V1, name: Accident}", "{code: F, name: Accident}", text)
    assert problems(text) == [
        at(
            text,
            "- code: S",
            "item S: the code S is used more than once (first on line {})".format(line_of(text, "Second")),
        ),
        at(
            text,
            "name: Praise",
            "bonus A1a: the code A1a is used more than once (first on line {})".format(line_of(text, "A1a")),
        ),
        at(
            text,
            "name: Accident",
            "veto F: the code F is used more than once (first on line {})".format(line_of(text, "code: F")),
        ),
    ]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "A 1",
            f"the code “A 1” {CODE_FORM}",
        ),
        (
            "-A1",
            f"the code “-A1” {CODE_FORM}",
        ),
        (
            "甲1",
            f"the code “甲1” {CODE_FORM}",
        ),
        ("A" * 33, "the code “%s” is longer than 32 characters" % ("A" * 33)),
    ],
)
def test_codes_have_a_sane_form(code, message):
    text = bend("{code: A2, name: Manual leaf", f'{{code: "{code}", name: Manual leaf')
    assert problems(text) == [at(text, "Manual leaf", f"item {code}: {message}")]


def test_the_standard_code_has_a_sane_form():
    text = bend("code: T-1", "code: T 1")
    assert problems(text) == [
        at(
            text,
            "code: T 1",
            "the code “T 1” may contain only letters, digits, “-”, “_” and “.”, "
            "and must start with a letter or a digit",
        )
    ]


# --- points and sums ---------------------------------------------------------------------------------


def test_a_groups_points_equal_the_sum_of_its_childrens():
    text = bend("    points: 30\n", "    points: 35\n")
    text = bend("full_score: 100", "full_score: 105", text)
    assert problems(text) == [
        at(text, "points: 35", "item A: the points (35) must equal the sum of the children's points (30)")
    ]


def test_full_score_equals_the_sum_of_the_top_level_items_other_than_bonus_and_veto():
    text = bend("full_score: 100", "full_score: 102")  # 102 = 100 + the bonus F1's 2: still wrong
    assert problems(text) == [
        at(text, "full_score", "full_score (102) must equal the sum of the points of the top-level items (100)")
    ]


def test_full_score_is_compared_as_a_decimal():
    assert parse(bend("full_score: 100", "full_score: 100.00")).full_score == 100


@pytest.mark.parametrize(
    ("old", "new", "snippet", "message"),
    [
        (
            "{code: A2, name: Manual leaf, points: 10,",
            "{code: A2, name: Manual leaf, points: 0,",
            "Manual leaf",
            "item A2: points must be greater than 0 (0)",
        ),
        (
            "{code: A2, name: Manual leaf, points: 10,",
            "{code: A2, name: Manual leaf, points: -10,",
            "Manual leaf",
            "item A2: points must not be negative (-10)",
        ),
        ("    points: 70\n", "    points: 0  # none\n", "# none", "item S: points must be greater than 0 (0)"),
        (
            "{code: A1a, name: First, points: 3}",
            "{code: A1a, name: First, points: -3}",
            "A1a",
            "deduction A1a: points must not be negative (-3)",
        ),
        (
            "{code: F1, name: Praise, points: 2}",
            "{code: F1, name: Praise, points: -2}",
            "F1",
            "bonus F1: points must not be negative (-2)",
        ),
        ("bonus_cap: 5", "bonus_cap: -5", "bonus_cap", "bonus_cap must not be negative (-5)"),
        ("step_points: 2", "step_points: -2", "step_points", "item S: step_points must not be negative (-2)"),
    ],
)
def test_numbers_are_non_negative_and_points_of_scored_items_positive(old, new, snippet, message):
    text = bend(old, new)
    found = problems(text)
    assert found[0] == at(text, snippet, message)


def test_a_group_with_zero_points():
    text = bend("    points: 30\n", "    points: 0\n")
    text = bend("full_score: 100", "full_score: 70", text)
    assert problems(text) == [at(text, "points: 0", "item A: points must be greater than 0 (0)")]


def test_full_score_must_be_positive():
    text = bend("full_score: 100", "full_score: -100")
    assert problems(text) == [at(text, "full_score", "full_score must not be negative (-100)")]


# --- bonus and veto items ------------------------------------------------------------------------------


def test_bonus_and_veto_items_only_at_the_top_level():
    text = bend(
        "      - {code: A2, name: Manual leaf, points: 10, rule: manual}\n",
        "      - {code: A2, name: Manual leaf, points: 10, rule: manual}\n"
        "      - {code: G, name: Inner bonus, rule: bonus, bonuses: [{code: G1, name: x, points: 1}]}\n"
        "      - {code: W, name: Inner veto, rule: veto, vetoes: [{code: W1, name: x}]}\n",
    )
    assert problems(text) == [
        at(text, "Inner bonus", "item G: a bonus item can only be at the top level"),
        at(text, "Inner veto", "item W: a veto item can only be at the top level"),
    ]


def test_at_most_one_bonus_and_one_veto_item():
    text = BASE + (
        "  - {code: F9, name: Second bonus, rule: bonus, bonuses: [{code: F91, name: x, points: 1}]}\n"
        "  - {code: V9, name: Second veto, rule: veto, vetoes: [{code: V91, name: x}]}\n"
    )
    assert problems(text) == [
        at(text, "Second bonus", "item F9: there can be only one bonus item (F is one)"),
        at(text, "Second veto", "item V9: there can be only one veto item (V is one)"),
    ]


def test_bonus_and_veto_items_have_no_points():
    text = bend("    rule: bonus\n", "    rule: bonus\n    points: 5\n")
    text = bend("    rule: veto\n", "    rule: veto\n    points: 5\n", text)
    assert problems(text) == [
        at(text, "points: 5", "item F: a bonus item has no points (bonus_cap sets the most a subject can add)"),
        at(text, "points: 5", "item V: a veto item has no points", nth=2),
    ]


def test_bonus_needs_bonuses_and_veto_needs_vetoes():
    text = bend("    bonuses:\n      - {code: F1, name: Praise, points: 2}\n", "    bonuses: []\n")
    text = bend("    vetoes:\n      - {code: V1, name: Accident}\n", "", text)
    assert problems(text) == [
        at(text, "bonuses: []", "item F: a bonus item needs at least one entry in bonuses"),
        at(text, "- code: V", "item V: a veto item needs at least one entry in vetoes"),
    ]


def test_bonus_cap_defaults_to_0():
    assert parse(bend("bonus_cap: 5\n", "")).bonus_cap == 0


# --- grades -------------------------------------------------------------------------------------------


def test_grades_are_strictly_descending_by_min():
    text = bend("{name: Fair, min: 60}", "{name: Fair, min: 90}")
    assert problems(text) == [
        at(
            text,
            "Fair",
            "grade Fair: min (90) must be lower than the min of the grade above (90): grades go from the highest down",
        )
    ]
    text = bend("{name: Fair, min: 60}", "{name: Fair, min: 95}")
    assert problems(text)[0].endswith(
        "grade Fair: min (95) must be lower than the min of the grade above (90): grades go from the highest down"
    )


def test_the_last_grade_has_min_0():
    text = bend("{name: Poor, min: 0}", "{name: Poor, min: 10}")
    assert problems(text) == [at(text, "Poor, min", "grade Poor: the last grade must have min 0, not 10")]


def test_veto_grade_is_one_of_the_grades():
    text = bend("veto_grade: Poor", "veto_grade: Bad")
    assert problems(text) == [at(text, "veto_grade", "veto_grade “Bad” is not one of the grades (Good, Fair, Poor)")]


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("quota: 1.5}", "grade Good: quota must be between 0 and 1 (1.5)"),
        ("quota: -0.1}", "grade Good: quota must not be negative (-0.1)"),
        ("quota: many}", "grade Good: quota must be a number, not “many”"),
    ],
)
def test_quota_is_between_0_and_1(new, message):
    text = bend("quota: 0.15}", new)
    assert problems(text) == [at(text, "Good", message)]


def test_quota_may_be_0_or_1():
    assert parse(bend("quota: 0.15}", "quota: 1}")).grades[0].quota == 1
    assert parse(bend("quota: 0.15}", "quota: 0}")).grades[0].quota == 0


def test_max_deducted_is_non_negative():
    text = bend("max_deducted: 0,", "max_deducted: -1,")
    assert problems(text) == [at(text, "Good", "grade Good: max_deducted must not be negative (-1)")]


def test_grade_names_are_unique_and_grades_need_a_min():
    text = bend("{name: Fair, min: 60}", "{name: Good}")
    assert problems(text) == [
        at(
            text,
            "{name: Good}",
            "grade Good: the grade name “Good” is used more than once (first on line {})".format(
                line_of(text, "quota")
            ),
        ),
        at(text, "{name: Good}", "grade Good: min is missing"),
    ]


def test_grades_are_required():
    text = bend(
        "grades:\n  - {name: Good, min: 90, max_deducted: 0, quota: 0.15}\n"
        "  - {name: Fair, min: 60}\n  - {name: Poor, min: 0}\n",
        "grades: []\n",
    )
    assert problems(text) == [
        at(text, "grades: []", "grades is empty"),
    ]


# --- rollup --------------------------------------------------------------------------------------------

ROLLUP = """\
code: Q-NEW
name: Quarterly
subject: department
cycle: quarter
full_score: 100
grades: [{name: Good, min: 90}, {name: Poor, min: 0}]
veto_grade: Poor
items:
  - {code: M, name: Monthly average, points: 80, rule: rollup, source: M-1}
  - {code: L, name: Leaders, points: 20, rule: manual}
"""


def test_a_rollup_of_an_existing_shorter_standard_with_the_same_subject():
    item = parse(ROLLUP).items[0]
    assert (item.rule, item.source, item.points) == (Rule.ROLLUP, "M-1", 80)
    assert parse(bend("cycle: quarter", "cycle: year", ROLLUP)).items[0].source == "M-1"
    assert parse(bend("source: M-1", "source: Q-1", bend("cycle: quarter", "cycle: year", ROLLUP))).code == "Q-NEW"


@pytest.mark.parametrize(
    ("source", "cycle", "message"),
    [
        ("NOPE", "quarter", "item M: the source standard NOPE does not exist; import it first"),
        ("SM-1", "quarter", "item M: the source standard SM-1 scores staff, not department like this standard"),
        ("Q-1", "quarter", "item M: the source standard Q-1 has the cycle quarter, which is not shorter than quarter"),
        ("Y-1", "quarter", "item M: the source standard Y-1 has the cycle year, which is not shorter than quarter"),
        ("M-1", "month", "item M: the source standard M-1 has the cycle month, which is not shorter than month"),
        ("Q-NEW", "quarter", "item M: a rollup cannot take its own standard as its source"),
    ],
)
def test_a_rollup_names_an_existing_standard_with_the_same_subject_and_a_shorter_cycle(source, cycle, message):
    text = bend("source: M-1", f"source: {source}", bend("cycle: quarter", f"cycle: {cycle}", ROLLUP))
    assert problems(text) == [at(text, "Monthly average", message)]


def test_a_rollup_needs_a_source():
    text = bend(", source: M-1", "", ROLLUP)
    assert problems(text) == [at(text, "Monthly average", "item M: source is missing")]


# --- structure -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "snippet", "message"),
    [
        ("subject: department", "subject: ward", "subject", "subject “ward” is not one of: department, staff"),
        ("cycle: month", "cycle: week", "cycle", "cycle “week” is not one of: month, quarter, year"),
        (
            "cycle: month",
            "cycle: month\napplies_to: [clinical, surgery]",
            "applies_to",
            f"applies_to: “surgery” is not a department category (one of: {CATEGORIES})",
        ),
        (
            "cycle: month",
            "cycle: month\napplies_to: [clinical, 临床]",
            "applies_to",
            "applies_to: “临床” is listed more than once",
        ),
        ("cycle: month", "cycle: month\napplies_to: []", "applies_to", "applies_to is empty"),
        (
            "cycle: month",
            "cycle: month\napplies_to: clinical",
            "applies_to",
            "applies_to must be a list, not “clinical”",
        ),
    ],
)
def test_top_level_values(old, new, snippet, message):
    text = bend(old, new)
    assert problems(text) == [at(text, snippet, message)]


def test_a_leaf_needs_a_rule():
    text = bend(", rule: manual}", "}")
    assert problems(text) == [
        at(text, "Manual leaf", "item A2: rule is missing (an item without children needs a rule)")
    ]


def test_a_group_has_no_rule():
    text = bend("    points: 30\n", "    points: 30\n    rule: manual\n")
    assert problems(text) == [
        at(text, "rule: manual", "item A: a group (an item with children) has no rule; remove the rule or the children")
    ]


def test_a_group_needs_children():
    text = bend(
        "    children:\n      - code: A1\n        name: Deduct leaf\n        points: 20\n        rule: deduct\n"
        "        deductions:\n          - {code: A1a, name: First, points: 3}\n"
        "          - {code: A1b, name: Second, points: 0.5}\n"
        "      - {code: A2, name: Manual leaf, points: 10, rule: manual}\n",
        "    children: []\n",
    )
    assert problems(text) == [at(text, "children: []", "item A: a group needs at least one item in children")]


def test_an_unknown_rule():
    text = bend("rule: manual}", "rule: judge}")
    assert problems(text) == [
        at(
            text,
            "Manual leaf",
            "item A2: rule “judge” is not one of: deduct, satisfaction, manual, rollup, bonus, veto",
        )
    ]


def test_deduct_needs_deductions():
    text = bend(
        "        deductions:\n          - {code: A1a, name: First, points: 3}\n"
        "          - {code: A1b, name: Second, points: 0.5}\n",
        "        deductions: []\n",
    )
    assert problems(text) == [
        at(text, "deductions: []", "item A1: a deduct item needs at least one entry in deductions")
    ]
    text = bend(
        "        deductions:\n          - {code: A1a, name: First, points: 3}\n"
        "          - {code: A1b, name: Second, points: 0.5}\n",
        "",
    )
    assert problems(text) == [at(text, "- code: A1", "item A1: a deduct item needs at least one entry in deductions")]


def test_entries_need_a_code_a_name_and_points():
    text = bend("{code: A1a, name: First, points: 3}", "{name: First}")
    assert problems(text) == [
        at(text, "{name: First}", "item A1, deduction no. 1: code is missing"),
        at(text, "{name: First}", "item A1, deduction no. 1: points is missing"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    target: 0.95\n", "", "item S: target is missing"),
        ("    step: 0.01\n", "", "item S: step is missing"),
        ("    step_points: 2\n", "", "item S: step_points is missing"),
        ("    step: 0.01\n", "    step: 0\n", "item S: step must be greater than 0 (0)"),
        ("    target: 0.95\n", "    target: 1.5\n", "item S: target must be between 0 and 1 (1.5)"),
        ("    target: 0.95\n", "    target: -0.5\n", "item S: target must not be negative (-0.5)"),
        (
            "    step_points: 2\n",
            "    step_points: 2\n    min_responses: 0\n",
            "item S: min_responses must be at least 1 (0)",
        ),
        (
            "    step_points: 2\n",
            "    step_points: 2\n    min_responses: 2.5\n",
            "item S: min_responses must be a whole number, not “2.5”",
        ),
        (
            "    step_points: 2\n",
            "    step_points: 2\n    satisfied_min: 6\n",
            "item S: satisfied_min must be between 1 and 5 (6)",
        ),
        (
            "    step_points: 2\n",
            "    step_points: 2\n    satisfied_min: 0\n",
            "item S: satisfied_min must be between 1 and 5 (0)",
        ),
    ],
)
def test_satisfaction_settings(old, new, message):
    text = bend(old, new)
    found = problems(text)
    assert len(found) == 1 and found[0].endswith(message), found
    assert found[0].startswith("line ")


def test_target_may_be_0_or_1():
    assert parse(bend("    target: 0.95\n", "    target: 1\n")).items[1].target == 1


def test_unknown_fields_and_fields_of_another_rule():
    text = bend("code: T-1\n", "code: T-1\ndescription: x\n")
    text = bend("    step: 0.01\n", "    step: 0.01\n    weight: 2\n", text)
    text = bend("rule: manual}", "rule: manual, target: 0.9}", text)
    text = bend("{code: V1, name: Accident}", "{code: V1, name: Accident, points: 1}", text)
    assert problems(text) == [
        at(
            text,
            "description",
            "unknown field “description” (expected one of: code, name, subject, cycle, "
            "applies_to, full_score, bonus_cap, grades, veto_grade, items)",
        ),
        at(text, "Manual leaf", "item A2: “target” does not apply to a manual item"),
        at(
            text,
            "weight",
            "item S: unknown field “weight” (expected one of: code, name, points, rule, target, "
            "step, step_points, min_responses, satisfied_min)",
        ),
        at(text, "Accident", "veto V1: unknown field “points” (expected one of: code, name)"),
    ]


def test_a_group_with_fields_of_a_leaf():
    text = bend("    points: 30\n", "    points: 30\n    deductions: [{code: X, name: x, points: 1}]\n")
    assert problems(text) == [
        at(text, "deductions: [", "item A: “deductions” does not apply to a group (an item with children)")
    ]


# --- YAML and types -----------------------------------------------------------------------------------------


def test_a_yaml_syntax_error_names_the_line():
    text = bend("    step: 0.01\n", "    step: [0.01\n")
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("line ") and "the file is not valid YAML: " in found[0]


def test_a_tab_indentation_error():
    found = problems("code: T\nitems:\n\t- a\n")
    assert found[0].startswith("line 3: the file is not valid YAML")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("# only a comment\n", "the file is empty"),
        ("- code: T-1\n", "line 1: the file must be a mapping of fields (code: …, name: …, items: …), not a list"),
        ("just words\n", "line 1: the file must be a mapping of fields (code: …, name: …, items: …), not “just words”"),
        ("a: 1\n---\nb: 2\n", None),
    ],
)
def test_files_that_are_not_a_standard(text, message):
    found = problems(text)
    if message is None:
        assert len(found) == 1 and "the file is not valid YAML" in found[0]
    else:
        assert found == [message]


def test_missing_required_fields_are_all_named():
    assert problems("code: T-1\n") == [
        "line 1: name is missing",
        "line 1: subject is missing",
        "line 1: cycle is missing",
        "line 1: full_score is missing",
        "line 1: grades is missing",
        "line 1: veto_grade is missing",
        "line 1: items is missing",
    ]


def test_missing_item_fields():
    text = bend("{code: A2, name: Manual leaf, points: 10, rule: manual}", "{rule: manual}")
    text = bend("    name: Satisfaction\n", "", text)
    assert problems(text) == [
        at(text, "{rule: manual}", "item no. 2: code is missing"),
        at(text, "{rule: manual}", "item no. 2: name is missing"),
        at(text, "{rule: manual}", "item no. 2: points is missing"),
        at(text, "code: S", "item S: name is missing"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "snippet", "message"),
    [
        ("    points: 70\n", "    points: seventy\n", "seventy", "item S: points must be a number, not “seventy”"),
        ("    points: 70\n", "    points: yes\n", "points: yes", "item S: points must be a number, not “yes”"),
        ("    points: 70\n", "    points: true\n", "points: true", "item S: points must be a number, not “true”"),
        ("    points: 70\n", "    points: [70]\n", "[70]", "item S: points must be a number, not a list"),
        ("    points: 70\n", "    points: .nan\n", ".nan", "item S: points must be a finite number, not “.nan”"),
        ("    points: 70\n", "    points: .inf\n", ".inf", "item S: points must be a finite number, not “.inf”"),
        ("    points: 70\n", '    points: "NaN"\n', "NaN", "item S: points must be a finite number, not “NaN”"),
        ("    points: 70\n", "    points: 0x46\n", "0x46", "item S: points must be a number, not “0x46”"),
        (
            "    points: 70\n",
            "    points: 2026-01-01\n",
            "2026-01-01",
            "item S: points must be a number, not “2026-01-01”",
        ),
        (
            "    points: 70\n",
            "    points: 70.0000001\n",
            "70.0000001",
            "item S: points has more than 6 decimal places (70.0000001)",
        ),
        ("    name: Satisfaction\n", "    name: [a, b]\n", "[a, b]", "item S: name must be text, not a list"),
        ("    name: Satisfaction\n", "    name: ''\n", "name: ''", "item S: name is empty"),
        ("name: Test standard", "name: {a: 1}", "name: {", "name must be text, not a mapping"),
        (
            "    bonuses:\n      - {code: F1, name: Praise, points: 2}\n",
            "    bonuses: {code: F1}\n",
            "bonuses:",
            "item F: bonuses must be a list, not a mapping",
        ),
        (
            "      - {code: F1, name: Praise, points: 2}\n",
            "      - F1\n",
            "- F1",
            "item F: entry 1 of bonuses must be a mapping (code: …, name: …), not “F1”",
        ),
    ],
)
def test_wrong_types(old, new, snippet, message):
    text = bend(old, new)
    found = problems(text)
    assert found[0] == at(text, snippet, message), found


def test_items_must_be_a_list_of_mappings():
    text = BASE + "  - just a string\n"
    assert problems(text) == [
        at(text, "just a string", "entry 5 of items must be a mapping (code: …, name: …), not “just a string”")
    ]
    text = bend("items:\n", "items: {}\nx:\n", BASE)
    assert problems(text)[0] == at(text, "items: {}", "items must be a list, not a mapping")


def test_a_duplicate_key():
    text = bend("    step: 0.01\n", "    step: 0.01\n    step: 0.02\n")
    assert problems(text) == [
        at(
            text,
            "step: 0.02",
            "the key “step” appears more than once here (first on line {})".format(line_of(text, "0.01")),
        )
    ]


def test_non_utf8_bytes():
    data = BASE.replace("Test standard", "测试").encode("gb18030")
    assert problems(data) == ["line 3: the file is not UTF-8 text; please save it as UTF-8"]


def test_a_recursive_alias_is_refused_not_looped():
    found = problems("code: &a [*a]\n")
    assert found  # refused, with a message, in finite time


def test_billion_laughs_is_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 8):
        lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]")
    assert problems("\n".join(lines) + "\n") == ["the file is too large once its aliases are expanded"]


def test_a_huge_file_is_refused():
    assert problems(b"#" * 1_000_001)[0].startswith("the file is too large")


# --- several problems at once ---------------------------------------------------------------------------


def test_every_problem_is_reported_in_file_order():
    text = bend("subject: department", "subject: ward")
    text = bend("{name: Poor, min: 0}", "{name: Poor, min: 5}", text)
    text = bend("{code: A2, name: Manual leaf, points: 10,", "{code: A1, name: Manual leaf, points: 15,", text)
    text = bend("    step: 0.01\n", "    step: 0\n", text)
    text = bend("    rule: bonus\n", "    rule: bonus\n    points: 1\n", text)
    found = problems(text)
    assert found == [
        at(text, "subject", "subject “ward” is not one of: department, staff"),
        at(text, "Poor, min", "grade Poor: the last grade must have min 0, not 5"),
        at(text, "points: 30", "item A: the points (30) must equal the sum of the children's points (35)"),
        at(
            text,
            "Manual leaf",
            "item A1: the code A1 is used more than once (first on line {})".format(line_of(text, "code: A1")),
        ),
        at(text, "step: 0", "item S: step must be greater than 0 (0)"),
        at(text, "points: 1", "item F: a bonus item has no points (bonus_cap sets the most a subject can add)", nth=2),
    ]
    assert known("M-1") is MONTHLY
