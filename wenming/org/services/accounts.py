"""Login accounts and roles: :func:`role_grant`, :func:`role_revoke` and :func:`staff_account_save`
(a staff member's account, its password, whether it is active, and the roles it holds)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log

from ..models import Department, Role, RoleAssignment, Staff
from .common import KEEP, _Keep

# Roles the account page may give. The staff role is implicit (any account linked to a staff member).
ASSIGNABLE_ROLES = (Role.OFFICE, Role.LEADERSHIP, Role.INSPECTOR, Role.DEPARTMENT_HEAD, Role.SYSTEM_ADMIN)


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
    from ..access import access_for

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
