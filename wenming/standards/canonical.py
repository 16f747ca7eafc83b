"""The canonical form of a standard: what a stored version holds and what decides "changed or not".

:func:`to_canonical` turns a :class:`StandardDef` into plain JSON data; :func:`from_canonical` turns
that back into the same StandardDef. Only meaning survives: the YAML's comments, key order, quoting,
flow or block style, and the way a number is written (``10``, ``10.0``, ``1e1``) make no difference.
Order that means something stays: items, children, deductions, bonuses, vetoes and grades keep the
file's order (``applies_to`` is sorted by the parser, so its order never counts).

Numbers are strings in their shortest exact form (``"0.5"``, ``"100"``), never floats. Fields at
their default are left out, so the form stays small and a new field with a default never changes
the hash of a version stored before it existed.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from .definition import Bonus, Cycle, Deduction, Grade, Item, Rule, StandardDef, Subject, Veto

_ITEM_DEFAULTS = Item(code="", name="")


def number_text(value: Decimal) -> str:
    """The shortest exact text of a decimal: ``Decimal("10.00")`` → ``"10"``, ``1E+1`` → ``"10"``."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def to_canonical(defn: StandardDef) -> dict[str, Any]:
    """The standard as JSON-safe data (Decimals as strings), normalised: see the module docstring."""
    data: dict[str, Any] = {
        "code": defn.code,
        "name": defn.name,
        "subject": Subject(defn.subject).value,
        "cycle": Cycle(defn.cycle).value,
        "full_score": number_text(defn.full_score),
        "grades": [_grade(grade) for grade in defn.grades],
        "veto_grade": defn.veto_grade,
        "items": [_item(item) for item in defn.items],
    }
    if defn.bonus_cap != 0:
        data["bonus_cap"] = number_text(defn.bonus_cap)
    if defn.applies_to is not None:
        data["applies_to"] = list(defn.applies_to)
    return data


def _grade(grade: Grade) -> dict[str, Any]:
    data: dict[str, Any] = {"name": grade.name, "min": number_text(grade.min)}
    if grade.max_deducted is not None:
        data["max_deducted"] = number_text(grade.max_deducted)
    if grade.quota is not None:
        data["quota"] = number_text(grade.quota)
    return data


def _item(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {"code": item.code, "name": item.name}
    if item.points is not None:
        data["points"] = number_text(item.points)
    if item.rule is not None:
        data["rule"] = Rule(item.rule).value
    if item.children:
        data["children"] = [_item(child) for child in item.children]
    if item.deductions:
        data["deductions"] = [
            {"code": d.code, "name": d.name, "points": number_text(d.points)} for d in item.deductions
        ]
    if item.bonuses:
        data["bonuses"] = [{"code": b.code, "name": b.name, "points": number_text(b.points)} for b in item.bonuses]
    if item.vetoes:
        data["vetoes"] = [{"code": v.code, "name": v.name} for v in item.vetoes]
    for name in ("target", "step", "step_points"):
        value = getattr(item, name)
        if value is not None:
            data[name] = number_text(value)
    for name in ("min_responses", "satisfied_min"):
        value = getattr(item, name)
        if value != getattr(_ITEM_DEFAULTS, name):
            data[name] = value
    if item.source is not None:
        data["source"] = item.source
    return data


def from_canonical(data: dict[str, Any]) -> StandardDef:
    """The StandardDef a canonical form describes (the inverse of :func:`to_canonical`).

    Meant for data this module wrote; it is not a validator (use ``parse.parse_standard`` for files)."""
    applies_to = data.get("applies_to")
    return StandardDef(
        code=data["code"],
        name=data["name"],
        subject=Subject(data["subject"]),
        cycle=Cycle(data["cycle"]),
        full_score=Decimal(data["full_score"]),
        grades=tuple(
            Grade(
                name=g["name"],
                min=Decimal(g["min"]),
                max_deducted=_decimal(g.get("max_deducted")),
                quota=_decimal(g.get("quota")),
            )
            for g in data["grades"]
        ),
        veto_grade=data["veto_grade"],
        items=tuple(_item_from(item) for item in data["items"]),
        bonus_cap=Decimal(data.get("bonus_cap", "0")),
        applies_to=tuple(applies_to) if applies_to is not None else None,
    )


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def _item_from(data: dict[str, Any]) -> Item:
    return Item(
        code=data["code"],
        name=data["name"],
        points=_decimal(data.get("points")),
        rule=Rule(data["rule"]) if data.get("rule") is not None else None,
        children=tuple(_item_from(child) for child in data.get("children", ())),
        deductions=tuple(
            Deduction(code=d["code"], name=d["name"], points=Decimal(d["points"])) for d in data.get("deductions", ())
        ),
        bonuses=tuple(
            Bonus(code=b["code"], name=b["name"], points=Decimal(b["points"])) for b in data.get("bonuses", ())
        ),
        vetoes=tuple(Veto(code=v["code"], name=v["name"]) for v in data.get("vetoes", ())),
        target=_decimal(data.get("target")),
        step=_decimal(data.get("step")),
        step_points=_decimal(data.get("step_points")),
        min_responses=data.get("min_responses", _ITEM_DEFAULTS.min_responses),
        satisfied_min=data.get("satisfied_min", _ITEM_DEFAULTS.satisfied_min),
        source=data.get("source"),
    )


def canonical_json(data: dict[str, Any]) -> str:
    """The one text of a canonical form: sorted keys, no spaces, UTF-8 characters as they are."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(data: dict[str, Any]) -> str:
    """sha256 (hex) of :func:`canonical_json`: equal exactly when the content is equal."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()
