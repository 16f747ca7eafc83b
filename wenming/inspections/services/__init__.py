"""Writes of inspections: creating and changing plans, submitting a round (its findings become
scoring records; findings of the plan's ``rectify_codes`` open a rectification item; the heads of the
department are notified), filing an appeal against a finding (its record stops counting while the
appeal is pending) and deciding it.

Every service is keyword-only, runs in ``transaction.atomic``, writes an audit entry and raises
:class:`InspectionError` (a ValidationError with a translated message) for anything a person can fix.
Scoring records are written only through ``wenming.scoring.services.records``, which refuses
finalized periods.

The package: ``rounds`` (submitting a round), ``appeals`` (filing and deciding them), ``plans``
(creating and changing plans) and ``common`` (limits, checks and names they share).
"""

from __future__ import annotations

from .appeals import appeal_decide, appeal_file, record_hold_for_appeal
from .common import (
    MAX_COUNT,
    MAX_FINDINGS,
    MAX_NOTE,
    MAX_PHOTOS_PER_FINDING,
    MAX_REASON,
    PLAN_NAME_MAX,
    RECTIFY_DAYS_MAX,
    TOKEN_MAX,
    InspectionError,
    appeal_deadline,
    finding_repr,
    person_name,
    round_repr,
)
from .plans import PlanConflict, plan_create, plan_update
from .rounds import deduction_of, round_submit

__all__ = [
    "MAX_COUNT",
    "MAX_FINDINGS",
    "MAX_NOTE",
    "MAX_PHOTOS_PER_FINDING",
    "MAX_REASON",
    "PLAN_NAME_MAX",
    "RECTIFY_DAYS_MAX",
    "TOKEN_MAX",
    "InspectionError",
    "PlanConflict",
    "appeal_deadline",
    "appeal_decide",
    "appeal_file",
    "deduction_of",
    "finding_repr",
    "person_name",
    "plan_create",
    "plan_update",
    "record_hold_for_appeal",
    "round_repr",
    "round_submit",
]
