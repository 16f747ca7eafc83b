"""Writes to the organisation. Every change goes through a function here (or the import in
``importing.py``), runs in a transaction and leaves an audit entry."""

from __future__ import annotations

from django.db import transaction
from pypinyin import Style, lazy_pinyin

from wenming.core.audit import audit_log

from .models import Department, Role, RoleAssignment


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
