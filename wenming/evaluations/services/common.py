"""What the 医德考评 services share: the error types, who may do what, locking and grade helpers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wenming.org.access import Access
from wenming.org.models import Role
from wenming.standards.definition import StandardDef
from wenming.standards.selectors import newest_version

from ..models import CycleState, EthicsCycle, EthicsMember

MAX_TEXT = 4000


class EvaluationError(ValidationError):
    """Something a person can fix; the message says what."""


class EvaluationConflict(EvaluationError):
    """The row was changed by someone else after the form was shown; nothing was saved."""

    def __init__(self):
        super().__init__(
            _("This was changed by someone else after you opened it, so nothing was saved. Reload to see it."),
            code="conflict",
        )


# --- Who may do what ------------------------------------------------------------------------


def may_manage(access: Access) -> bool:
    """Run cycles, approve daily records at hospital level, review objections (文明办, system admin)."""
    return access.is_office or access.is_system_admin


def may_decide(access: Access) -> bool:
    """Decide final grades: the hospital's 医德考评委员会 (the office and the leadership group)."""
    return may_manage(access) or access.has(Role.LEADERSHIP)


def may_read_all(access: Access) -> bool:
    return access.sees_whole_hospital


def may_open(access: Access) -> bool:
    """Open the 医德考评 pages at all: everyone signed in with a staff record or a role."""
    return access.sees_whole_hospital or access.is_department_head or access.staff_id is not None


# --- Rows and rules -------------------------------------------------------------------------


def has_staff_record(access: Access) -> bool:
    return access.staff_id is not None


def locked(obj):
    """``obj`` re-read under a row lock (``select_for_update``) inside the caller's transaction."""
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def check_version(current, expected_version: int | None) -> None:
    if expected_version is not None and current.version != expected_version:
        raise EvaluationConflict()


def text(value: str | None, *, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise EvaluationError(_("Keep it within %(limit)d characters.") % {"limit": limit})
    return value


def definition_of(cycle: EthicsCycle) -> StandardDef:
    """The newest version of the cycle's standard (read once per cycle object)."""
    cached = getattr(cycle, "_definition", None)
    if cached is not None:
        return cached
    version = newest_version(cycle.standard.code)
    if version is None:  # pragma: no cover - a Standard row always has a version
        raise EvaluationError(_("Unknown standard %(standard)s") % {"standard": cycle.standard.code})
    cycle._definition = version.definition
    return cycle._definition


def grade_names(definition: StandardDef) -> list[str]:
    return [g.name for g in definition.grades]


def check_grade(definition: StandardDef, grade: str, *, blank_ok: bool = False) -> str:
    grade = (grade or "").strip()
    if not grade and blank_ok:
        return ""
    if grade not in grade_names(definition):
        raise EvaluationError(
            _("Choose one of the grades: %(grades)s.") % {"grades": "、".join(grade_names(definition))}
        )
    return grade


def require_state(cycle: EthicsCycle, *states: str) -> None:
    if cycle.state not in states:
        labels = "、".join(str(CycleState(s).label) for s in states)
        raise EvaluationError(
            _("This can be done only while the cycle is at: %(steps)s. It is now at: %(current)s.")
            % {"steps": labels, "current": cycle.get_state_display()}
        )


def member_repr(member: EthicsMember) -> str:
    return f"{member.cycle.year} {member.staff.name}（{member.staff.staff_no}）"
