"""日常记实: the daily records of a person's conduct, approved department → hospital.

A department's head (or the office) enters a record about one of their people: praise, criticism,
a violation, a refused red envelope, an award. Entered by the department it waits for the
department's approval (a head of that department), then for the hospital's (the office); entered
by the office it waits only for the hospital's. Either step may return it (退回) with a reason; the
department corrects it and submits it again. Once the hospital approves, a record that names a
deduction, bonus or veto of the cycle's standard becomes a scoring record that counts (the spec's
"records that count"); the office may later return an approved record, which voids that record.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.attachments import check_attachments, store_attachments
from wenming.core.audit import audit_log
from wenming.notifications.services import notify
from wenming.org.access import access_for
from wenming.org.models import Staff
from wenming.scoring.models import RecordKind
from wenming.scoring.services.periods import ScoringError
from wenming.scoring.services.records import record_create, record_void

from ..models import CycleState, DailyEvidence, DailyKind, DailyRecord, DailyState, EthicsCycle
from .common import EvaluationError, check_version, definition_of, locked, may_manage, text

# Which scoring record a code of each kind of the standard makes.
RECORD_KIND = {"deduction": RecordKind.FINDING, "bonus": RecordKind.BONUS, "veto": RecordKind.VETO}
# Daily records are kept until the committee has decided; after that the year is closed.
OPEN_STATES = (CycleState.OPEN, CycleState.SELF, CycleState.DEPARTMENT, CycleState.HOSPITAL)


def _closed(cycle: EthicsCycle) -> EvaluationError:
    return EvaluationError(
        _("The %(year)d evaluation has been decided; daily records are closed.") % {"year": cycle.year}
    )


def may_enter_for(access, staff: Staff) -> bool:
    """Enter a record about this person: the office, or a head of their department now."""
    return may_manage(access) or access.heads_department(staff.department)


def may_handle(access, record: DailyRecord) -> bool:
    """Approve, return or correct this record at the department's step: the office, or a head of the
    department it was entered for (the one whose list shows it, even if the person moved since)."""
    return may_manage(access) or access.heads_department(record.department)


def _check_fields(cycle: EthicsCycle, *, day: date | None, code: str, count, description: str) -> tuple:
    errors = {}
    if day is None:
        errors["date"] = _("Enter the date.")
    elif day.year != cycle.year:
        errors["date"] = _("The date must be in %(year)d.") % {"year": cycle.year}
    code = (code or "").strip()
    if code:
        found = definition_of(cycle).code_kind(code)
        if found is None or found[0] not in RECORD_KIND:
            errors["code"] = _("%(code)s is not a deduction, bonus or veto of %(standard)s.") % {
                "code": code,
                "standard": cycle.standard.code,
            }
    try:
        count = int(count or 1)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= 100:
        errors["count"] = _("The count is a whole number from 1 to 100.")
    try:
        description = text(description)
    except EvaluationError as error:
        errors["description"] = error.messages[0]
    else:
        if not description:
            errors["description"] = _("Describe what happened.")
    if errors:
        raise EvaluationError(errors)
    return code, count, description


@transaction.atomic
def daily_record_create(
    *,
    by,
    cycle: EthicsCycle,
    staff: Staff,
    kind: str,
    day: date | None,
    description: str,
    code: str = "",
    count: int = 1,
    evidence: Iterable[UploadedFile] = (),
) -> DailyRecord:
    cycle = locked(cycle)
    if cycle.state not in OPEN_STATES:
        raise _closed(cycle)
    access = access_for(by)
    if not may_enter_for(access, staff):
        raise EvaluationError(_("You may enter records only about the people of your own departments."))
    if kind not in DailyKind.values:
        raise EvaluationError({"kind": _("Choose the kind of record.")})
    code, count, description = _check_fields(cycle, day=day, code=code, count=count, description=description)
    files = check_attachments(evidence, error=EvaluationError)
    by_office = may_manage(access)
    record = DailyRecord.objects.create(
        cycle=cycle,
        staff=staff,
        department_id=staff.department_id,
        kind=kind,
        date=day,
        code=code,
        count=count,
        description=description,
        entered_by=by,
        state=DailyState.DEPARTMENT_APPROVED if by_office else DailyState.SUBMITTED,
    )
    stored = store_attachments(files, make=lambda **kw: DailyEvidence(daily_record=record, **kw), by=by)
    audit_log(
        actor=by,
        action="evaluations.daily.created",
        target=record,
        target_repr=str(record),
        data={"kind": kind, "code": code, "count": count, "state": record.state, "evidence": [e.name for e in stored]},
    )
    return record


@transaction.atomic
def daily_record_resubmit(
    *, by, record: DailyRecord, kind: str, day: date | None, description: str, code: str = "", count: int = 1,
    expected_version: int | None = None,
) -> DailyRecord:  # fmt: skip
    """Correct a returned record and submit it again (to the department, or the hospital if the office)."""
    current = locked(record)
    check_version(current, expected_version)
    if current.state != DailyState.RETURNED:
        raise EvaluationError(_("Only a returned record can be corrected and submitted again."))
    cycle = EthicsCycle.objects.get(pk=current.cycle_id)
    if cycle.state not in OPEN_STATES:
        raise _closed(cycle)
    access = access_for(by)
    if not may_handle(access, current):
        raise EvaluationError(_("You may enter records only about the people of your own departments."))
    if kind not in DailyKind.values:
        raise EvaluationError({"kind": _("Choose the kind of record.")})
    code, count, description = _check_fields(cycle, day=day, code=code, count=count, description=description)
    current.kind, current.date, current.code, current.count, current.description = kind, day, code, count, description
    current.state = DailyState.DEPARTMENT_APPROVED if may_manage(access) else DailyState.SUBMITTED
    current.version += 1
    current.save()
    audit_log(
        actor=by,
        action="evaluations.daily.resubmitted",
        target=current,
        target_repr=str(current),
        data={"state": [DailyState.RETURNED.value, current.state]},
    )
    return current


def _counting_record(record: DailyRecord, cycle: EthicsCycle, by):
    if not record.code:
        return None
    what, _item = definition_of(cycle).code_kind(record.code)
    try:
        return record_create(
            standard=cycle.standard,
            kind=RECORD_KIND[what],
            subject=record.staff,
            code=record.code,
            date=record.date,
            count=record.count,
            note=record.description,
            by=by,
        )
    except ScoringError as error:
        raise EvaluationError(error.messages) from error


@transaction.atomic
def daily_record_approve(*, by, record: DailyRecord, expected_version: int | None = None) -> DailyRecord:
    """submitted → department_approved (a head of the department, or the office);
    department_approved → approved (the office), which makes the counting scoring record."""
    current = locked(record)
    check_version(current, expected_version)
    cycle = locked(EthicsCycle.objects.get(pk=current.cycle_id))
    if cycle.state not in OPEN_STATES:
        raise _closed(cycle)
    access = access_for(by)
    before = current.state
    now = timezone.now()
    if current.state == DailyState.SUBMITTED:
        if not may_handle(access, current):
            raise EvaluationError(_("A head of the person's department approves this record first."))
        current.state, current.department_by, current.department_at = DailyState.DEPARTMENT_APPROVED, by, now
    elif current.state == DailyState.DEPARTMENT_APPROVED:
        if not may_manage(access):
            raise EvaluationError(_("The civility office approves this record for the hospital."))
        current.state, current.hospital_by, current.hospital_at = DailyState.APPROVED, by, now
        current.record = _counting_record(current, cycle, by)
    else:
        raise EvaluationError(
            _("This record is %(state)s and cannot be approved.") % {"state": current.get_state_display()}
        )
    current.return_reason = ""
    current.version += 1
    current.save()
    audit_log(
        actor=by,
        action="evaluations.daily.approved",
        target=current,
        target_repr=str(current),
        data={"state": [before, current.state], "record": current.record_id},
    )
    return current


@transaction.atomic
def daily_record_return(*, by, record: DailyRecord, reason: str, expected_version: int | None = None) -> DailyRecord:
    """退回 with a reason: a submitted record by its department's head or the office; a record at the
    hospital step or already approved by the office (an approved record's scoring record is voided)."""
    reason = text(reason)
    if not reason:
        raise EvaluationError({"reason": _("Give the reason for returning this record.")})
    current = locked(record)
    check_version(current, expected_version)
    # Once the committee has decided the year is closed: a record it relied on stays as it was.
    cycle = locked(EthicsCycle.objects.get(pk=current.cycle_id))
    if cycle.state not in OPEN_STATES:
        raise _closed(cycle)
    access = access_for(by)
    if current.state == DailyState.SUBMITTED:
        allowed = may_handle(access, current)
    elif current.state in (DailyState.DEPARTMENT_APPROVED, DailyState.APPROVED):
        allowed = may_manage(access)
    else:
        raise EvaluationError(_("This record has already been returned."))
    if not allowed:
        raise EvaluationError(_("You may not return this record."))
    before = current.state
    if current.record_id is not None:
        try:
            record_void(record=current.record, by=by, reason=reason)
        except ScoringError as error:
            raise EvaluationError(error.messages) from error
        current.record = None
    current.state, current.return_reason = DailyState.RETURNED, reason
    current.version += 1
    current.save()
    audit_log(
        actor=by,
        action="evaluations.daily.returned",
        target=current,
        target_repr=str(current),
        data={"state": [before, current.state], "reason": reason},
    )
    if current.entered_by_id:
        notify(
            recipients=[current.entered_by],
            kind="evaluations.daily.returned",
            params={"person": current.staff.name, "reason": reason},
            url=f"/evaluations/{current.cycle.year}/records/{current.pk}/",
            exclude=by,
        )
    return current
