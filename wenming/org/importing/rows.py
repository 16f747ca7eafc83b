"""The rows of the two tables as the plan holds them (:class:`DepartmentItem`, :class:`StaffItem`,
each with the :class:`Change` of every field that would change), and the row-by-row checks: of the
departments table, of the department tree as it would be after the import, and of the staff table."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from wenming.core.tabular import Position, Problem, Table

from ..models import Department, Staff
from ..services import CODE_RE, PHONE_RE, STAFF_NO_RE
from .columns import (
    CATEGORY_CHOICES_TEXT,
    CATEGORY_WORDS,
    DEPARTMENT_COLUMNS,
    DEPARTMENT_NAME_MAX,
    PARTY_CHOICES_TEXT,
    PARTY_WORDS,
    PATH_MAX,
    STAFF_COLUMNS,
    STAFF_NAME_MAX,
    TEXT_MAX,
    _column_title,
    normalise_mobile,
)


@dataclass(frozen=True)
class Change:
    """One field that would change: the model field's name, the old and the new value."""

    field: str
    old: Any
    new: Any


@dataclass
class DepartmentItem:
    """A department row of the file (``position`` None: a department that only loses its head, who
    leaves). ``parent``/``category`` are None when the file has no such column (an existing
    department then keeps its own); ``parent`` "" means top level."""

    position: Position | None
    code: str
    name: str
    parent: str | None
    category: str | None
    existing: Department | None = None
    changes: list[Change] = field(default_factory=list)
    usable: bool = True  # False: its code is missing, bad or repeated (still checked otherwise)


@dataclass
class StaffItem:
    """A staff row of the file (or, with ``position`` None, a staff member to mark as left).
    Optional values are None when the file has no such column: existing staff keep theirs."""

    position: Position | None
    staff_no: str
    name: str
    department: str
    title: str | None = None
    post: str | None = None
    is_party_member: bool | None = None
    phone: str | None = None
    existing: Staff | None = None
    changes: list[Change] = field(default_factory=list)


# --- Checking the rows --------------------------------------------------------------------------


class _Notes:
    """Collects problems of one file: ``note(position, message)``."""

    def __init__(self, problems: list[Problem], file: str):
        self.problems, self.file = problems, file

    def __call__(self, position: Position | None, message: str) -> None:
        self.problems.append(Problem(message, position, self.file))


def _check_departments(table: Table, db_codes: set[str], problems: list[Problem]) -> list[DepartmentItem]:
    """Row-by-row checks of a departments table. Returns every row; ``usable`` marks those to import."""
    note = _Notes(problems, table.name)
    if not table.rows:
        note(table.header, _("the departments file has no rows below the header"))
    items: list[DepartmentItem] = []
    first_seen: dict[str, Position] = {}
    for row in table.rows:
        pos, code, name, word = row.position, row["code"], row["name"], row["category"]
        usable = False
        if not code:
            note(pos, _("the department code is empty"))
        elif not CODE_RE.match(code):
            message = _(
                "the department code “%(code)s” may only have up to 32 letters, digits, dots, hyphens or underscores"
            )
            note(pos, message % {"code": code})
        elif code in first_seen:
            message = _("the department code “%(code)s” appears more than once (first on %(where)s)")
            note(pos, message % {"code": code, "where": first_seen[code].label})
        else:
            usable = True
        if not name:
            note(pos, _("the department name is empty"))
        elif len(name) > DEPARTMENT_NAME_MAX:
            message = _("the department name “%(name)s” is longer than %(max)s characters")
            note(pos, message % {"name": name, "max": DEPARTMENT_NAME_MAX})
        category = CATEGORY_WORDS.get(unicodedata.normalize("NFKC", word).casefold())
        if not table.has("category"):
            if usable and code not in db_codes:  # fine for departments that exist: they keep theirs
                message = _("department “%(code)s” is new and needs a category: add the column %(column)s")
                note(pos, message % {"code": code, "column": _column_title("category", DEPARTMENT_COLUMNS)})
        elif not word:
            note(pos, _("the category is empty (use one of: %(choices)s)") % {"choices": CATEGORY_CHOICES_TEXT})
        elif category is None:
            message = _("the category “%(value)s” is not one of: %(choices)s")
            note(pos, message % {"value": word, "choices": CATEGORY_CHOICES_TEXT})
        if usable:
            first_seen[code] = pos
        parent = row["parent"] if table.has("parent") else None
        category = category if table.has("category") else None
        items.append(DepartmentItem(pos, code, name, parent, category, usable=usable))
    return items


def _check_tree(
    items: list[DepartmentItem], db_departments: dict[str, Department], code_by_id: dict[int, str], note: _Notes
) -> None:
    """On the tree as it would be after the import: every parent exists (in the file or the
    database), no department is below itself, and no chain of codes is too long for a path."""
    in_file = {item.code for item in items if item.code}
    parent_of = {code: code_by_id.get(d.parent_id) for code, d in db_departments.items()}
    for item in items:
        if item.parent and item.parent not in in_file and item.parent not in db_departments:
            message = _("the parent department “%(code)s” is neither in this file nor in the system")
            note(item.position, message % {"code": item.parent})
        elif item.parent and item.parent == item.code:
            note(item.position, _("department “%(code)s” cannot be its own parent") % {"code": item.code})
        elif item.usable and item.parent is not None:  # None: no parent column, it stays where it is
            parent_of[item.code] = item.parent or None
            continue
        if item.usable:
            parent_of.setdefault(item.code, None)
    items = [item for item in items if item.usable]
    for item in items:
        chain, current = [item.code], parent_of.get(item.code)
        while current is not None and current not in chain:
            chain.append(current)
            current = parent_of.get(current)
        if current == item.code:
            message = _("department “%(code)s” would be below itself (%(chain)s)")
            note(item.position, message % {"code": item.code, "chain": " → ".join([*chain, item.code])})
        elif current is None and sum(len(code) + 1 for code in chain) > PATH_MAX:
            message = _("department “%(code)s” is nested too deeply (the chain of codes above it is too long)")
            note(item.position, message % {"code": item.code})


def _check_staff(table: Table, known_codes: set[str], problems: list[Problem]) -> list[StaffItem]:
    """Row-by-row checks of a staff table; returns the rows to use (the first of each staff number)."""
    note = _Notes(problems, table.name)
    if not table.rows:
        note(table.header, _("the staff file has no rows below the header (an empty list would mark everyone as left)"))
    items: list[StaffItem] = []
    first_seen: dict[str, Position] = {}
    for row in table.rows:
        pos, staff_no, name, department = row.position, row["staff_no"], row["name"], row["department"]
        usable = False
        if not staff_no:
            note(pos, _("the staff number is empty"))
        elif not STAFF_NO_RE.match(staff_no):
            message = _(
                "the staff number “%(value)s” may only have up to 32 letters, digits, dots, hyphens or underscores"
            )
            note(pos, message % {"value": staff_no})
        elif staff_no in first_seen:
            message = _("the staff number “%(value)s” appears more than once (first on %(where)s)")
            note(pos, message % {"value": staff_no, "where": first_seen[staff_no].label})
        else:
            usable = True
        if not name:
            note(pos, _("the staff member's name is empty"))
        elif len(name) > STAFF_NAME_MAX:
            note(
                pos,
                _("the name “%(value)s” is longer than %(max)s characters") % {"value": name, "max": STAFF_NAME_MAX},
            )
        if not department:
            note(pos, _("the staff member's department code is empty"))
        elif department not in known_codes:
            message = _("the department “%(code)s” is neither in the departments file nor in the system")
            note(pos, message % {"code": department})
        item = StaffItem(pos, staff_no, name, department)
        for key in ("title", "post"):
            if table.has(key):
                setattr(item, key, row[key])
                if len(row[key]) > TEXT_MAX[key]:
                    message = _("the %(column)s “%(value)s” is longer than %(max)s characters")
                    note(
                        pos,
                        message
                        % {"column": _column_title(key, STAFF_COLUMNS), "value": row[key], "max": TEXT_MAX[key]},
                    )
        if table.has("party_member"):
            item.is_party_member = PARTY_WORDS.get(unicodedata.normalize("NFKC", row["party_member"]).casefold())
            if item.is_party_member is None:
                message = _("the party member value “%(value)s” is not one of: %(choices)s")
                note(pos, message % {"value": row["party_member"], "choices": PARTY_CHOICES_TEXT})
        if table.has("phone"):
            item.phone = normalise_mobile(row["phone"])
            if item.phone and not PHONE_RE.match(item.phone):
                message = _("the mobile number “%(value)s” is not an 11-digit mainland mobile number")
                note(pos, message % {"value": row["phone"]})
        if usable:
            first_seen[staff_no] = pos
            items.append(item)
    return items
