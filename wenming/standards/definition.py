"""What an assessment standard (测评标准) says, as plain immutable data.

``parse.py`` turns the YAML of ``shared/spec/scoring.md`` §1 into a :class:`StandardDef`
(validating it); the scoring engine (``wenming/scoring/engine.py``) takes a StandardDef and the
facts of a period and returns results. Neither touches the database, so both are cheap to test.
All numbers are :class:`decimal.Decimal`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Subject(StrEnum):
    DEPARTMENT = "department"
    STAFF = "staff"


class Cycle(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


# Shorter first: a rollup's source must have a shorter cycle than the standard rolling it up.
CYCLE_ORDER = {Cycle.MONTH: 1, Cycle.QUARTER: 2, Cycle.YEAR: 3}


class Rule(StrEnum):
    DEDUCT = "deduct"
    SATISFACTION = "satisfaction"
    MANUAL = "manual"
    ROLLUP = "rollup"
    BONUS = "bonus"
    VETO = "veto"


@dataclass(frozen=True)
class Grade:
    name: str
    min: Decimal
    max_deducted: Decimal | None = None
    quota: Decimal | None = None  # a fraction: 0.15 = at most 15 % of the subjects in scope


@dataclass(frozen=True)
class Deduction:
    code: str
    name: str
    points: Decimal


@dataclass(frozen=True)
class Bonus:
    code: str
    name: str
    points: Decimal


@dataclass(frozen=True)
class Veto:
    code: str
    name: str


@dataclass(frozen=True)
class Item:
    """A node of the standard. A group has ``children`` and no ``rule``; a leaf has a ``rule``.
    ``bonus`` and ``veto`` items are top-level only and carry no ``points``."""

    code: str
    name: str
    points: Decimal | None = None
    rule: Rule | None = None
    children: tuple[Item, ...] = ()
    deductions: tuple[Deduction, ...] = ()
    bonuses: tuple[Bonus, ...] = ()
    vetoes: tuple[Veto, ...] = ()
    # satisfaction
    target: Decimal | None = None
    step: Decimal | None = None
    step_points: Decimal | None = None
    min_responses: int = 30
    satisfied_min: int = 4
    # rollup
    source: str | None = None

    @property
    def is_group(self) -> bool:
        return bool(self.children)

    @property
    def is_scored(self) -> bool:
        """Groups and every leaf except bonus and veto: what appears in a result's ``items``."""
        return self.rule not in (Rule.BONUS, Rule.VETO)


@dataclass(frozen=True)
class StandardDef:
    code: str
    name: str
    subject: Subject
    cycle: Cycle
    full_score: Decimal
    grades: tuple[Grade, ...]
    veto_grade: str
    items: tuple[Item, ...]
    bonus_cap: Decimal = Decimal(0)
    applies_to: tuple[str, ...] | None = None  # department categories; None = all
    _index: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def walk(self) -> Iterator[Item]:
        """Every item, depth first, parents before their children, in file order."""

        def visit(items: tuple[Item, ...]) -> Iterator[Item]:
            for item in items:
                yield item
                yield from visit(item.children)

        return visit(self.items)

    def scored_items(self) -> list[Item]:
        """Groups and scored leaves (not bonus/veto), in file order."""
        return [item for item in self.walk() if item.is_scored]

    def leaves(self, rule: Rule) -> list[Item]:
        return [item for item in self.walk() if item.rule == rule]

    @property
    def bonus_item(self) -> Item | None:
        return next((item for item in self.items if item.rule == Rule.BONUS), None)

    @property
    def veto_item(self) -> Item | None:
        return next((item for item in self.items if item.rule == Rule.VETO), None)

    def code_kind(self, code: str) -> tuple[str, Item] | None:
        """What a code names: ("deduction", its item) / ("bonus", item) / ("veto", item) /
        ("item", the item itself). None when the standard has no such code."""
        if not self._index:
            index: dict[str, tuple[str, Item]] = {}
            for item in self.walk():
                index[item.code] = ("item", item)
                for deduction in item.deductions:
                    index[deduction.code] = ("deduction", item)
                for bonus in item.bonuses:
                    index[bonus.code] = ("bonus", item)
                for veto in item.vetoes:
                    index[veto.code] = ("veto", item)
            self._index.update(index)
        return self._index.get(code)
