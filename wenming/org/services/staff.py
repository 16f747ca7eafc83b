"""Staff members: create, update, mark as left (离职) and reinstate. Their login accounts and roles
are in ``accounts.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log, changes, snapshot

from ..models import Department, Gender, PartyOrganization, Staff, StaffStatus, mask_phone
from .common import (
    KEEP,
    STAFF_NO_RE,
    _apply,
    _check_version,
    _Keep,
    _require_text,
    name_index,
    validate_phone,
)
from .departments import department_update

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


def _staff_snapshot(staff: Staff) -> dict[str, Any]:
    data = snapshot(staff, STAFF_AUDIT_FIELDS)
    data["phone"] = mask_phone(staff.phone)
    return data


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
