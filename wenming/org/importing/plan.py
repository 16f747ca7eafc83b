"""What an import would do, and working it out (nothing is written here).

:func:`org_import_plan` checks the tables against each other and the database and returns an
:class:`ImportPlan`: every problem found (with its line), or else exactly what would change.
:func:`org_import_plan_files` reads the files first (:func:`org_import_read`). The plan also gives
the counts, the one-line summary and the preview kept for the confirmation page."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.tabular import Problem, Table, TableError, read_table

from ..models import Department, PartyOrganization, Staff, StaffStatus, mask_phone
from .columns import DEPARTMENT_COLUMNS, STAFF_COLUMNS
from .rows import Change, DepartmentItem, StaffItem, _check_departments, _check_staff, _check_tree, _Notes

#: How many rows of each kind a stored preview keeps (the counts are always complete).
PREVIEW_LIMIT = 500


Source = str | os.PathLike | bytes | IO[bytes]


# --- The plan ----------------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What an import would do. ``problems`` lists every problem found; the change lists are only
    filled when there is none. ``department_names`` maps every known code to its (new) name."""

    departments_file: str = ""
    staff_file: str = ""
    departments_given: bool = False
    staff_given: bool = False
    problems: list[Problem] = field(default_factory=list)
    departments_create: list[DepartmentItem] = field(default_factory=list)
    departments_update: list[DepartmentItem] = field(default_factory=list)
    departments_unchanged: int = 0
    staff_create: list[StaffItem] = field(default_factory=list)
    staff_update: list[StaffItem] = field(default_factory=list)
    staff_leave: list[StaffItem] = field(default_factory=list)
    staff_unchanged: int = 0
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    department_names: dict[str, str] = field(default_factory=dict)
    unchanged_departments: set[str] = field(default_factory=set, repr=False)
    today: date = field(default_factory=timezone.localdate)

    @property
    def is_valid(self) -> bool:
        return not self.problems

    @property
    def change_count(self) -> int:
        return sum(
            map(len, (self.departments_create, self.departments_update, self.staff_create, self.staff_update))
        ) + len(self.staff_leave)

    @property
    def has_changes(self) -> bool:
        return self.change_count > 0

    def counts(self) -> dict[str, int]:
        return {
            "departments_created": len(self.departments_create),
            "departments_updated": len(self.departments_update),
            "departments_unchanged": self.departments_unchanged,
            "staff_created": len(self.staff_create),
            "staff_updated": len(self.staff_update),
            "staff_left": len(self.staff_leave),
            "staff_unchanged": self.staff_unchanged,
        }

    def summary_text(self) -> str:
        """The one-line summary, in the active language."""
        return summary_text(self.counts(), departments=self.departments_given, staff=self.staff_given)

    def summary(self) -> dict[str, Any]:
        """Counts, the summary line and the file names, JSON-safe (for ``OrgImport.summary``)."""
        return {
            **self.counts(),
            "departments_given": self.departments_given,
            "staff_given": self.staff_given,
            "files": {"departments": self.departments_file, "staff": self.staff_file},
            "text": self.summary_text(),
        }

    def describe(self) -> list[str]:
        """One line per change, in the active language (what ``import_org --dry-run`` prints)."""
        lines = [_("new department %(code)s %(name)s") % vars(i) for i in self.departments_create]
        lines += [
            _("change department %(code)s %(name)s: %(changes)s") % {**vars(i), "changes": _changes_text(i.changes)}
            for i in self.departments_update
        ]
        lines += [_("new staff member %(staff_no)s %(name)s in %(department)s") % vars(i) for i in self.staff_create]
        lines += [
            _("change staff member %(staff_no)s %(name)s: %(changes)s")
            % {**vars(i), "changes": _changes_text(i.changes)}
            for i in self.staff_update
        ]
        lines += [_("mark staff member %(staff_no)s %(name)s as left") % vars(i) for i in self.staff_leave]
        return lines

    def preview(self, *, limit: int = PREVIEW_LIMIT) -> dict[str, Any]:
        """A JSON-safe picture of the changes for the confirmation page: complete counts and up to
        ``limit`` rows of each kind. Phones are masked; departments are codes (names in ``names``)."""

        def changed(item) -> dict:
            return {
                "key": getattr(item, "code", None) or item.staff_no,
                "name": item.name,
                "changes": [[c.field, _json_value(c.field, c.old), _json_value(c.field, c.new)] for c in item.changes],
            }

        shown = {
            "departments_create": self.departments_create[:limit],
            "departments_update": self.departments_update[:limit],
            "staff_create": self.staff_create[:limit],
            "staff_update": self.staff_update[:limit],
            "staff_leave": self.staff_leave[:limit],
        }
        codes = {i.parent for i in shown["departments_create"]} | {i.department for i in shown["staff_create"]}
        codes |= {i.department for i in shown["staff_leave"]}
        for item in shown["departments_update"] + shown["staff_update"]:
            codes |= {str(v or "") for c in item.changes if c.field in {"parent", "department"} for v in (c.old, c.new)}
        return {
            "counts": self.counts(),
            "departments_given": self.departments_given,
            "staff_given": self.staff_given,
            "files": {"departments": self.departments_file, "staff": self.staff_file},
            "ignored_columns": self.ignored_columns,
            "limit": limit,
            "names": {code: self.department_names[code] for code in codes if code in self.department_names},
            "departments_create": [
                {"code": i.code, "name": i.name, "parent": i.parent or "", "category": i.category}
                for i in shown["departments_create"]
            ],
            "departments_update": [changed(i) for i in shown["departments_update"]],
            "staff_create": [
                {
                    "staff_no": i.staff_no,
                    "name": i.name,
                    "department": i.department,
                    "title": i.title or "",
                    "post": i.post or "",
                    "is_party_member": bool(i.is_party_member),
                    "phone": mask_phone(i.phone or ""),
                }
                for i in shown["staff_create"]
            ],
            "staff_update": [changed(i) for i in shown["staff_update"]],
            "staff_leave": [
                {"staff_no": i.staff_no, "name": i.name, "department": i.department} for i in shown["staff_leave"]
            ],
        }


def summary_text(counts: dict[str, int], *, departments: bool = True, staff: bool = True) -> str:
    """The one-line summary ("Departments: 3 created, 1 updated, 5 unchanged; staff: …") in the
    active language; only the tables that were given are mentioned."""
    if departments and staff:
        text = _(
            "Departments: %(departments_created)s created, %(departments_updated)s updated, "
            "%(departments_unchanged)s unchanged; staff: %(staff_created)s created, %(staff_updated)s updated, "
            "%(staff_left)s marked as left, %(staff_unchanged)s unchanged"
        )
    elif departments:
        text = _(
            "Departments: %(departments_created)s created, %(departments_updated)s updated, "
            "%(departments_unchanged)s unchanged"
        )
    else:
        text = _(
            "Staff: %(staff_created)s created, %(staff_updated)s updated, %(staff_left)s marked as left, "
            "%(staff_unchanged)s unchanged"
        )
    return text % counts


def _json_value(field_name: str, value: Any) -> Any:
    if field_name == "phone":
        return mask_phone(value or "")
    return value.isoformat() if isinstance(value, date) else value


def _changes_text(changes: Iterable[Change]) -> str:
    def plain(c: Change, value: Any) -> str:
        value = _json_value(c.field, value)
        return "—" if value in (None, "") else str(value)

    return "; ".join(f"{c.field} {plain(c, c.old)} → {plain(c, c.new)}" for c in changes)


class OrgImportError(Exception):
    """The import cannot be applied; ``problems`` says why. Nothing has been written."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


# --- Reading and checking -----------------------------------------------------------------------


def _source_name(source: Source | None) -> str:
    if source is None or isinstance(source, bytes):
        return ""
    if isinstance(source, (str, os.PathLike)):
        return Path(str(source)).name
    return Path(getattr(source, "name", "") or "").name


def org_import_read(
    *, departments: Source | None, staff: Source | None, departments_name: str = "", staff_name: str = ""
) -> tuple[Table | None, Table | None, list[Problem]]:
    """Read the two files (either may be None): the tables that could be read, and every problem
    of those that could not (no such file, an unknown encoding, a missing column …)."""
    tables: list[Table | None] = []
    problems: list[Problem] = []
    for source, name, columns in (
        (departments, departments_name, DEPARTMENT_COLUMNS),
        (staff, staff_name, STAFF_COLUMNS),
    ):
        table = None
        display = name or _source_name(source)
        try:
            if source is not None:
                table = read_table(source, columns=columns, name=display)
        except TableError as exc:
            problems.extend(exc.problems)
        except FileNotFoundError:
            problems.append(Problem(_("The file does not exist."), file=str(source)))
        except OSError as exc:
            problems.append(
                Problem(_("The file cannot be opened: %(error)s") % {"error": exc.strerror}, file=str(source))
            )
        tables.append(table)
    return tables[0], tables[1], problems


def org_import_plan_files(
    *, departments: Source | None, staff: Source | None, departments_name: str = "", staff_name: str = ""
) -> ImportPlan:
    """Read the files and plan the import (see :func:`org_import_plan`). When a file cannot be read
    as a table, the plan carries those problems, plus the row problems of a departments file that
    could be read (staff rows are checked against the departments, so only once both can be read)."""
    dept_table, staff_table, problems = org_import_read(
        departments=departments, staff=staff, departments_name=departments_name, staff_name=staff_name
    )
    if problems and dept_table is not None:
        problems += org_import_plan(departments=dept_table, staff=None).problems
    if problems:
        return ImportPlan(
            departments_given=departments is not None,
            staff_given=staff is not None,
            departments_file=departments_name or _source_name(departments),
            staff_file=staff_name or _source_name(staff),
            problems=problems,
        )
    return org_import_plan(departments=dept_table, staff=staff_table)


def org_import_plan(*, departments: Table | None, staff: Table | None, today: date | None = None) -> ImportPlan:
    """Check both tables against each other and the database, and work out every change.

    Promises: every problem of every row is collected (not just the first); nothing is written;
    the database is read in a few queries whatever the size of the files. A staff table means
    "these are all our staff": active staff missing from it are planned to be marked as left."""
    if departments is None and staff is None:
        raise ValueError("org_import_plan needs at least one table")
    plan = ImportPlan(
        departments_given=departments is not None,
        staff_given=staff is not None,
        departments_file=departments.name if departments else "",
        staff_file=staff.name if staff else "",
        today=today or timezone.localdate(),
    )
    for table, key in ((departments, "departments"), (staff, "staff")):
        if table is not None and table.ignored_columns:
            plan.ignored_columns[key] = list(table.ignored_columns)

    db_departments = {d.code: d for d in Department.objects.all()}
    code_by_id = {d.pk: d.code for d in db_departments.values()}
    items: list[DepartmentItem] = []
    if departments is not None:
        items = _check_departments(departments, set(db_departments), plan.problems)
        _check_tree(items, db_departments, code_by_id, _Notes(plan.problems, departments.name))
        items = [item for item in items if item.usable]
    plan.department_names = {code: d.name for code, d in db_departments.items()}
    plan.department_names.update({item.code: item.name for item in items if item.name})
    people: list[StaffItem] = []
    if staff is not None:
        people = _check_staff(staff, set(db_departments) | {item.code for item in items}, plan.problems)
    if not plan.problems:
        inactive = {code for code, d in db_departments.items() if not d.is_active}
        _plan_departments(plan, items, db_departments, code_by_id, inactive)
        if staff is not None:
            _plan_staff(plan, people, code_by_id, inactive)
            _plan_heads_leaving(plan, db_departments)
    if plan.problems:  # in file order (the departments file first, then by line), and no changes
        order = {name: index for index, name in enumerate((plan.departments_file, plan.staff_file))}
        plan.problems.sort(key=lambda p: (order.get(p.file, 2), p.position.line if p.position else 0))
        plan.departments_create, plan.departments_update, plan.departments_unchanged = [], [], 0
        plan.staff_create, plan.staff_update, plan.staff_leave, plan.staff_unchanged = [], [], [], 0
    return plan


# --- Working out the changes --------------------------------------------------------------------


def _plan_departments(
    plan: ImportPlan,
    items: list[DepartmentItem],
    db_departments: dict[str, Department],
    code_by_id: dict[int, str],
    inactive: set[str],
) -> None:
    note = _Notes(plan.problems, plan.departments_file)
    for item in items:
        item.existing = existing = db_departments.get(item.code)
        wanted = [("name", existing.name if existing else None, item.name)]
        if item.parent is not None:
            wanted.append(("parent", code_by_id.get(existing.parent_id, "") if existing else "", item.parent))
        if item.category is not None:
            wanted.append(("category", existing.category if existing else None, item.category))
        item.changes = [Change(name, old, new) for name, old, new in wanted if old != new]
        moves_under = next((c.new for c in item.changes if c.field == "parent"), "")
        if moves_under in inactive and (existing is None or existing.is_active):
            message = _("department “%(code)s” cannot be placed under “%(parent)s”, which is no longer active")
            note(item.position, message % {"code": item.code, "parent": moves_under})
        if existing is None:
            plan.departments_create.append(item)
        elif item.changes:
            plan.departments_update.append(item)
        else:
            plan.departments_unchanged += 1
            plan.unchanged_departments.add(item.code)


def _plan_staff(plan: ImportPlan, items: list[StaffItem], code_by_id: dict[int, str], inactive: set[str]) -> None:
    note = _Notes(plan.problems, plan.staff_file)
    db_staff = {s.staff_no: s for s in Staff.objects.all()}
    branches = dict(PartyOrganization.objects.values_list("pk", "name"))
    for item in items:
        item.existing = existing = db_staff.pop(item.staff_no, None)
        if existing is None:
            if item.department in inactive:
                note(item.position, _("the department “%(code)s” is no longer active") % {"code": item.department})
            plan.staff_create.append(item)
            continue
        old_department = code_by_id[existing.department_id]
        wanted = [("name", existing.name, item.name), ("department", old_department, item.department)]
        for key in ("title", "post", "is_party_member", "phone"):  # None: the file has no such column
            if getattr(item, key) is not None:
                wanted.append((key, getattr(existing, key), getattr(item, key)))
        back = existing.status != StaffStatus.ACTIVE  # left, and in the list again
        if back:
            wanted += [("status", existing.status, StaffStatus.ACTIVE.value), ("left_on", existing.left_on, None)]
        item.changes = [Change(name, old, new) for name, old, new in wanted if old != new]
        if item.department in inactive and (back or item.department != old_department):
            note(item.position, _("the department “%(code)s” is no longer active") % {"code": item.department})
        if item.is_party_member is False and existing.party_branch_id:  # as services.staff_update refuses
            message = _(
                "%(name)s belongs to the party branch “%(branch)s”, so cannot be marked as not a party member; "
                "take them out of the branch first"
            )
            note(item.position, message % {"name": existing.name, "branch": branches.get(existing.party_branch_id)})
        if item.changes:
            plan.staff_update.append(item)
        else:
            plan.staff_unchanged += 1
    # Everyone still in db_staff is missing from the file: those in post leave. As when one person is
    # marked as left (services.staff_mark_left), their login account is disabled.
    active_accounts = set(
        get_user_model().objects.filter(is_active=True, staff__isnull=False).values_list("pk", flat=True)
    )
    for staff_no, existing in sorted(db_staff.items()):
        if existing.status != StaffStatus.ACTIVE:
            continue
        changes = [
            Change("status", existing.status, StaffStatus.LEFT.value),
            Change("left_on", existing.left_on, plan.today),
        ]
        if existing.user_id in active_accounts:
            changes.append(Change("account_active", True, False))
        department = code_by_id[existing.department_id]
        plan.staff_leave.append(
            StaffItem(None, staff_no, existing.name, department, existing=existing, changes=changes)
        )


def _plan_heads_leaving(plan: ImportPlan, db_departments: dict[str, Department]) -> None:
    """A department whose head is leaving gets no head (as with services.staff_mark_left)."""
    leaving = {item.existing.pk: item for item in plan.staff_leave}
    updates = {item.code: item for item in plan.departments_update}
    for code, department in sorted(db_departments.items()):
        head = leaving.get(department.head_id)
        if head is None:
            continue
        change = Change("head", str(head.existing), None)
        if code in updates:
            updates[code].changes.append(change)
            continue
        if code in plan.unchanged_departments:  # in the file, unchanged there: now it changes
            plan.unchanged_departments.discard(code)
            plan.departments_unchanged -= 1
        item = DepartmentItem(None, code, department.name, None, None, existing=department, changes=[change])
        plan.departments_update.append(item)
