"""A small valid standard file that the tests bend into every kind of bad one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.utils import translation

from wenming.standards.definition import Cycle, Subject
from wenming.standards.parse import StandardError, StandardSummary, parse_standard

EXAMPLES = Path("/work/shared/data/standards")
MONTH = EXAMPLES / "wmks-month.yaml"
QUARTER = EXAMPLES / "wmks-quarter.yaml"
YEAR = EXAMPLES / "ethics-year.yaml"

BASE = """\
# a comment
code: T-1
name: Test standard
subject: department
cycle: month
full_score: 100
bonus_cap: 5
grades:
  - {name: Good, min: 90, max_deducted: 0, quota: 0.15}
  - {name: Fair, min: 60}
  - {name: Poor, min: 0}
veto_grade: Poor
items:
  - code: A
    name: Group
    points: 30
    children:
      - code: A1
        name: Deduct leaf
        points: 20
        rule: deduct
        deductions:
          - {code: A1a, name: First, points: 3}
          - {code: A1b, name: Second, points: 0.5}
      - {code: A2, name: Manual leaf, points: 10, rule: manual}
  - code: S
    name: Satisfaction
    points: 70
    rule: satisfaction
    target: 0.95
    step: 0.01
    step_points: 2
  - code: F
    name: Bonus
    rule: bonus
    bonuses:
      - {code: F1, name: Praise, points: 2}
  - code: V
    name: Veto
    rule: veto
    vetoes:
      - {code: V1, name: Accident}
"""

MONTHLY = StandardSummary(code="M-1", subject=Subject.DEPARTMENT, cycle=Cycle.MONTH, full_score=Decimal(100))
STAFF_MONTHLY = StandardSummary(code="SM-1", subject=Subject.STAFF, cycle=Cycle.MONTH, full_score=Decimal(100))
QUARTERLY = StandardSummary(code="Q-1", subject=Subject.DEPARTMENT, cycle=Cycle.QUARTER, full_score=Decimal(100))
YEARLY = StandardSummary(code="Y-1", subject=Subject.DEPARTMENT, cycle=Cycle.YEAR, full_score=Decimal(100))
KNOWN = {s.code: s for s in (MONTHLY, STAFF_MONTHLY, QUARTERLY, YEARLY)}


def known(code: str) -> StandardSummary | None:
    return KNOWN.get(code)


def bend(old: str, new: str, text: str = BASE) -> str:
    """``text`` with the one occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, snippet: str, nth: int = 1) -> int:
    """The line number (from 1) of the nth line of ``text`` containing ``snippet``."""
    hits = [number for number, line in enumerate(text.splitlines(), 1) if snippet in line]
    return hits[nth - 1]


def problems(text: str | bytes, known_standards=known) -> list[str]:
    """The problems parse_standard finds, in English (fails the test if there are none)."""
    with translation.override("en"):
        try:
            parse_standard(text, known_standards=known_standards)
        except StandardError as exc:
            return exc.problems
    raise AssertionError("the file was accepted")


def parse(text: str | bytes, known_standards=known):
    with translation.override("en"):
        return parse_standard(text, known_standards=known_standards)
