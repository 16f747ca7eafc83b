"""Writes to the organisation. Every change goes through a function here (or the import in
``importing.py``), runs in a transaction and leaves an audit entry."""

from __future__ import annotations

import datetime as dt
import enum
import re
import zoneinfo
from collections.abc import Iterable
from typing import Any, Final

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from wenming.core.audit import audit_log, changes, snapshot

from .models import (
    Department,
    DepartmentCategory,
    Gender,
    Hospital,
    PartyOrganization,
    PartyOrgKind,
    Role,
    RoleAssignment,
    Staff,
    StaffStatus,
    mask_phone,
)
from .selectors import HOSPITAL_CACHE_KEY


class ConcurrentEditError(Exception):
    """The object was changed by someone else after the form was opened."""


def name_index(name: str) -> tuple[str, str]:
    """Pinyin initials and full pinyin of a Chinese name: 周涛 → ("zt", "zhoutao").
    Letters and digits in the name are kept as they are (lower case)."""
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()
    full = "".join(lazy_pinyin(name, errors="default")).lower()
    return initials[:50], full[:200]


def department_refresh_paths(*, root: Department | None = None) -> int:
    """Recompute ``path`` and ``depth`` for a department and everything under it
    (or the whole tree when ``root`` is None). Returns how many rows changed.

    Loads the (small) department table once and walks it in memory."""
    departments = {d.pk: d for d in Department.objects.all().only("pk", "code", "parent_id", "path", "depth")}
    children: dict[int | None, list[Department]] = {}
    for dept in departments.values():
        children.setdefault(dept.parent_id, []).append(dept)

    changed: list[Department] = []

    def walk(dept: Department, prefix: str, depth: int, seen: frozenset[int]) -> None:
        if dept.pk in seen:
            raise ValueError(f"Department {dept.code} is its own ancestor")
        path = f"{prefix}{dept.code}/"
        if dept.path != path or dept.depth != depth:
            dept.path, dept.depth = path, depth
            changed.append(dept)
        for child in children.get(dept.pk, []):
            walk(child, path, depth + 1, seen | {dept.pk})

    if root is None:
        for top in children.get(None, []):
            walk(top, "", 0, frozenset())
    else:
        start = departments[root.pk]
        parent = departments.get(start.parent_id)
        walk(start, parent.path if parent else "", (parent.depth + 1) if parent else 0, frozenset())
    Department.objects.bulk_update(changed, ["path", "depth"], batch_size=500)
    return len(changed)


@transaction.atomic
def role_grant(*, by, user, role: str, departments=()) -> RoleAssignment:
    """Give ``user`` a role; for a department head, the departments they lead (replacing earlier ones).
    A system administrator also gets the Django admin flags."""
    assignment, _created = RoleAssignment.objects.get_or_create(user=user, role=role)
    if role == Role.DEPARTMENT_HEAD:
        assignment.departments.set(departments)
    if role == Role.SYSTEM_ADMIN and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    audit_log(
        actor=by,
        action="org.role.granted",
        target=user,
        data={"role": Role(role).label, "departments": [d.code for d in departments]},
    )
    return assignment


@transaction.atomic
def role_revoke(*, by, user, role: str) -> None:
    deleted, _rows = RoleAssignment.objects.filter(user=user, role=role).delete()
    if role == Role.SYSTEM_ADMIN and user.is_superuser:
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])
    if deleted:
        audit_log(actor=by, action="org.role.revoked", target=user, data={"role": Role(role).label})


# ---------------------------------------------------------------------------------------------
# Directory edits: hospital settings, departments, staff, login accounts, party organisations.
#
# Conventions shared by the functions below:
# * keyword-only; each runs in one transaction and leaves one audit entry with
#   ``{field: [before, after]}`` (nothing is written and no entry is left when nothing changed);
# * a broken rule raises ``django.core.exceptions.ValidationError`` keyed by field name, so a view
#   can show each message beside the field it concerns;
# * the ``*_update`` functions take every editable field with the default ``KEEP`` ("leave it as
#   it is"), so an import or a task can change one field without restating the others;
# * Hospital, Department and Staff carry a ``version``. Pass the version a form was opened with as
#   ``expected_version``: the row is locked (select_for_update), compared, and if someone else
#   saved in between :class:`ConcurrentEditError` is raised and nothing is written. A save that
#   changes something increments the version. ``expected_version=None`` (imports, commands) skips
#   the comparison but still locks the row;
# * phones go into the audit log masked (138****0000): the log is append-only, so it must not
#   become a second, undeletable copy of every employee's mobile number.
# ---------------------------------------------------------------------------------------------


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""Default of the ``*_update`` services' fields: leave this field unchanged."""

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
# Codes become path segments ("D01/D0101/") and staff numbers become login names.
CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
STAFF_NO_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")

DEPARTMENT_AUDIT_FIELDS = ["code", "name", "parent", "category", "is_active", "head", "sort_order"]
STAFF_AUDIT_FIELDS = [
    "staff_no",
    "name",
    "gender",
    "department",
    "title",
    "post",
    "is_party_member",
    "party_branch",
    "phone",
    "status",
    "left_on",
]
PARTY_AUDIT_FIELDS = ["code", "name", "kind", "parent", "secretary", "sort_order"]
# Roles the account page may give. The staff role is implicit (any account linked to a staff member).
ASSIGNABLE_ROLES = (Role.OFFICE, Role.LEADERSHIP, Role.INSPECTOR, Role.DEPARTMENT_HEAD, Role.SYSTEM_ADMIN)
_PARTY_RANK = {PartyOrgKind.COMMITTEE: 0, PartyOrgKind.GENERAL_BRANCH: 1, PartyOrgKind.BRANCH: 2}


def _apply(instance: Any, values: dict[str, Any]) -> bool:
    """Set the given attributes (skipping ``KEEP``); True when any value differs."""
    changed = False
    for name, value in values.items():
        if value is KEEP:
            continue
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _check_version(current: Any, expected_version: int | None) -> None:
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEditError(
            f"{current._meta.label} {current.pk}: opened at version {expected_version}, now {current.version}"
        )


def _staff_snapshot(staff: Staff) -> dict[str, Any]:
    data = snapshot(staff, STAFF_AUDIT_FIELDS)
    data["phone"] = mask_phone(staff.phone)
    return data


def validate_phone(phone: str) -> str:
    """The phone without surrounding spaces; empty is allowed. Raises ValidationError({"phone": …})."""
    phone = (phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        raise ValidationError({"phone": _("Enter an 11-digit mainland mobile number, such as 13800138000.")})
    return phone


def validate_time_zone(time_zone: str) -> str:
    """An IANA time zone name such as Asia/Shanghai. Raises ValidationError({"time_zone": …})."""
    time_zone = (time_zone or "").strip()
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": _("Enter a time zone name such as Asia/Shanghai.")}) from None
    return time_zone


def _require_text(field: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("This field is required.")})
    return value


# --- Hospital ---------------------------------------------------------------------------------


@transaction.atomic
def hospital_update(
    *,
    by,
    name: str,
    short_name: str = "",
    time_zone: str = "Asia/Shanghai",
    logo: File | None = None,
    clear_logo: bool = False,
    expected_version: int | None = None,
) -> Hospital:
    """Save the hospital's settings (creating the singleton on first use).

    ``logo`` replaces the logo (already validated as an image by the form); ``clear_logo`` removes
    it; neither keeps it. The cached copy read by every page is dropped, now and after commit."""
    name = _require_text("name", name)
    time_zone = validate_time_zone(time_zone)
    hospital, created = Hospital.objects.select_for_update().get_or_create(
        pk=1, defaults={"name": name, "time_zone": time_zone}
    )
    if not created:
        _check_version(hospital, expected_version)
    fields = ["name", "short_name", "time_zone"]
    before = {} if created else {**snapshot(hospital, fields), "logo": hospital.logo.name}
    changed = _apply(hospital, {"name": name, "short_name": (short_name or "").strip(), "time_zone": time_zone})
    if logo is not None:
        hospital.logo = logo
        changed = True
    elif clear_logo and hospital.logo:
        hospital.logo = ""
        changed = True
    if changed or created:
        hospital.version += 1
        hospital.save()
        after = {**snapshot(hospital, fields), "logo": hospital.logo.name}
        audit_log(actor=by, action="org.hospital.updated", target=hospital, data=changes(before, after))
    cache.delete(HOSPITAL_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(HOSPITAL_CACHE_KEY))
    return hospital


# --- Departments ------------------------------------------------------------------------------


def _check_category(category: str) -> None:
    if category not in DepartmentCategory.values:
        raise ValidationError({"category": _("Choose one of the listed categories.")})


def _check_head(department: Department, head: Staff | None) -> None:
    """A head must be an active staff member of the department or of a department under it."""
    if head is None:
        return
    head_path = Department.objects.filter(pk=head.department_id).values_list("path", flat=True).first() or ""
    if head.status != StaffStatus.ACTIVE or not head_path.startswith(department.path):
        raise ValidationError(
            {"head": _("The head must be a staff member in post in this department or one of its sub-departments.")}
        )


@transaction.atomic
def department_create(
    *,
    by,
    code: str,
    name: str,
    category: str,
    parent: Department | None = None,
    sort_order: int = 0,
    is_active: bool = True,
) -> Department:
    """Create a department under ``parent`` (None: top level) with its path and depth set.

    The code is the key imports match on and never changes afterwards. A new department has no
    staff yet, so its head is chosen later with :func:`department_update`."""
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ValidationError(
            {"code": _("Use up to 32 letters, digits, dots, hyphens or underscores for the code (no spaces or /).")}
        )
    if Department.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A department with this code already exists.")})
    name = _require_text("name", name)
    _check_category(category)
    if parent is not None:
        parent = Department.objects.get(pk=parent.pk)
        if is_active and not parent.is_active:
            raise ValidationError({"parent": _("An active department cannot be placed under an inactive one.")})
    department = Department(
        code=code, name=name, category=category, parent=parent, sort_order=sort_order, is_active=is_active
    )
    department.path = department.compute_path()
    department.depth = department.path.count("/") - 1
    department.save()
    audit_log(
        actor=by,
        action="org.department.created",
        target=department,
        department=department,
        data=changes({}, snapshot(department, DEPARTMENT_AUDIT_FIELDS)),
    )
    return department


@transaction.atomic
def department_update(
    *,
    by,
    department: Department,
    expected_version: int | None = None,
    name: str | _Keep = KEEP,
    parent: Department | _Keep | None = KEEP,
    category: str | _Keep = KEEP,
    is_active: bool | _Keep = KEEP,
    head: Staff | _Keep | None = KEEP,
    sort_order: int | _Keep = KEEP,
) -> Department:
    """Change a department; returns the saved row (a fresh instance).

    * Moving it (``parent``) recomputes the path of the department and everything under it; a move
      under itself or one of its own sub-departments is refused (it would make a cycle).
    * Deactivating is refused while it still has active sub-departments (deactivate or move them
      first: the tree must not show active departments under an inactive one). It is allowed while
      staff are still in post there: they keep their department until moved, and past records stay
      attached to it; the page warns about them (see ``selectors.department_facts``).
    * The head must be in post in this department or one below it.
    """
    current = Department.objects.select_for_update().get(pk=department.pk)
    _check_version(current, expected_version)
    before = snapshot(current, DEPARTMENT_AUDIT_FIELDS)
    old_parent_id = current.parent_id

    if name is not KEEP:
        name = _require_text("name", name)
    if category is not KEEP:
        _check_category(category)
    if parent is not KEEP and parent is not None:
        parent = Department.objects.get(pk=parent.pk)
        if parent.pk == current.pk or parent.path.startswith(current.path):
            raise ValidationError(
                {
                    "parent": _(
                        "A department cannot be moved under itself or one of its own sub-departments: "
                        "that would make a loop in the tree."
                    )
                }
            )
    will_be_active = current.is_active if is_active is KEEP else is_active
    new_parent = current.parent if parent is KEEP else parent
    if will_be_active and new_parent is not None and not new_parent.is_active:
        raise ValidationError({"parent": _("An active department cannot be placed under an inactive one.")})
    if not will_be_active and current.children.filter(is_active=True).exists():
        raise ValidationError(
            {"is_active": _("This department still has active sub-departments. Deactivate or move them first.")}
        )
    if head is not KEEP:
        _check_head(current, head)

    changed = _apply(
        current,
        {
            "name": name,
            "parent": parent,
            "category": category,
            "is_active": is_active,
            "head": head,
            "sort_order": sort_order,
        },
    )
    if not changed:
        return current
    current.version += 1
    current.save()
    if current.parent_id != old_parent_id:
        department_refresh_paths(root=current)
        current.refresh_from_db(fields=["path", "depth"])
    audit_log(
        actor=by,
        action="org.department.updated",
        target=current,
        department=current,
        data=changes(before, snapshot(current, DEPARTMENT_AUDIT_FIELDS)),
    )
    return current


# --- Staff ------------------------------------------------------------------------------------


def _check_staff_fields(
    *, department: Department | None, gender: str | None, is_party_member: bool, party_branch
) -> None:
    if department is not None and not department.is_active:
        raise ValidationError({"department": _("This department is no longer active.")})
    if gender and gender not in Gender.values:
        raise ValidationError({"gender": _("Choose one of the listed values.")})
    if party_branch is not None and not is_party_member:
        raise ValidationError({"party_branch": _("Only a party member can belong to a party branch.")})


@transaction.atomic
def staff_create(
    *,
    by,
    staff_no: str,
    name: str,
    department: Department,
    gender: str = "",
    title: str = "",
    post: str = "",
    is_party_member: bool = False,
    party_branch: PartyOrganization | None = None,
    phone: str = "",
) -> Staff:
    """Add a staff member (in post) with the pinyin search index filled in.

    The staff number is the import key and the login name, so it never changes afterwards."""
    staff_no = (staff_no or "").strip()
    if not STAFF_NO_RE.match(staff_no):
        raise ValidationError(
            {"staff_no": _("Use up to 32 letters, digits, dots, hyphens or underscores for the staff number.")}
        )
    if Staff.objects.filter(staff_no=staff_no).exists():
        raise ValidationError({"staff_no": _("A staff member with this number already exists.")})
    name = _require_text("name", name)
    phone = validate_phone(phone)
    _check_staff_fields(
        department=department, gender=gender, is_party_member=is_party_member, party_branch=party_branch
    )
    initials, pinyin = name_index(name)
    staff = Staff.objects.create(
        staff_no=staff_no,
        name=name,
        name_initials=initials,
        name_pinyin=pinyin,
        gender=gender or "",
        department=department,
        title=(title or "").strip(),
        post=(post or "").strip(),
        is_party_member=is_party_member,
        party_branch=party_branch,
        phone=phone,
    )
    audit_log(
        actor=by,
        action="org.staff.created",
        target=staff,
        department=department,
        data=changes({}, _staff_snapshot(staff)),
    )
    return staff


@transaction.atomic
def staff_update(
    *,
    by,
    staff: Staff,
    expected_version: int | None = None,
    name: str | _Keep = KEEP,
    gender: str | _Keep = KEEP,
    department: Department | _Keep = KEEP,
    title: str | _Keep = KEEP,
    post: str | _Keep = KEEP,
    is_party_member: bool | _Keep = KEEP,
    party_branch: PartyOrganization | _Keep | None = KEEP,
    phone: str | _Keep = KEEP,
) -> Staff:
    """Change a staff member's details; returns the saved row (a fresh instance).

    A new name recomputes the pinyin index. A phone must be an 11-digit mainland mobile or empty.
    Moving someone into an inactive department is refused. Status changes go through
    :func:`staff_mark_left` / :func:`staff_reinstate`."""
    current = Staff.objects.select_for_update().get(pk=staff.pk)
    _check_version(current, expected_version)
    before = _staff_snapshot(current)
    if name is not KEEP:
        name = _require_text("name", name)
    if phone is not KEEP:
        phone = validate_phone(phone)
    title = title if title is KEEP else (title or "").strip()
    post = post if post is KEEP else (post or "").strip()
    moving_to = None if department is KEEP or department.pk == current.department_id else department
    _check_staff_fields(
        department=moving_to,
        gender=None if gender is KEEP else gender,
        is_party_member=current.is_party_member if is_party_member is KEEP else is_party_member,
        party_branch=current.party_branch if party_branch is KEEP else party_branch,
    )
    changed = _apply(
        current,
        {
            "name": name,
            "gender": gender,
            "department": department,
            "title": title,
            "post": post,
            "is_party_member": is_party_member,
            "party_branch": party_branch,
            "phone": phone,
        },
    )
    if not changed:
        return current
    current.name_initials, current.name_pinyin = name_index(current.name)
    current.version += 1
    current.save()
    audit_log(
        actor=by,
        action="org.staff.updated",
        target=current,
        department=current.department,
        data=changes(before, _staff_snapshot(current)),
    )
    return current


@transaction.atomic
def staff_mark_left(*, by, staff: Staff, left_on: dt.date | None = None, expected_version: int | None = None) -> Staff:
    """Mark a staff member as left (离职) on ``left_on`` (default: today in the hospital's time zone).

    Staff are never deleted. Their login account is disabled, and a department they headed gets
    no head (both recorded in the audit log); their roles stay, so reinstating is one step."""
    current = Staff.objects.select_for_update().get(pk=staff.pk)
    _check_version(current, expected_version)
    if current.status == StaffStatus.LEFT:
        raise ValidationError({"status": _("This staff member is already marked as left.")})
    before = _staff_snapshot(current)
    current.status = StaffStatus.LEFT
    current.left_on = left_on or timezone.localdate()
    current.version += 1
    current.save()
    data = changes(before, _staff_snapshot(current))
    if current.user_id and current.user.is_active:
        current.user.is_active = False
        current.user.save(update_fields=["is_active"])
        data["account_active"] = [True, False]
    audit_log(actor=by, action="org.staff.left", target=current, department=current.department, data=data)
    for headed in Department.objects.select_for_update().filter(head=current):
        department_update(by=by, department=headed, head=None)
    return current


@transaction.atomic
def staff_reinstate(*, by, staff: Staff, expected_version: int | None = None) -> Staff:
    """Bring a staff member who left back into post. Their department must still be active.
    The login account stays disabled until the office enables it on the account page."""
    current = Staff.objects.select_for_update().select_related("department").get(pk=staff.pk)
    _check_version(current, expected_version)
    if current.status == StaffStatus.ACTIVE:
        raise ValidationError({"status": _("This staff member is already in post.")})
    if not current.department.is_active:
        raise ValidationError(
            {"department": _("Their department is no longer active. Move them to an active department first.")}
        )
    before = _staff_snapshot(current)
    current.status = StaffStatus.ACTIVE
    current.left_on = None
    current.version += 1
    current.save()
    audit_log(
        actor=by,
        action="org.staff.updated",
        target=current,
        department=current.department,
        data=changes(before, _staff_snapshot(current)),
    )
    return current


@transaction.atomic
def staff_account_save(
    *,
    by,
    staff: Staff,
    password: str | None = None,
    is_active: bool | _Keep = KEEP,
    roles: Iterable[str] | _Keep = KEEP,
    head_departments: Iterable[Department] = (),
):
    """Create, or change, the login account of a staff member; returns the account (a User).

    * No account yet: one is created with username = staff number; ``password`` is required.
    * ``password`` given for an existing account: it is reset (Django's password rules apply) and a
      login lock-out for that username is lifted. Passwords never reach the audit log.
    * ``is_active`` enables or disables the account; you cannot disable your own.
    * ``roles`` is the complete set the account should hold among :data:`ASSIGNABLE_ROLES`; roles
      are given and taken with :func:`role_grant` / :func:`role_revoke`. A department head needs
      ``head_departments`` (each covers its sub-departments). Only a system administrator may give
      or take the system administrator role, and nobody may take their own office or
      administrator role away (so the last manager cannot lock everyone out by accident).
    """
    User = get_user_model()
    current = Staff.objects.select_for_update().get(pk=staff.pk)
    user = current.user
    data: dict[str, Any] = {}
    if user is None:
        if not password:
            raise ValidationError({"password": _("Enter an initial password for the new account.")})
        if User.objects.filter(username=current.staff_no).exists():
            raise ValidationError(
                {
                    "password": _(
                        "Another account already uses this staff number as its login name. "
                        "Please ask the system administrator."
                    )
                }
            )
        user = User(username=current.staff_no, first_name=current.name[:150], is_active=True)
        _validate_password(password, user)
        user.set_password(password)
        user.save()
        current.user = user
        # Not a change of the staff form's fields: the version stays, so nobody editing them conflicts.
        current.save(update_fields=["user"])
        data["account"] = [None, user.get_username()]
    elif password:
        _validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        data["password_reset"] = True  # a marker; the password itself is never recorded
        username = user.get_username()
        transaction.on_commit(lambda: _unlock(username))

    if is_active is not KEEP and user.is_active != is_active:
        if not is_active and by is not None and by.pk == user.pk:
            raise ValidationError({"is_active": _("You cannot disable your own account.")})
        data["account_active"] = [user.is_active, is_active]
        user.is_active = is_active
        user.save(update_fields=["is_active"])

    if data:
        audit_log(actor=by, action="org.staff.updated", target=current, department=current.department, data=data)

    if roles is not KEEP:
        _save_roles(by=by, user=user, roles=set(roles), head_departments=list(head_departments))
    return user


def _validate_password(password: str, user) -> None:
    """Django's password rules, reported against the ``password`` field."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from None


def _unlock(username: str) -> None:
    from axes.utils import reset

    reset(username=username)


def _save_roles(*, by, user, roles: set[str], head_departments: list[Department]) -> None:
    from .access import access_for

    unknown = roles - set(ASSIGNABLE_ROLES)
    if unknown:
        raise ValidationError({"roles": _("Choose roles from the list.")})
    assignments = {a.role: a for a in RoleAssignment.objects.filter(user=user).prefetch_related("departments")}
    held = set(assignments) & set(ASSIGNABLE_ROLES)
    by_access = access_for(by)
    if Role.SYSTEM_ADMIN in (roles ^ held) and not by_access.is_system_admin:
        raise ValidationError(
            {"roles": _("Only a system administrator may give or take the system administrator role.")}
        )
    if by is not None and by.pk == user.pk and ({Role.OFFICE, Role.SYSTEM_ADMIN} & (held - roles)):
        raise ValidationError({"roles": _("You cannot take your own office or administrator role away.")})
    if Role.DEPARTMENT_HEAD in roles and not head_departments:
        raise ValidationError({"head_departments": _("Choose the department(s) this head is responsible for.")})

    for role in sorted(held - roles):
        role_revoke(by=by, user=user, role=role)
    for role in sorted(roles - held):
        role_grant(by=by, user=user, role=role, departments=head_departments if role == Role.DEPARTMENT_HEAD else ())
    if Role.DEPARTMENT_HEAD in roles & held:
        old = {d.pk for d in assignments[Role.DEPARTMENT_HEAD].departments.all()}
        if old != {d.pk for d in head_departments}:
            role_grant(by=by, user=user, role=Role.DEPARTMENT_HEAD, departments=head_departments)
    # The cached access of this account (if it is the one asking) no longer holds.
    if hasattr(user, "_wenming_access"):
        del user._wenming_access


# --- Party organisations ----------------------------------------------------------------------


def _check_party_place(*, org: PartyOrganization | None, kind: str, parent: PartyOrganization | None) -> None:
    """党委 → 总支/二级党委 → 支部: a parent must be of a higher level than its children.
    Ranks strictly decreasing downwards also rules out cycles."""
    if kind not in PartyOrgKind.values:
        raise ValidationError({"kind": _("Choose one of the listed levels.")})
    rank = _PARTY_RANK[PartyOrgKind(kind)]
    if parent is not None and _PARTY_RANK[PartyOrgKind(parent.kind)] >= rank:
        raise ValidationError(
            {"parent": _("The parent must be of a higher level: committee, then general branch, then branch.")}
        )
    if org is not None and org.pk is not None:
        child_kinds = set(org.children.values_list("kind", flat=True))
        if any(_PARTY_RANK[PartyOrgKind(k)] <= rank for k in child_kinds):
            raise ValidationError(
                {"kind": _("Its sub-organisations would no longer be of a lower level. Change them first.")}
            )


def _check_secretary(secretary: Staff | None) -> None:
    if secretary is not None and (secretary.status != StaffStatus.ACTIVE or not secretary.is_party_member):
        raise ValidationError({"secretary": _("The secretary must be a party member in post.")})


@transaction.atomic
def party_org_create(
    *,
    by,
    code: str,
    name: str,
    kind: str,
    parent: PartyOrganization | None = None,
    secretary: Staff | None = None,
    sort_order: int = 0,
) -> PartyOrganization:
    """Add a party organisation (committee, general branch or branch) under ``parent``."""
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ValidationError(
            {"code": _("Use up to 32 letters, digits, dots, hyphens or underscores for the code (no spaces or /).")}
        )
    if PartyOrganization.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A party organisation with this code already exists.")})
    name = _require_text("name", name)
    _check_party_place(org=None, kind=kind, parent=parent)
    _check_secretary(secretary)
    org = PartyOrganization.objects.create(
        code=code, name=name, kind=kind, parent=parent, secretary=secretary, sort_order=sort_order
    )
    audit_log(actor=by, action="org.party.created", target=org, data=changes({}, snapshot(org, PARTY_AUDIT_FIELDS)))
    return org


@transaction.atomic
def party_org_update(
    *,
    by,
    org: PartyOrganization,
    name: str | _Keep = KEEP,
    kind: str | _Keep = KEEP,
    parent: PartyOrganization | _Keep | None = KEEP,
    secretary: Staff | _Keep | None = KEEP,
    sort_order: int | _Keep = KEEP,
) -> PartyOrganization:
    """Change a party organisation (its code never changes). Party organisations have no version:
    their page is edited by one or two people in the office, so the last save wins."""
    current = PartyOrganization.objects.select_for_update().get(pk=org.pk)
    before = snapshot(current, PARTY_AUDIT_FIELDS)
    if name is not KEEP:
        name = _require_text("name", name)
    new_kind = current.kind if kind is KEEP else kind
    new_parent = current.parent if parent is KEEP else parent
    if new_parent is not None and new_parent.pk == current.pk:
        raise ValidationError({"parent": _("An organisation cannot be its own parent.")})
    _check_party_place(org=current, kind=new_kind, parent=new_parent)
    if secretary is not KEEP:
        _check_secretary(secretary)
    changed = _apply(
        current, {"name": name, "kind": kind, "parent": parent, "secretary": secretary, "sort_order": sort_order}
    )
    if changed:
        current.save()
        audit_log(
            actor=by,
            action="org.party.updated",
            target=current,
            data=changes(before, snapshot(current, PARTY_AUDIT_FIELDS)),
        )
    return current
