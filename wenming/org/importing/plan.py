"""Importing the organisation (departments and staff) from the hospital's own files.

Two steps, so nothing is written until everything has been checked:

- :func:`org_import_plan` checks every row of the tables against each other and the database and
  returns an :class:`ImportPlan`: every problem found (with its line), or else exactly what would
  change (departments and staff to create, update or leave alone, and staff to mark as left).
- :func:`org_import_apply` writes a valid plan in one transaction, in bulk, with audit entries.

The command ``import_org``, the web upload (:func:`org_import_upload` → :func:`org_import_confirm`)
and the Celery task (:func:`org_import_run`) all go through these two. The file format is
"Organisation: import_org" in shared/spec/interchange.md.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wenming.core.audit import audit_entry, audit_log, audit_log_many
from wenming.core.audit import changes as changed_fields
from wenming.core.tabular import Column, Position, Problem, Table, TableError, read_table

from .models import (
    Department,
    DepartmentCategory,
    OrgImport,
    OrgImportStatus,
    PartyOrganization,
    Staff,
    StaffStatus,
    mask_phone,
)
from .services import CODE_RE, STAFF_NO_RE, department_refresh_paths, name_index

logger = logging.getLogger(__name__)

# --- The file format --------------------------------------------------------------------------

#: Columns of the departments table; the first Chinese and English headers are the spec's.
DEPARTMENT_COLUMNS: tuple[Column, ...] = (
    Column("code", ("code", "科室编码", "department_code", "科室代码"), required=True),
    Column("name", ("name", "科室名称", "department_name"), required=True),
    Column("parent", ("parent", "上级编码", "parent_code", "上级科室编码")),
    Column("category", ("category", "类别", "科室类别")),
)
#: Columns of the staff table.
STAFF_COLUMNS: tuple[Column, ...] = (
    Column("staff_no", ("staff_no", "工号", "staff_number"), required=True),
    Column("name", ("name", "姓名"), required=True),
    Column("department", ("department", "科室编码", "department_code"), required=True),
    Column("title", ("title", "职称")),
    Column("post", ("post", "岗位")),
    Column("party_member", ("party_member", "党员", "是否党员")),
    Column("phone", ("phone", "手机", "手机号", "手机号码", "mobile")),
)
#: The category words a file may use (the English code or the Chinese word).
CATEGORY_WORDS: dict[str, str] = {
    "clinical": DepartmentCategory.CLINICAL,
    "临床": DepartmentCategory.CLINICAL,
    "medtech": DepartmentCategory.MEDTECH,
    "医技": DepartmentCategory.MEDTECH,
    "nursing": DepartmentCategory.NURSING,
    "护理": DepartmentCategory.NURSING,
    "admin": DepartmentCategory.ADMIN,
    "行政后勤": DepartmentCategory.ADMIN,
}
CATEGORY_CHOICES_TEXT = "clinical/临床, medtech/医技, nursing/护理, admin/行政后勤"
PARTY_WORDS: dict[str, bool] = {
    **dict.fromkeys(("是", "yes", "1", "true"), True),
    **dict.fromkeys(("", "否", "no", "0", "false"), False),
}
PARTY_CHOICES_TEXT = "是/否, yes/no, 1/0, true/false"
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")

DEPARTMENT_NAME_MAX = Department._meta.get_field("name").max_length
PATH_MAX = Department._meta.get_field("path").max_length
STAFF_NAME_MAX = Staff._meta.get_field("name").max_length
TEXT_MAX = {key: Staff._meta.get_field(key).max_length for key in ("title", "post")}

#: How many rows of each kind a stored preview keeps (the counts are always complete).
PREVIEW_LIMIT = 500
BATCH = 1000

Progress = Callable[[int, int], None]
Source = str | os.PathLike | bytes | IO[bytes]


# --- The plan ----------------------------------------------------------------------------------


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


class _Notes:
    """Collects problems of one file: ``note(position, message)``."""

    def __init__(self, problems: list[Problem], file: str):
        self.problems, self.file = problems, file

    def __call__(self, position: Position | None, message: str) -> None:
        self.problems.append(Problem(message, position, self.file))


def _column_title(key: str, columns: Sequence[Column]) -> str:
    return next(c for c in columns if c.key == key).title


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
            if item.phone and not MOBILE_RE.match(item.phone):
                message = _("the mobile number “%(value)s” is not an 11-digit mainland mobile number")
                note(pos, message % {"value": row["phone"]})
        if usable:
            first_seen[staff_no] = pos
            items.append(item)
    return items


def normalise_mobile(value: str) -> str:
    """A mobile number as stored: full-width digits made plain, spaces and hyphens dropped, a leading
    +86 removed. ``"+86 138-0013-8000"`` → ``"13800138000"``."""
    text = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value or ""))
    return text[3:] if text.startswith("+86") else text


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


# --- Applying -----------------------------------------------------------------------------------


def _chunks(items: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_not_stale(plan: ImportPlan) -> None:
    """Refuse (OrgImportError) when a row the plan changes was changed after it was planned, or a
    row it creates has appeared meanwhile. Locks the rows it will change (PostgreSQL)."""
    stale = OrgImportError(
        [
            Problem(
                _(
                    "Departments or staff were changed by someone else while this import was being prepared; "
                    "nothing was imported. Please check the files again."
                )
            )
        ]
    )
    for model, changed, created, key in (
        (Department, plan.departments_update, plan.departments_create, "code"),
        (Staff, plan.staff_update + plan.staff_leave, plan.staff_create, "staff_no"),
    ):
        expected = {item.existing.pk: item.existing.version for item in changed}
        for ids in _chunks(list(expected)):
            current = dict(model.objects.select_for_update().filter(pk__in=ids).values_list("pk", "version"))
            if any(current.get(pk) != expected[pk] for pk in ids):
                raise stale
        for keys in _chunks([getattr(item, key) for item in created]):
            if model.objects.filter(**{f"{key}__in": keys}).exists():
                raise stale


def _apply_changes(obj, changes: Iterable[Change], resolve: dict[str, Callable[[Any], Any]]) -> set[str]:
    """Set the changed fields on ``obj`` (``resolve`` turns codes into ids); returns the field names."""
    fields = {"version"}
    for change in changes:
        if change.field in resolve:
            setattr(obj, f"{change.field}_id", resolve[change.field](change.new))
        else:
            setattr(obj, change.field, change.new)
        fields.add(change.field)
        if change.field == "name" and isinstance(obj, Staff):
            obj.name_initials, obj.name_pinyin = name_index(change.new)
            fields |= {"name_initials", "name_pinyin"}
    obj.version += 1
    return fields


def _audit_changes(items: Iterable[Change], names: dict[str, str]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` as the directory services write it: departments by name, phones masked."""

    def plain(change: Change, value: Any) -> Any:
        if change.field in {"parent", "department"}:
            return names.get(value) if value else None
        return _json_value(change.field, value)

    return {c.field: [plain(c, c.old), plain(c, c.new)] for c in items}


def org_import_apply(
    *, plan: ImportPlan, by, progress: Progress | None = None, source: OrgImport | None = None
) -> dict[str, Any]:
    """Write a valid plan, all of it in one transaction or nothing (OrgImportError, or the database's
    error, is raised and nothing is kept). Returns the summary: counts and the one-line text.

    Creates and updates in bulk; keeps staff name indexes and department paths in step; writes one
    audit entry per created or changed object (with before/after of the changed fields) and one
    for the whole import (its target is ``source`` when given), by ``by`` (a user, or None for the
    system). Calls ``progress(done, total)`` as rows are written. A plan without changes writes
    nothing at all, not even an audit entry."""
    if not plan.is_valid:
        raise OrgImportError(plan.problems)
    summary = plan.summary()
    if not plan.has_changes:
        return summary
    total, done = plan.change_count, 0

    def report(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(min(done, total), total)

    with transaction.atomic():
        _check_not_stale(plan)
        # Departments: create, then set parents (they may be new too), then update.
        new_departments = [Department(code=i.code, name=i.name, category=i.category) for i in plan.departments_create]
        Department.objects.bulk_create(new_departments, batch_size=BATCH)
        dept_ids = dict(Department.objects.values_list("code", "pk"))
        for dept, item in zip(new_departments, plan.departments_create, strict=True):
            dept.pk, dept.parent_id = dept_ids[dept.code], dept_ids[item.parent] if item.parent else None
        Department.objects.bulk_update([d for d in new_departments if d.parent_id], ["parent"], batch_size=BATCH)
        report(len(new_departments))
        resolve = {"parent": lambda code: dept_ids[code] if code else None, "department": dept_ids.__getitem__}
        fields: set[str] = set()
        for item in plan.departments_update:
            fields |= _apply_changes(item.existing, item.changes, resolve)
        if plan.departments_update:
            Department.objects.bulk_update(
                [i.existing for i in plan.departments_update], sorted(fields), batch_size=BATCH
            )
            report(len(plan.departments_update))
        if new_departments or any(c.field == "parent" for i in plan.departments_update for c in i.changes):
            department_refresh_paths()

        # Staff: create, update, mark as left.
        new_staff = []
        for batch in _chunks(plan.staff_create):
            objs = [
                Staff(
                    staff_no=i.staff_no,
                    name=i.name,
                    department_id=dept_ids[i.department],
                    title=i.title or "",
                    post=i.post or "",
                    is_party_member=bool(i.is_party_member),
                    phone=i.phone or "",
                    status=StaffStatus.ACTIVE,
                )
                for i in batch
            ]
            for person in objs:
                person.name_initials, person.name_pinyin = name_index(person.name)
            new_staff += Staff.objects.bulk_create(objs)
            report(len(objs))
        if any(person.pk is None for person in new_staff):  # a database that cannot return ids from bulk inserts
            ids = dict(Staff.objects.filter(staff_no__in=[p.staff_no for p in new_staff]).values_list("staff_no", "pk"))
            for person in new_staff:
                person.pk = ids[person.staff_no]
        fields = set()
        for item in plan.staff_update:
            fields |= _apply_changes(item.existing, item.changes, resolve)
        for batch in _chunks([i.existing for i in plan.staff_update], 500):
            Staff.objects.bulk_update(batch, sorted(fields))
            report(len(batch))
        for batch in _chunks([i.existing.pk for i in plan.staff_leave]):
            Staff.objects.filter(pk__in=batch).update(
                status=StaffStatus.LEFT, left_on=plan.today, version=F("version") + 1
            )
            report(len(batch))

        # As services.staff_mark_left does: a person who left cannot log in any more.
        accounts = [i.existing.user_id for i in plan.staff_leave if any(c.field == "account_active" for c in i.changes)]
        for batch in _chunks(accounts):
            get_user_model().objects.filter(pk__in=batch).update(is_active=False)

        # Audit: one entry per object (shaped as the directory services shape theirs), then one for the import.
        names = plan.department_names
        entries = []
        for dept, item in zip(new_departments, plan.departments_create, strict=True):
            after = {
                "code": dept.code,
                "name": dept.name,
                "parent": names.get(item.parent or ""),
                "category": dept.category,
            }
            data = changed_fields({}, {**after, "is_active": True, "sort_order": 0})
            entries.append(audit_entry(actor=by, action="org.department.created", target=dept, data=data))
            entries[-1].department_id = dept.pk
        for person, item in zip(new_staff, plan.staff_create, strict=True):
            after = {
                "staff_no": person.staff_no,
                "name": person.name,
                "gender": "",
                "department": names.get(item.department),
                "title": person.title,
                "post": person.post,
                "is_party_member": person.is_party_member,
                "phone": mask_phone(person.phone),
                "status": StaffStatus.ACTIVE.value,
            }
            entries.append(
                audit_entry(actor=by, action="org.staff.created", target=person, data=changed_fields({}, after))
            )
            entries[-1].department_id = person.department_id
        for action, items in (
            ("org.department.updated", plan.departments_update),
            ("org.staff.updated", plan.staff_update),
            ("org.staff.left", plan.staff_leave),
        ):
            for item in items:
                data = _audit_changes(item.changes, names)
                entries.append(audit_entry(actor=by, action=action, target=item.existing, data=data))
                entries[-1].department_id = getattr(item.existing, "department_id", item.existing.pk)
        files = " · ".join(name for name in (plan.departments_file, plan.staff_file) if name)
        entries.append(
            audit_entry(
                actor=by,
                action="org.import.completed",
                target=source,
                target_repr=files,
                data={**plan.counts(), "files": files},
            )
        )
        audit_log_many(entries)
        report(0)
    return summary


# --- The web flow: upload → preview → confirm → run ------------------------------------------


class OrgImportStateError(Exception):
    """The import is not in a state that allows this step (e.g. it was already confirmed)."""

    def __init__(self, record: OrgImport):
        self.record = record
        super().__init__(f"Organisation import {record.pk} is {record.status}")


def _unexpected_error() -> list[dict[str, Any]]:
    message = _(
        "The import stopped because of an unexpected error; nothing was changed. "
        "Please tell the system administrator (the details are in the server log)."
    )
    return [Problem(message).as_dict()]


def org_import_plan_for(record: OrgImport) -> ImportPlan:
    """Plan an import from the files kept on ``record``, exactly as they were uploaded."""
    sources: dict[str, Any] = {}
    for key in ("departments", "staff"):
        stored = getattr(record, f"{key}_file")
        if stored:
            with stored.open("rb") as handle:
                sources[key] = handle.read()
            # Read by the stored file's extension; show the name the user uploaded.
            display, ext = getattr(record, f"{key}_name"), Path(stored.name).suffix.lower()
            sources[f"{key}_name"] = display if Path(display).suffix.lower() == ext else f"{display or key}{ext}"
        else:
            sources[key] = None
    return org_import_plan_files(**sources)


def org_import_upload(*, by, departments=None, staff=None) -> OrgImport:
    """Keep the uploaded files (Django UploadedFile; at least one) on a new OrgImport and check them.

    Promises: the import ends ``previewed`` with ``preview`` (what would change) or ``invalid`` with
    ``errors`` (every problem, with its line); the organisation itself is not changed."""
    if departments is None and staff is None:
        raise ValueError("org_import_upload needs at least one file")
    record = OrgImport(created_by=by)
    for key, upload in (("departments", departments), ("staff", staff)):
        if upload is not None:
            display = Path(upload.name or key).name[-200:]
            setattr(record, f"{key}_name", display)
            getattr(record, f"{key}_file").save(f"{key}{Path(display).suffix.lower()}", upload, save=False)
    record.save()
    try:
        plan = org_import_plan_for(record)
    except Exception:  # a file nobody foresaw: keep it, say so, log it
        logger.exception("Organisation import %s: checking the files failed", record.pk)
        record.status, record.errors = OrgImportStatus.FAILED, _unexpected_error()
        record.save(update_fields=["status", "errors"])
        return record
    if plan.is_valid:
        record.status, record.preview, record.progress_total = (
            OrgImportStatus.PREVIEWED,
            plan.preview(),
            plan.change_count,
        )
    else:
        record.status, record.errors = OrgImportStatus.INVALID, [p.as_dict() for p in plan.problems]
    record.save(update_fields=["status", "preview", "errors", "progress_total"])
    files = [name for name in (record.departments_name, record.staff_name) if name]
    audit_log(actor=by, action="org.import.uploaded", target=record, data={"files": files, "status": record.status})
    return record


def org_import_confirm(*, record_id: int, by) -> OrgImport:
    """Queue a previewed import to run: in the background, or at once when Celery is eager.

    Promises: an import is confirmed once only (its row is locked and must be ``previewed``, else
    OrgImportStateError); the task is sent only after the confirmation has been committed."""
    from .tasks import org_import_task

    with transaction.atomic():
        record = OrgImport.objects.select_for_update().get(pk=record_id)
        if record.status != OrgImportStatus.PREVIEWED:
            raise OrgImportStateError(record)
        record.status, record.progress_done = OrgImportStatus.QUEUED, 0
        record.save(update_fields=["status", "progress_done"])
        audit_log(actor=by, action="org.import.confirmed", target=record)
        by_id, language = getattr(by, "pk", None), get_language()
        transaction.on_commit(lambda: org_import_task.delay(record.pk, by_id=by_id, language=language))
    return record


CANCELLABLE = frozenset({OrgImportStatus.UPLOADED, OrgImportStatus.INVALID, OrgImportStatus.PREVIEWED})


def org_import_cancel(*, record_id: int, by) -> OrgImport:
    """Drop an import that has not been confirmed (else OrgImportStateError). Nothing else changes."""
    with transaction.atomic():
        record = OrgImport.objects.select_for_update().get(pk=record_id)
        if record.status not in CANCELLABLE:
            raise OrgImportStateError(record)
        record.status, record.finished_at = OrgImportStatus.CANCELLED, timezone.now()
        record.save(update_fields=["status", "finished_at"])
        audit_log(actor=by, action="org.import.cancelled", target=record)
    return record


def _progress_key(record_id: int) -> str:
    return f"org:import:{record_id}:progress"


class _ProgressWriter:
    """Saves progress where a polling page sees it while the import's own transaction is still open:
    on PostgreSQL in OrgImport.progress_* through a second, autocommitting connection (SQLite has
    one writer at a time, the import itself), and always in the cache (shared when it is Redis)."""

    def __init__(self, record_id: int):
        self.record_id = record_id
        self._connection = None

    def __call__(self, done: int, total: int) -> None:
        cache.set(_progress_key(self.record_id), (done, total), 3600)
        if connection.vendor != "postgresql":
            return
        try:
            if self._connection is None:
                self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
            table = self._connection.ops.quote_name(OrgImport._meta.db_table)
            with self._connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress_done = %s, progress_total = %s WHERE id = %s",  # noqa: S608
                    [done, total, self.record_id],
                )
        except Exception:  # progress is a nicety: never fail the import for it
            logger.warning("Organisation import %s: could not save progress", self.record_id, exc_info=True)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def org_import_progress(record: OrgImport) -> tuple[int, int]:
    """(done, total) of an import: the freshest known (while it runs the cache may be ahead of the row)."""
    done, total = record.progress_done, record.progress_total
    if record.status == OrgImportStatus.RUNNING:
        cached = cache.get(_progress_key(record.pk))
        if cached and cached[0] > done:
            done, total = cached
    return done, total


def _finish(record: OrgImport, *, by, status: str, errors: list[dict], summary: dict | None = None) -> OrgImport:
    record.refresh_from_db(fields=["progress_total"])
    record.status, record.errors, record.finished_at = status, errors, timezone.now()
    fields = ["status", "errors", "finished_at"]
    if summary is not None:
        record.summary, record.progress_done = summary, record.progress_total
        fields += ["summary", "progress_done"]
    record.save(update_fields=fields)
    cache.delete(_progress_key(record.pk))
    if status == OrgImportStatus.FAILED:
        audit_log(actor=by, action="org.import.failed", target=record, data={"problems": len(errors)})
    return record


def org_import_run(*, record_id: int, by=None) -> OrgImport | None:
    """Run a confirmed import: the body of the Celery task.

    Promises: runs at most once (the row must be ``queued``; it becomes ``running`` under a lock);
    plans again from the stored files, as the organisation may have changed since the preview, and
    ends ``failed`` with the new problems if there are any; else applies the plan with progress
    saved, and ends ``done`` with the summary. An unexpected error ends ``failed`` with a translated
    message (the traceback goes to the log) and, the import being one transaction, changes nothing."""
    with transaction.atomic():
        record = OrgImport.objects.select_for_update().filter(pk=record_id).first()
        if record is None or record.status != OrgImportStatus.QUEUED:
            logger.info("Organisation import %s is not waiting to run; nothing to do", record_id)
            return record
        record.status, record.started_at = OrgImportStatus.RUNNING, timezone.now()
        record.save(update_fields=["status", "started_at"])
    by = by if by is not None else record.created_by
    writer = _ProgressWriter(record.pk)
    try:
        plan = org_import_plan_for(record)
        if not plan.is_valid:
            return _finish(record, by=by, status=OrgImportStatus.FAILED, errors=[p.as_dict() for p in plan.problems])
        OrgImport.objects.filter(pk=record.pk).update(progress_total=plan.change_count, progress_done=0)
        summary = org_import_apply(plan=plan, by=by, progress=writer, source=record)
    except OrgImportError as exc:
        return _finish(record, by=by, status=OrgImportStatus.FAILED, errors=[p.as_dict() for p in exc.problems])
    except Exception:  # whatever it was, the import must end visibly instead of hanging
        logger.exception("Organisation import %s failed", record.pk)
        return _finish(record, by=by, status=OrgImportStatus.FAILED, errors=_unexpected_error())
    finally:
        writer.close()
    return _finish(record, by=by, status=OrgImportStatus.DONE, errors=[], summary=summary)


# --- Showing a stored preview --------------------------------------------------------------------


def _display_value(name: str, value: Any, names: dict[str, str]) -> str:
    if value in (None, ""):
        return "—"
    if name in {"is_party_member", "account_active"}:
        return _("Yes") if value else _("No")
    choices = {"category": DepartmentCategory, "status": StaffStatus}.get(name)
    if choices is not None:
        return str(choices(value).label) if value in choices.values else str(value)
    if name in {"parent", "department"}:
        return _("%(name)s (%(code)s)") % {"name": names[value], "code": value} if value in names else str(value)
    return str(value)


def _field_label(model, name: str) -> str:
    if name == "account_active":
        return _("Login account active")
    return str(model._meta.get_field(name).verbose_name)


def preview_for_display(preview: dict[str, Any]) -> dict[str, Any]:
    """A stored preview made readable in the active language: field names become their labels,
    categories and statuses their names, departments "name (code)"."""
    if not preview:
        return {}
    names = preview.get("names", {})

    def updates(key: str, model) -> list[dict]:
        return [
            {
                **item,
                "changes": [
                    {
                        "label": _field_label(model, name),
                        "old": _display_value(name, old, names),
                        "new": _display_value(name, new, names),
                    }
                    for name, old, new in item["changes"]
                ],
            }
            for item in preview.get(key, [])
        ]

    def shown(key: str, *fields: str) -> list[dict]:
        return [{**row, **{f: _display_value(f, row[f], names) for f in fields}} for row in preview.get(key, [])]

    counts = preview.get("counts", {})
    changing = ("departments_created", "departments_updated", "staff_created", "staff_updated", "staff_left")
    return {
        **{key: preview.get(key) for key in ("counts", "limit", "departments_given", "staff_given", "files")},
        "ignored_columns": preview.get("ignored_columns", {}),
        "has_changes": any(counts.get(key) for key in changing),
        "departments_create": shown("departments_create", "parent", "category"),
        "departments_update": updates("departments_update", Department),
        "staff_create": shown("staff_create", "department", "is_party_member"),
        "staff_update": updates("staff_update", Staff),
        "staff_leave": shown("staff_leave", "department"),
    }


def column_help() -> dict[str, list[dict[str, Any]]]:
    """The columns of both files, for the upload page: the spec's English and Chinese header, the
    other spellings also accepted, whether required, and the accepted values where there is a list."""
    values = {"category": CATEGORY_CHOICES_TEXT, "party_member": PARTY_CHOICES_TEXT}
    result: dict[str, list[dict[str, Any]]] = {}
    for table, columns in (("departments", DEPARTMENT_COLUMNS), ("staff", STAFF_COLUMNS)):
        result[table] = []
        for column in columns:
            chinese = next((h for h in column.headers if not h.isascii()), "")
            others = [h for h in column.headers if h not in {column.key, chinese}]
            result[table].append(
                {
                    "key": column.key,
                    "chinese": chinese,
                    "others": others,
                    "required": column.required,
                    "values": values.get(column.key, ""),
                }
            )
    return result
