"""What the inspections services share: limits, checks of text and counts, who may do what, how
rounds and findings are named, the appeal window."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wenming.org.access import access_for
from wenming.org.models import Role

from ..errors import InspectionError
from ..models import (
    InspectionRound,
    RoundFinding,
)

MAX_NOTE = 2000
MAX_REASON = 2000
MAX_COUNT = 100_000
MAX_FINDINGS = 200
MAX_PHOTOS_PER_FINDING = 10
TOKEN_MAX = 64
PLAN_NAME_MAX = 200
RECTIFY_DAYS_MAX = 365


# --- Helpers ----------------------------------------------------------------------------------


def appeal_deadline(day: date) -> date:
    """The last day an appeal against a round held on ``day`` may be filed: ``day`` plus
    ``WENMING_APPEAL_WORKING_DAYS`` (default 3) working days, Monday to Friday."""
    left = settings.WENMING_APPEAL_WORKING_DAYS
    current = day
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def _text(value, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise InspectionError(_("The text may be at most %(max)d characters long.") % {"max": limit})
    return value


def _count(value) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or str(number) != str(value).strip() or number < 1:
        raise InspectionError(_("The count must be a whole number of at least 1."))
    if number > MAX_COUNT:
        raise InspectionError(_("The count may be at most %(max)d.") % {"max": MAX_COUNT})
    return number


def _is_inspector(user) -> bool:
    access = access_for(user)
    return access.has(Role.INSPECTOR) or access.is_office or access.is_system_admin


def _decides_appeals(user) -> bool:
    access = access_for(user)
    return access.has(Role.LEADERSHIP) or access.is_office or access.is_system_admin


def round_repr(inspection_round: InspectionRound) -> str:
    return f"{inspection_round.department.code} {inspection_round.date.isoformat()} #{inspection_round.pk}"


def finding_repr(finding: RoundFinding) -> str:
    return f"{finding.code} ×{finding.count} {round_repr(finding.round)}"


def _scoring_error(exc: ValidationError) -> InspectionError:
    return InspectionError(exc.messages[0] if exc.messages else str(exc))


def person_name(user) -> str:
    """How a person is named to others: their staff name, else their login name."""
    staff = getattr(user, "staff", None) if user is not None else None
    return getattr(staff, "name", "") or (user.get_username() if user is not None else "")
