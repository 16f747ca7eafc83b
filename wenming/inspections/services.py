"""Writes of inspections: submitting a round (its findings become scoring records), filing an
appeal against a finding (its record stops counting while the appeal is pending) and deciding it.

Every service is keyword-only, runs in ``transaction.atomic``, writes an audit entry and raises
:class:`InspectionError` (a ValidationError with a translated message) for anything a person can fix.
Scoring records are written only through ``wenming.scoring.services.records``, which refuses
finalized periods.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.attachments import ATTACHMENT_TYPES, MAX_BYTES
from wenming.core.audit import audit_log
from wenming.org.access import access_for
from wenming.org.models import Department, Role, Staff
from wenming.org.selectors import hospital_today
from wenming.scoring.models import Record, RecordKind, RecordStatus
from wenming.scoring.services.records import (
    ensure_period_open,
    record_approve,
    record_create,
    record_repr,
    record_void,
)
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from .errors import InspectionError
from .models import Appeal, AppealState, InspectionPlan, InspectionRound, Photo, RoundFinding, RoundState
from .photos import PhotoMeta, validate_and_store

APPEAL_WORKING_DAYS = 3  # Mon–Fri after the round's date
MAX_NOTE = 2000
MAX_REASON = 2000
MAX_COUNT = 100_000
MAX_FINDINGS = 200
MAX_PHOTOS_PER_FINDING = 10
TOKEN_MAX = 64


# --- Helpers ----------------------------------------------------------------------------------


def appeal_deadline(day: date) -> date:
    """The last day an appeal against a round held on ``day`` may be filed: ``day`` plus
    APPEAL_WORKING_DAYS working days (Monday to Friday)."""
    left = APPEAL_WORKING_DAYS
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


# --- Submitting a round -----------------------------------------------------------------------


@dataclass
class _CheckedFinding:
    code: str
    count: int
    note: str
    responsible: Staff | None
    photos: list[tuple[bytes, bytes, PhotoMeta]] = field(default_factory=list)


def _existing_round(client_token: str, by) -> InspectionRound | None:
    existing = InspectionRound.objects.select_related("department").filter(client_token=client_token).first()
    if existing is not None and existing.inspector_id != getattr(by, "pk", None):
        raise InspectionError(_("This round was submitted by someone else."))
    return existing


def _check_findings(findings, *, definition, standard: Standard, department: Department) -> list[_CheckedFinding]:
    if len(findings) > MAX_FINDINGS:
        raise InspectionError(_("A round may have at most %(max)d findings.") % {"max": MAX_FINDINGS})
    checked = []
    for entry in findings:
        code = str(entry.get("code") or "").strip()
        found = definition.code_kind(code)
        if found is None or found[0] != "deduction":
            raise InspectionError(
                _("%(code)s is not a deduction of %(standard)s.") % {"code": code or "—", "standard": standard.code}
            )
        responsible = entry.get("responsible")
        if responsible is not None and (
            not isinstance(responsible, Staff) or not responsible.department.path.startswith(department.path)
        ):
            raise InspectionError(_("The responsible person must be a member of the inspected department."))
        photos = [p for p in entry.get("photos") or [] if p is not None]
        if len(photos) > MAX_PHOTOS_PER_FINDING:
            raise InspectionError(_("A finding may have at most %(max)d photos.") % {"max": MAX_PHOTOS_PER_FINDING})
        checked.append(
            _CheckedFinding(
                code=code,
                count=_count(entry.get("count", 1)),
                note=_text(entry.get("note"), MAX_NOTE),
                responsible=responsible,
                photos=[validate_and_store(photo) for photo in photos],
            )
        )
    return checked


def _save_photo(finding: RoundFinding, stored: tuple[bytes, bytes, PhotoMeta], by, written: list) -> Photo:
    image, thumbnail, meta = stored
    name = uuid.uuid4().hex
    photo = Photo(
        finding=finding,
        width=meta.width,
        height=meta.height,
        size=meta.size,
        content_type=meta.content_type,
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    photo.image.save(f"{name}.{meta.extension}", ContentFile(image), save=False)
    written.append(photo.image)
    photo.thumbnail.save(f"{name}.jpg", ContentFile(thumbnail), save=False)
    written.append(photo.thumbnail)
    photo.save()
    return photo


def round_submit(
    *,
    client_token: str,
    department: Department,
    inspector,
    standard: Standard,
    findings: list[dict],
    unannounced: bool = False,
    plan: InspectionPlan | None = None,
    started_at: datetime | None = None,
    by,
) -> InspectionRound:
    """Submit a round of ``inspector`` in ``department``: one finding record (status counts, dated
    today in the hospital's time zone) per finding. Idempotent by ``client_token``: submitting the
    same round again returns the round already stored and writes nothing."""
    client_token = (client_token or "").strip()
    if not client_token or len(client_token) > TOKEN_MAX:
        raise InspectionError(_("The round has no valid identifier; start the round again."))
    existing = _existing_round(client_token, by)
    if existing is not None:
        return existing
    if not _is_inspector(by) or getattr(by, "pk", None) != getattr(inspector, "pk", None):
        raise InspectionError(_("Only inspectors can submit their own inspection rounds."))
    version = newest_version(standard.code)
    if version is None:  # pragma: no cover - a Standard row always has a version
        raise InspectionError(_("Unknown standard %(standard)s") % {"standard": standard.code})
    definition = version.definition
    if plan is not None:
        if not plan.active or plan.standard_id != standard.pk:
            raise InspectionError(
                _("This inspection plan is not active for %(standard)s.") % {"standard": standard.code}
            )
        if not plan.departments.filter(pk=department.pk).exists():
            raise InspectionError(
                _("%(department)s is not inspected under this plan.") % {"department": department.name}
            )
    if not department.is_active or (
        definition.applies_to is not None and department.category not in definition.applies_to
    ):
        raise InspectionError(
            _("%(department)s is not scored by %(standard)s.")
            % {"department": department.name, "standard": standard.code}
        )
    checked = _check_findings(findings, definition=definition, standard=standard, department=department)
    written: list = []  # photo files stored so far, removed again if the round is not saved
    try:
        with transaction.atomic():
            return _write_round(
                client_token=client_token,
                department=department,
                inspector=inspector,
                standard=standard,
                findings=checked,
                unannounced=unannounced,
                plan=plan,
                started_at=started_at,
                by=by,
                written=written,
            )
    except BaseException as exc:
        for stored_file in written:
            stored_file.storage.delete(stored_file.name)
        if isinstance(exc, IntegrityError):
            # Submitted twice at the same moment: the other request stored the round.
            existing = _existing_round(client_token, by)
            if existing is not None:
                return existing
        elif isinstance(exc, ValidationError) and not isinstance(exc, InspectionError):
            raise _scoring_error(exc) from exc
        raise


def _write_round(
    *, client_token, department, inspector, standard, findings, unannounced, plan, started_at, by, written
):
    now = timezone.now()
    day = hospital_today()
    inspection_round = InspectionRound.objects.create(
        plan=plan,
        standard=standard,
        department=department,
        inspector=inspector,
        unannounced=bool(unannounced),
        date=day,
        started_at=started_at,
        submitted_at=now,
        state=RoundState.SUBMITTED,
        client_token=client_token,
    )
    for entry in findings:
        record = record_create(
            standard=standard,
            kind=RecordKind.FINDING,
            subject=department,
            code=entry.code,
            date=day,
            count=entry.count,
            note=entry.note,
            by=inspector,
            status=RecordStatus.COUNTS,
        )
        finding = RoundFinding.objects.create(
            round=inspection_round,
            code=entry.code,
            count=entry.count,
            note=entry.note,
            responsible=entry.responsible,
            record=record,
        )
        for stored in entry.photos:
            _save_photo(finding, stored, by, written)
    audit_log(
        actor=by,
        action="inspections.round.submitted",
        target=inspection_round,
        target_repr=round_repr(inspection_round),
        department=department,
        data={
            "standard": standard.code,
            "unannounced": bool(unannounced),
            "findings": [f"{f.code}×{f.count}" for f in findings],
            "photos": sum(len(f.photos) for f in findings),
        },
    )
    return inspection_round


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
    if (evidence.size or 0) > MAX_BYTES:
        raise InspectionError(
            _("%(name)s is larger than %(max)d MB.") % {"name": name, "max": MAX_BYTES // (1024 * 1024)}
        )


@transaction.atomic
def appeal_file(*, finding: RoundFinding, by, reason: str, evidence=None, today: date | None = None) -> Appeal:
    """The head of the finding's department disputes it, within APPEAL_WORKING_DAYS working days
    of the round. While the appeal is pending the finding's record does not count."""
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
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, by, uphold: bool, note: str = "") -> Appeal:
    """Leadership or the office decide an appeal: upheld, the finding counts again; otherwise its
    record is voided with ``note`` as the reason."""
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
    return current
