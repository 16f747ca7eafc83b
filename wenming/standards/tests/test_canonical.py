"""The canonical form: JSON-safe, exact round trip, and blind to formatting, comments and key order."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest

from wenming.standards.canonical import canonical_json, content_hash, from_canonical, number_text, to_canonical
from wenming.standards.definition import Bonus, Cycle, Deduction, Grade, Item, Rule, StandardDef, Subject, Veto

from .yaml_cases import BASE, MONTH, MONTHLY, QUARTER, YEAR, bend, parse

REWRITTEN = """\
# The same standard as BASE, written differently: other key order, block/flow styles, quoting,
# number spellings and comments.
items:
  - children:
      - rule: deduct
        deductions:
          - points: 3.0
            name: First
            code: A1a
          - {points: 0.50, code: "A1b", name: 'Second'}
        points: 20
        name: Deduct leaf
        code: A1
      - code: A2
        rule: manual       # a comment
        points: 1e1
        name: Manual leaf
    points: 30.00
    name: Group
    code: A
  - {code: S, name: Satisfaction, points: 70, rule: satisfaction, step_points: 2, step: 0.010, target: 0.950,
     min_responses: 30, satisfied_min: 4}
  - code: F
    rule: bonus
    name: Bonus
    bonuses: [{code: F1, name: Praise, points: 2}]
  - {code: V, name: Veto, rule: veto, vetoes: [{name: Accident, code: V1}]}
veto_grade: "Poor"
grades:
  - name: Good
    quota: 0.150
    max_deducted: 0.0
    min: 90
  - {min: 60, name: Fair}
  - {min: 0, name: Poor}
bonus_cap: 5.0
full_score: 100
cycle: month
subject: department
name: "Test standard"
code: T-1
"""


def test_number_text_is_short_and_exact():
    assert [number_text(Decimal(t)) for t in ("10", "10.00", "1E+1", "0.50", "0.1", "-0", "0.000", "1e-3")] == [
        "10",
        "10",
        "10",
        "0.5",
        "0.1",
        "0",
        "0",
        "0.001",
    ]


@pytest.mark.parametrize("path", [MONTH, YEAR, QUARTER], ids=lambda p: p.name)
def test_the_examples_round_trip_exactly(path):
    defn = parse(path.read_bytes(), known_standards=lambda code: MONTHLY)
    data = to_canonical(defn)
    assert json.loads(json.dumps(data)) == data  # JSON-safe: only str, int, list, dict
    assert from_canonical(data) == defn
    assert to_canonical(from_canonical(data)) == data
    assert from_canonical(json.loads(canonical_json(data))) == defn


def test_numbers_are_strings_never_floats():
    data = to_canonical(parse(BASE))
    text = canonical_json(data)
    assert '"points":"0.5"' in text and '"quota":"0.15"' in text and '"target":"0.95"' in text
    assert "0.5," not in text and "float" not in text

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        else:
            assert isinstance(value, (str, int)) and not isinstance(value, bool), value

    walk(data)


def test_formatting_comments_key_order_and_number_spelling_do_not_count():
    assert to_canonical(parse(REWRITTEN)) == to_canonical(parse(BASE))
    assert content_hash(to_canonical(parse(REWRITTEN))) == content_hash(to_canonical(parse(BASE)))


def test_every_change_of_meaning_counts():
    base = content_hash(to_canonical(parse(BASE)))
    for old, new in [
        ("points: 0.5}", "points: 0.6}"),
        ("name: Second", "name: Second!"),
        ("quota: 0.15}", "quota: 0.2}"),
        ("step_points: 2\n", "step_points: 2\n    min_responses: 31\n"),
        ("bonus_cap: 5", "bonus_cap: 6"),
        ("cycle: month\n", "cycle: month\napplies_to: [clinical]\n"),
    ]:
        assert content_hash(to_canonical(parse(bend(old, new)))) != base, new


def test_the_order_of_items_counts():
    a2 = "      - {code: A2, name: Manual leaf, points: 10, rule: manual}\n"
    swapped = bend("      - code: A1\n", a2 + "      - code: A1\n", bend(a2, ""))
    assert [i.code for i in parse(swapped).items[0].children] == ["A2", "A1"]
    assert content_hash(to_canonical(parse(swapped))) != content_hash(to_canonical(parse(BASE)))


def test_defaults_are_left_out():
    data = to_canonical(parse(BASE))
    satisfaction = data["items"][1]
    assert "min_responses" not in satisfaction and "satisfied_min" not in satisfaction
    assert "applies_to" not in data
    assert set(data["items"][3]) == {"code", "name", "rule", "vetoes"}
    assert data["grades"][1] == {"name": "Fair", "min": "60"}


def test_every_field_of_the_definition_survives():
    """If definition.py gains a field, this fails until canonical.py carries it."""
    leaf = Item(
        code="X",
        name="x",
        points=Decimal("1.5"),
        rule=Rule.SATISFACTION,
        children=(Item(code="C", name="c", points=Decimal(1), rule=Rule.MANUAL),),
        deductions=(Deduction("D", "d", Decimal("0.25")),),
        bonuses=(Bonus("B", "b", Decimal(2)),),
        vetoes=(Veto("V", "v"),),
        target=Decimal("0.9"),
        step=Decimal("0.01"),
        step_points=Decimal(1),
        min_responses=5,
        satisfied_min=3,
        source="SRC",
    )
    defn = StandardDef(
        code="S",
        name="s",
        subject=Subject.STAFF,
        cycle=Cycle.YEAR,
        full_score=Decimal("1.5"),
        grades=(Grade("A", Decimal(1), Decimal(0), Decimal("0.1")), Grade("B", Decimal(0))),
        veto_grade="B",
        items=(leaf,),
        bonus_cap=Decimal(3),
        applies_to=("nursing",),
    )
    data = to_canonical(defn)
    assert set(data) == {f.name for f in dataclasses.fields(StandardDef) if not f.name.startswith("_")}
    assert set(data["items"][0]) == {f.name for f in dataclasses.fields(Item)}
    assert set(data["grades"][0]) == {f.name for f in dataclasses.fields(Grade)}
    assert from_canonical(data) == defn
    assert to_canonical(from_canonical(data)) == data
