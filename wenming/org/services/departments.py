"""Departments: :func:`department_create` and :func:`department_update` (moves, deactivation, head)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log, changes, snapshot

from ..models import Department, DepartmentCategory, Staff, StaffStatus
from .common import CODE_RE, KEEP, _apply, _check_version, _Keep, _require_text, department_refresh_paths

DEPARTMENT_AUDIT_FIELDS = ["code", "name", "parent", "category", "is_active", "head", "sort_order"]


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
