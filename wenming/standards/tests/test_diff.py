"""standard_diff: the lines a reviewer reads before confirming a new version."""

from __future__ import annotations

from django.utils import translation

from wenming.standards.diff import standard_diff

from .yaml_cases import BASE, bend, parse


def diff(old_text: str | None, new_text: str) -> list[str]:
    with translation.override("en"):
        old = parse(old_text) if old_text is not None else None
        return [change.text for change in standard_diff(old, parse(new_text))]


def test_no_change_no_lines():
    assert diff(BASE, BASE) == []


def test_a_new_standard_lists_its_items():
    assert diff(None, BASE) == [
        "new standard T-1 “Test standard”: 6 items, full score 100",
        "item A “Group”: a group of 2 items, points 30",
        "item A1 “Deduct leaf”: rule deduction, points 20",
        "item A2 “Manual leaf”: rule manual score, points 10",
        "item S “Satisfaction”: rule satisfaction, points 70",
        "item F “Bonus”: rule bonus",
        "item V “Veto”: rule veto",
    ]


def test_top_level_fields_and_grades():
    new = bend("name: Test standard", "name: New name")
    new = bend("bonus_cap: 5", "bonus_cap: 3", new)
    new = bend("cycle: month\n", "cycle: month\napplies_to: [nursing, clinical]\n", new)
    new = bend("{name: Good, min: 90, max_deducted: 0, quota: 0.15}", "{name: Good, min: 92, quota: 0.2}", new)
    new = bend("{name: Fair, min: 60}", "{name: Pass, min: 60}", new)
    new = bend("veto_grade: Poor", "veto_grade: Pass", new)
    assert diff(BASE, new) == [
        "name: “Test standard” → “New name”",
        "applies to: — → clinical, nursing",
        "bonus cap: 5 → 3",
        "veto grade: “Poor” → “Pass”",
        "grade Good: minimum 90 → 92",
        "grade Good: most points deducted 0 → —",
        "grade Good: quota 0.15 → 0.2",
        "grade Pass added (min 60)",
        "grade Fair removed",
    ]


def test_items_added_removed_and_changed():
    new = bend(
        "      - {code: A2, name: Manual leaf, points: 10, rule: manual}\n",
        "      - {code: A3, name: Talk, points: 10, rule: manual}\n",
    )
    new = bend("    name: Satisfaction\n    points: 70\n", "    name: Patients\n    points: 60\n", new)
    new = bend("    step_points: 2\n", "    step_points: 1\n    min_responses: 50\n", new)
    new = bend("full_score: 100", "full_score: 90", new)
    assert diff(BASE, new) == [
        "full score: 100 → 90",
        "item A3 “Talk” added: rule manual score, points 10",
        "item S: name “Satisfaction” → “Patients”",
        "item S: points 70 → 60",
        "item S: points per step 2 → 1",
        "item S: minimum responses 30 → 50",
        "item A2 “Manual leaf” removed",
    ]


def test_a_rule_change_and_a_move():
    new = bend("      - {code: A2, name: Manual leaf, points: 10, rule: manual}\n", "")
    new = bend("    points: 30\n", "    points: 20\n", new)
    new = bend("    points: 70\n", "    points: 70\n", new)
    new = bend(
        "  - code: F\n",
        "  - {code: A2, name: Manual leaf, points: 10, rule: deduct,\n"
        "     deductions: [{code: X1, name: Late, points: 1}]}\n  - code: F\n",
        new,
    )
    assert diff(BASE, new) == [
        "item A: points 30 → 20",
        "item A2 moved from group A to the top level",
        "item A2: rule manual score → deduction",
        "item A2: deduction X1 “Late” added (points 1)",
    ]


def test_deductions_bonuses_and_vetoes():
    new = bend("{code: A1a, name: First, points: 3}", "{code: A1a, name: First one, points: 4}")
    new = bend("          - {code: A1b, name: Second, points: 0.5}\n", "", new)
    new = bend(
        "{code: F1, name: Praise, points: 2}",
        "{code: F1, name: Praise, points: 2}\n      - {code: F2, name: Flag, points: 1}",
        new,
    )
    new = bend("{code: V1, name: Accident}", "{code: V1, name: Big accident}", new)
    assert diff(BASE, new) == [
        "deduction A1a: name “First” → “First one”",
        "deduction A1a: points 3 → 4",
        "item F: bonus F2 “Flag” added (points 1)",
        "veto V1: name “Accident” → “Big accident”",
        "item A1: deduction A1b “Second” removed",
    ]


def test_reordering_alone_is_a_change_too():
    a2 = "      - {code: A2, name: Manual leaf, points: 10, rule: manual}\n"
    swapped = bend("      - code: A1\n", a2 + "      - code: A1\n", bend(a2, ""))
    assert diff(BASE, swapped) == ["the order of the items or their entries changed"]
