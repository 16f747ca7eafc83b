"""Who may see and do what with commitments (三亮).

* The civility office (文明办) and system administrators: everything — templates, every
  department's and person's commitments, desk signs and service cards, the public pages' settings,
  the quarterly reviews.
* The leadership group (领导小组): reads every department's commitments and the published reviews.
* A department head: the commitments of the departments they head (and those under them) and of
  their people — apply the templates, add, edit, remove, print; reads their published reviews.
* Any staff member: reads their own commitments and their department's (``/mine/``).
* Anonymous visitors: only the public department pages (``/p/<code>/``).
"""

from __future__ import annotations

from django.db.models import QuerySet

from wenming.org.models import Department, Role, Staff


def is_office(access) -> bool:
    return access.is_office or access.is_system_admin


def sees_all(access) -> bool:
    """Reads every department's commitments and published reviews."""
    return is_office(access) or access.has(Role.LEADERSHIP)


def may_open(access) -> bool:
    """Sees the section's tab at all: readers of departments, and any staff member (their own)."""
    return sees_all(access) or access.is_department_head or access.staff_id is not None


def may_read_departments(access) -> bool:
    """Opens the list of departments' commitments (not a plain staff member: they have /mine/)."""
    return sees_all(access) or access.is_department_head


def may_read_department(access, department: Department) -> bool:
    return sees_all(access) or access.heads_department(department)


def may_edit_department(access, department: Department) -> bool:
    """Apply templates, add, edit, remove and print for this department and its people."""
    return is_office(access) or access.heads_department(department)


def may_read_reviews(access) -> bool:
    return sees_all(access) or access.is_department_head


def departments_in_scope(access) -> QuerySet[Department]:
    """The departments whose commitments this person may read (active and closed ones)."""
    if sees_all(access):
        return Department.objects.all()
    if not access.head_paths:
        return Department.objects.none()
    return Department.objects.filter(access.headed())


def may_edit_staff(access, staff: Staff) -> bool:
    return may_edit_department(access, staff.department)


def responsible_department(commitment) -> Department:
    """Whose head answers for a commitment: a person's pledge follows the person (their department
    now, whose page lists it), a department's its department."""
    return commitment.staff.department if commitment.staff_id else commitment.department
