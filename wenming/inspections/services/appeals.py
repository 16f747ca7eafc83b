"""Appeals (申诉): the head of the department disputes a finding within the appeal window; its record
is held as pending until the leadership group or the office keep or void it."""

from __future__ import annotations

import os
import uuid
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.attachments import ATTACHMENT_TYPES, MAX_BYTES
from wenming.core.audit import audit_log
from wenming.notifications.selectors import heads_of, users_with_roles
from wenming.notifications.services import notify
from wenming.org.access import access_for
from wenming.org.models import Role
from wenming.org.selectors import hospital_today
from wenming.scoring.models import Record, RecordStatus
from wenming.scoring.selectors.common import optional_url
from wenming.scoring.services.records import (
    ensure_period_open,
    record_approve,
    record_repr,
    record_void,
)

from ..errors import InspectionError
from ..models import (
    Appeal,
    AppealState,
    RoundFinding,
)
from .common import (
    MAX_REASON,
    _decides_appeals,
    _scoring_error,
    _text,
    appeal_deadline,
    finding_repr,
)

# --- Appeals ----------------------------------------------------------------------------------


@transaction.atomic
def record_hold_for_appeal(*, record: Record, by) -> Record:
    """counts → pending while an appeal against the record's finding is open. Scoring has no
    service for this move (only pending → counts and → voided), so it lives here: the record row
    is locked, finalized periods are refused with scoring's own check, and the move is audited."""
    current = Record.objects.select_for_update(of=("self",)).select_related("standard", "department").get(pk=record.pk)
    ensure_period_open(standard=current.standard, day=current.date)
    if current.status != RecordStatus.COUNTS:
        raise InspectionError(_("Only a finding that counts can be appealed; this one is %(status)s.")
                              % {"status": current.get_status_display()})  # fmt: skip
    current.status = RecordStatus.PENDING
    current.version += 1
    current.save(update_fields=["status", "version", "updated_at"])
    audit_log(
        actor=by,
        action="inspections.record.held",
        target=current,
        target_repr=record_repr(current),
        department=current.department,
        data={"status": [RecordStatus.COUNTS.value, RecordStatus.PENDING.value]},
    )
    return current


def _check_evidence(evidence) -> None:
    if evidence is None:
        return
    name = os.path.basename(evidence.name or "")
    if os.path.splitext(name)[1].lower() not in ATTACHMENT_TYPES:
        raise InspectionError(_("%(name)s: only images, PDF and Office documents can be attached.") % {"name": name})
    if not evidence.size:
        raise InspectionError(_("%(name)s is empty.") % {"name": name})
    if (evidence.size or 0) > MAX_BYTES:
        raise InspectionError(
            _("%(name)s is larger than %(max)d MB.") % {"name": name, "max": MAX_BYTES // (1024 * 1024)}
        )


@transaction.atomic
def appeal_file(*, finding: RoundFinding, by, reason: str, evidence=None, today: date | None = None) -> Appeal:
    """The head of the finding's department disputes it, within ``WENMING_APPEAL_WORKING_DAYS`` working days
    of the round. While the appeal is pending the finding's record does not count. The civility
    office and the leadership group are notified (a link to the decision page)."""
    today = today or hospital_today()
    current = (
        RoundFinding.objects.select_for_update(of=("self",))
        .select_related("round", "round__department", "record")
        .get(pk=finding.pk)
    )
    department = current.round.department
    if not access_for(by).heads_department(department):
        raise InspectionError(
            _("Only the head of %(department)s can appeal this finding.") % {"department": department.name}
        )
    deadline = appeal_deadline(current.round.date)
    if today > deadline:
        raise InspectionError(
            _("Appeals against this finding were possible until %(deadline)s.")
            % {"deadline": f"{deadline.year}年{deadline.month}月{deadline.day}日"}
        )
    if current.appeals.exists():
        raise InspectionError(_("This finding has already been appealed."))
    reason = _text(reason, MAX_REASON)
    if not reason:
        raise InspectionError(_("Give the reason for your appeal."))
    _check_evidence(evidence)
    if current.record_id is not None:
        try:
            record_hold_for_appeal(record=current.record, by=by)
        except InspectionError:
            raise
        except ValidationError as exc:
            raise _scoring_error(exc) from exc
    appeal = Appeal(finding=current, reason=reason, appealed_by=by)
    if evidence is not None:
        extension = os.path.splitext(evidence.name)[1].lower()
        appeal.evidence.save(f"{uuid.uuid4().hex}{extension}", evidence, save=False)
    appeal.save()
    audit_log(
        actor=by,
        action="inspections.appeal.filed",
        target=appeal,
        target_repr=finding_repr(current),
        department=department,
        data={"reason": reason, "evidence": bool(evidence)},
    )
    notify(
        recipients=users_with_roles(Role.OFFICE, Role.LEADERSHIP),
        kind="inspections.appeal.filed",
        params={"department": department.name, "finding": f"{current.code} ×{current.count}", "reason": reason[:80]},
        url=optional_url("inspections:appeal_decide", appeal.pk) or "",
        department=department,
        exclude=by,
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, by, uphold: bool, note: str = "") -> Appeal:
    """Leadership or the office decide an appeal: upheld, the finding counts again; otherwise its
    record is voided with ``note`` as the reason. The appellant and the department's heads are
    notified (a link to the round)."""
    if not _decides_appeals(by):
        raise InspectionError(_("Only the leadership group or the civility office can decide appeals."))
    current = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("finding", "finding__round", "finding__round__department", "finding__record")
        .get(pk=appeal.pk)
    )
    if current.state != AppealState.PENDING:
        raise InspectionError(_("This appeal has already been decided."))
    note = _text(note, MAX_REASON)
    if not uphold and not note:
        raise InspectionError(_("Give the reason for voiding this finding."))
    record = current.finding.record
    try:
        if record is not None and uphold:
            record_approve(record=record, by=by)
        elif record is not None:
            record_void(record=record, by=by, reason=note)
    except ValidationError as exc:
        raise _scoring_error(exc) from exc
    current.state = AppealState.UPHELD if uphold else AppealState.VOIDED
    current.decided_by = by
    current.decided_at = timezone.now()
    current.decision_note = note
    current.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit_log(
        actor=by,
        action="inspections.appeal.decided",
        target=current,
        target_repr=finding_repr(current.finding),
        department=current.finding.round.department,
        data={"state": [AppealState.PENDING.value, current.state], "note": note},
    )
    finding = current.finding
    notify(
        recipients=[current.appealed_by, *heads_of(finding.round.department)],
        kind="inspections.appeal.upheld" if uphold else "inspections.appeal.voided",
        params={"finding": f"{finding.code} ×{finding.count}"},
        url=optional_url("inspections:round_detail", finding.round_id) or "",
        department=finding.round.department,
        exclude=by,
    )
    return current
