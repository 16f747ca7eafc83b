"""What changed between two versions of a standard, as lines a reviewer reads before confirming.

:func:`standard_diff` compares two :class:`StandardDef` (the old one may be None: a new standard)
and returns :class:`Change` lines in the active language: items added, removed, moved or changed
(name, points, rule, satisfaction parameters, rollup source), deductions/bonuses/vetoes added,
removed, moved or changed, grades, and the top-level fields. Items and entries are matched by code,
grades by name. Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .canonical import number_text, to_canonical
from .definition import Grade, Item, Rule, StandardDef
from .labels import field_label, rule_word


@dataclass(frozen=True)
class Change:
    """One line of a diff. ``kind`` is "added", "removed", "changed" or "moved"; ``code`` names what
    changed (an item or entry code, a grade name, or a top-level field); ``text`` is the line."""

    kind: str
    code: str
    text: str

    def __str__(self) -> str:
        return self.text


def _show(value: Any) -> str:
    """A value as a diff line shows it."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) if value else "—"
    if isinstance(value, Rule):
        return rule_word(value)
    if hasattr(value, "value"):  # an enum
        return str(value.value)
    return str(value)


def _name(value: str) -> str:
    return f"“{value}”"


def _item_summary(item: Item) -> str:
    if item.is_group:
        return ngettext(
            "a group of %(count)s item, points %(points)s",
            "a group of %(count)s items, points %(points)s",
            len(item.children),
        ) % {"count": len(item.children), "points": _show(item.points)}
    if item.points is None:
        return _("rule %(rule)s") % {"rule": _show(item.rule)}
    return _("rule %(rule)s, points %(points)s") % {"rule": _show(item.rule), "points": _show(item.points)}


_ITEM_FIELDS = ("name", "points", "rule", "target", "step", "step_points", "min_responses", "satisfied_min", "source")
_TOP_FIELDS = ("name", "subject", "cycle", "applies_to", "full_score", "bonus_cap", "veto_grade")


def standard_diff(old: StandardDef | None, new: StandardDef) -> list[Change]:
    """The changes from ``old`` to ``new``, in the order of the new file (removals where they were).
    Empty exactly when both have the same canonical form."""
    if old is None:
        return _new_standard(new)
    changes: list[Change] = []
    for name in _TOP_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            if name in ("name", "veto_grade"):
                before, after = _name(before), _name(after)
            text = _("%(field)s: %(old)s → %(new)s") % {
                "field": field_label(name),
                "old": _show(before),
                "new": _show(after),
            }
            changes.append(Change("changed", name, text))
    changes += _grades(old.grades, new.grades)
    changes += _items(old, new)
    changes += _entries(old, new)
    if not changes and to_canonical(old) != to_canonical(new):
        changes.append(Change("changed", "", _("the order of the items or their entries changed")))
    return changes


def _new_standard(new: StandardDef) -> list[Change]:
    items = list(new.walk())
    changes = [
        Change(
            "added",
            new.code,
            ngettext(
                "new standard %(code)s %(name)s: %(count)s item, full score %(full_score)s",
                "new standard %(code)s %(name)s: %(count)s items, full score %(full_score)s",
                len(items),
            )
            % {"code": new.code, "name": _name(new.name), "count": len(items), "full_score": _show(new.full_score)},
        )
    ]
    for item in items:
        text = _("item %(code)s %(name)s: %(summary)s") % {
            "code": item.code,
            "name": _name(item.name),
            "summary": _item_summary(item),
        }
        changes.append(Change("added", item.code, text))
    return changes


def _grades(old: tuple[Grade, ...], new: tuple[Grade, ...]) -> list[Change]:
    changes = []
    before = {grade.name: grade for grade in old}
    after = {grade.name: grade for grade in new}
    for grade in new:
        if grade.name not in before:
            text = _("grade %(name)s added (min %(min)s)") % {"name": grade.name, "min": _show(grade.min)}
            changes.append(Change("added", grade.name, text))
            continue
        previous = before[grade.name]
        for name in ("min", "max_deducted", "quota"):
            if getattr(previous, name) != getattr(grade, name):
                text = _("grade %(name)s: %(field)s %(old)s → %(new)s") % {
                    "name": grade.name,
                    "field": field_label(name),
                    "old": _show(getattr(previous, name)),
                    "new": _show(getattr(grade, name)),
                }
                changes.append(Change("changed", grade.name, text))
    for grade in old:
        if grade.name not in after:
            changes.append(Change("removed", grade.name, _("grade %(name)s removed") % {"name": grade.name}))
    return changes


def _parents(defn: StandardDef) -> dict[str, str | None]:
    """Each item's code → its parent's code (None at the top level)."""
    parents: dict[str, str | None] = {item.code: None for item in defn.items}
    for item in defn.walk():
        for child in item.children:
            parents[child.code] = item.code
    return parents


def _where(parent: str | None) -> str:
    return _("the top level") if parent is None else _("group %(code)s") % {"code": parent}


def _items(old: StandardDef, new: StandardDef) -> list[Change]:
    changes = []
    before = {item.code: item for item in old.walk()}
    after = {item.code: item for item in new.walk()}
    old_parents, new_parents = _parents(old), _parents(new)
    for item in new.walk():
        previous = before.get(item.code)
        if previous is None:
            text = _("item %(code)s %(name)s added: %(summary)s") % {
                "code": item.code,
                "name": _name(item.name),
                "summary": _item_summary(item),
            }
            changes.append(Change("added", item.code, text))
            continue
        if old_parents[item.code] != new_parents[item.code]:
            text = _("item %(code)s moved from %(old)s to %(new)s") % {
                "code": item.code,
                "old": _where(old_parents[item.code]),
                "new": _where(new_parents[item.code]),
            }
            changes.append(Change("moved", item.code, text))
        for name in _ITEM_FIELDS:
            was, now = getattr(previous, name), getattr(item, name)
            if was != now:
                if name == "name":
                    was, now = _name(was), _name(now)
                text = _("item %(code)s: %(field)s %(old)s → %(new)s") % {
                    "code": item.code,
                    "field": field_label(name),
                    "old": _show(was),
                    "new": _show(now),
                }
                changes.append(Change("changed", item.code, text))
        if previous.is_group != item.is_group:
            text = (_("item %(code)s is now a group") if item.is_group else _("item %(code)s is no longer a group")) % {
                "code": item.code
            }
            changes.append(Change("changed", item.code, text))
    for item in old.walk():
        if item.code not in after:
            text = _("item %(code)s %(name)s removed") % {"code": item.code, "name": _name(item.name)}
            changes.append(Change("removed", item.code, text))
    return changes


def _entry_map(defn: StandardDef) -> dict[str, tuple[str, str, Any]]:
    """Every deduction, bonus and veto: code → (kind, item code, entry)."""
    found = {}
    for item in defn.walk():
        for kind, entries in (("deduction", item.deductions), ("bonus", item.bonuses), ("veto", item.vetoes)):
            for entry in entries:
                found[entry.code] = (kind, item.code, entry)
    return found


def _entry_added(kind: str, item: str, entry: Any) -> str:
    values = {
        "item": item,
        "code": entry.code,
        "name": _name(entry.name),
        "points": _show(getattr(entry, "points", None)),
    }
    if kind == "deduction":
        return _("item %(item)s: deduction %(code)s %(name)s added (points %(points)s)") % values
    if kind == "bonus":
        return _("item %(item)s: bonus %(code)s %(name)s added (points %(points)s)") % values
    return _("item %(item)s: veto %(code)s %(name)s added") % values


def _entry_removed(kind: str, item: str, entry: Any) -> str:
    values = {"item": item, "code": entry.code, "name": _name(entry.name)}
    if kind == "deduction":
        return _("item %(item)s: deduction %(code)s %(name)s removed") % values
    if kind == "bonus":
        return _("item %(item)s: bonus %(code)s %(name)s removed") % values
    return _("item %(item)s: veto %(code)s %(name)s removed") % values


def _entry_changed(kind: str, code: str, field: str, old: Any, new: Any) -> str:
    values = {"code": code, "field": field_label(field), "old": old, "new": new}
    if kind == "deduction":
        return _("deduction %(code)s: %(field)s %(old)s → %(new)s") % values
    if kind == "bonus":
        return _("bonus %(code)s: %(field)s %(old)s → %(new)s") % values
    return _("veto %(code)s: %(field)s %(old)s → %(new)s") % values


def _entries(old: StandardDef, new: StandardDef) -> list[Change]:
    changes = []
    before, after = _entry_map(old), _entry_map(new)
    for code, (kind, item, entry) in after.items():
        if code not in before:
            changes.append(Change("added", code, _entry_added(kind, item, entry)))
            continue
        was_kind, was_item, was = before[code]
        if was_kind != kind:  # the code now names another kind of entry: gone as one, new as the other
            changes.append(Change("removed", code, _entry_removed(was_kind, was_item, was)))
            changes.append(Change("added", code, _entry_added(kind, item, entry)))
            continue
        if was_item != item:
            values = {"code": code, "old": was_item, "new": item}
            if kind == "deduction":
                text = _("deduction %(code)s moved from item %(old)s to item %(new)s") % values
            elif kind == "bonus":
                text = _("bonus %(code)s moved from item %(old)s to item %(new)s") % values
            else:
                text = _("veto %(code)s moved from item %(old)s to item %(new)s") % values
            changes.append(Change("moved", code, text))
        if was.name != entry.name:
            changes.append(
                Change("changed", code, _entry_changed(kind, code, "name", _name(was.name), _name(entry.name)))
            )
        if getattr(was, "points", None) != getattr(entry, "points", None):
            changes.append(
                Change("changed", code, _entry_changed(kind, code, "points", _show(was.points), _show(entry.points)))
            )
    for code, (kind, item, entry) in before.items():
        if code not in after:
            changes.append(Change("removed", code, _entry_removed(kind, item, entry)))
    return changes
