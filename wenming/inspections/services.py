"""Writes of inspections: creating and changing plans, submitting a round (its findings become
scoring records; findings of the plan's ``rectify_codes`` open a rectification item; the heads of the
department are notified), filing an appeal against a finding (its record stops counting while the
appeal is pending) and deciding it.

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

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.attachments import ATTACHMENT_TYPES, MAX_BYTES
from wenming.core.audit import audit_log, changes
from wenming.notifications.selectors import heads_of, users_with_roles
from wenming.notifications.services import notify
from wenming.org.access import access_for
from wenming.org.models import Department, Role, Staff, StaffStatus
from wenming.org.selectors import hospital_today
from wenming.rectification.models import Source
from wenming.rectification.services import item_open
from wenming.scoring.models import Record, RecordKind, RecordStatus
from wenming.scoring.selectors.common import optional_url
from wenming.scoring.services.records import (
    ensure_period_open,
    record_approve,
    record_create,
    record_repr,
    record_void,
)
from wenming.standards.definition import Deduction, StandardDef, Subject
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from .errors import InspectionError
from .models import (
    Appeal,
    AppealState,
    Frequency,
    InspectionPlan,
    InspectionRound,
    Photo,
    RoundFinding,
    RoundState,
)
from .photos import PhotoMeta, validate_and_store

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


def deduction_of(definition: StandardDef, code: str) -> Deduction | None:
    """The deduction ``code`` names in ``definition``, or None when it names something else."""
    found = definition.code_kind(code)
    if found is None or found[0] != "deduction":
        return None
    return next((d for d in found[1].deductions if d.code == code), None)


def _check_finding(entry, *, definition, standard: Standard, department: Department) -> _CheckedFinding:
    code = str(entry.get("code") or "").strip()
    if deduction_of(definition, code) is None:
        raise InspectionError(
            _("%(code)s is not a deduction of %(standard)s.") % {"code": code or "—", "standard": standard.code}
        )
    responsible = entry.get("responsible")
    if responsible is not None and (
        not isinstance(responsible, Staff) or not responsible.department.path.startswith(department.path)
    ):
        raise InspectionError(_("The responsible person must be a member of the inspected department."))
    if responsible is not None and responsible.status != StaffStatus.ACTIVE:
        raise InspectionError(
            _("%(person)s is no longer in post; choose someone who is.") % {"person": responsible.name}
        )
    photos = [p for p in entry.get("photos") or [] if p is not None]
    if len(photos) > MAX_PHOTOS_PER_FINDING:
        raise InspectionError(_("A finding may have at most %(max)d photos.") % {"max": MAX_PHOTOS_PER_FINDING})
    return _CheckedFinding(
        code=code,
        count=_count(entry.get("count", 1)),
        note=_text(entry.get("note"), MAX_NOTE),
        responsible=responsible,
        photos=[validate_and_store(photo) for photo in photos],
    )


def _check_findings(findings, *, definition, standard: Standard, department: Department) -> list[_CheckedFinding]:
    """Every finding checked (photos decoded and re-encoded). All problems are reported at once,
    keyed by the finding's code, so a page can show each beside its finding."""
    if len(findings) > MAX_FINDINGS:
        raise InspectionError(_("A round may have at most %(max)d findings.") % {"max": MAX_FINDINGS})
    checked = []
    errors: dict[str, list[str]] = {}
    for entry in findings:
        try:
            checked.append(_check_finding(entry, definition=definition, standard=standard, department=department))
        except InspectionError as exc:
            key = str(entry.get("code") or "").strip() or "__all__"
            errors.setdefault(key, []).extend(exc.messages)
    if errors:
        raise InspectionError(errors)
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
    note: str = "",
    by,
) -> InspectionRound:
    """Submit a round of ``inspector`` in ``department``: one finding record (status counts, dated
    today in the hospital's time zone) per finding. Idempotent by ``client_token``: submitting the
    same round again returns the round already stored and writes nothing.

    Each finding is a dict: ``code`` (a deduction of the standard), ``count``, ``note``,
    ``responsible`` (a Staff of the department, or None) and ``photos`` (uploaded files). Problems
    with findings are raised together as one :class:`InspectionError` keyed by code.

    A finding whose code is one of ``plan.rectify_codes`` opens a rectification item (source
    "finding", due ``plan.rectify_days`` after the round) in the same transaction; when the round
    has findings the heads of the department are notified."""
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
    if not department.is_active:
        raise InspectionError(
            _("%(department)s is no longer active and cannot be inspected.") % {"department": department.name}
        )
    if definition.applies_to is not None and department.category not in definition.applies_to:
        raise InspectionError(
            _("%(department)s is not scored by %(standard)s.")
            % {"department": department.name, "standard": standard.code}
        )
    note = _text(note, MAX_NOTE)
    checked = _check_findings(findings, definition=definition, standard=standard, department=department)
    written: list = []  # photo files stored so far, removed again if the round is not saved
    try:
        with transaction.atomic():
            return _write_round(
                client_token=client_token,
                department=department,
                inspector=inspector,
                standard=standard,
                definition=definition,
                findings=checked,
                unannounced=unannounced,
                plan=plan,
                started_at=started_at,
                note=note,
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


def person_name(user) -> str:
    """How a person is named to others: their staff name, else their login name."""
    staff = getattr(user, "staff", None) if user is not None else None
    return getattr(staff, "name", "") or (user.get_username() if user is not None else "")


def _rectification_problem(deduction: Deduction, note: str) -> str:
    return f"{deduction.name}\n{note}" if note else deduction.name


def _write_round(
    *,
    client_token,
    department,
    inspector,
    standard,
    definition,
    findings,
    unannounced,
    plan,
    started_at,
    note,
    by,
    written,
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
        note=note,
    )
    rectify_codes = set(plan.rectify_codes or []) if plan is not None else set()
    opened = []
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
        if entry.code in rectify_codes:
            item = item_open(
                department=department,
                problem=_rectification_problem(deduction_of(definition, entry.code), entry.note),
                source=Source.FINDING,
                deadline=day + timedelta(days=plan.rectify_days),
                by=by,
                responsible=entry.responsible,
                finding=record,
            )
            opened.append(item.pk)
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
            "rectification_items": opened,
        },
    )
    if findings:
        notify(
            recipients=heads_of(department),
            # Who inspected unannounced (暗访) is not disclosed to the inspected department.
            kind="inspections.round.unannounced_findings" if unannounced else "inspections.round.findings",
            params={
                "inspector": "" if unannounced else person_name(inspector),
                "count": str(len(findings)),
                "department": department.name,
                "date": day.isoformat(),
                "deadline": appeal_deadline(day).isoformat(),
            },
            url=optional_url("inspections:round_detail", inspection_round.pk) or "",
            department=department,
            exclude=by,
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


# --- Plans ------------------------------------------------------------------------------------


class PlanConflict(InspectionError):
    """The plan was changed by someone else after the form was opened; nothing was saved."""


def _plan_snapshot(plan: InspectionPlan, departments, inspectors) -> dict:
    return {
        "name": plan.name,
        "standard": plan.standard.code if plan.standard_id else "",
        "departments": sorted(d.code for d in departments),
        "inspectors": sorted(u.get_username() for u in inspectors),
        "frequency": plan.frequency,
        "active": plan.active,
        "rectify_codes": list(plan.rectify_codes or []),
        "rectify_days": plan.rectify_days,
    }


def _check_plan(
    *, by, name, standard, departments, inspectors, frequency, rectify_codes, rectify_days, kept_departments=()
) -> dict:
    """The plan's values cleaned, or an InspectionError keyed by field listing every problem."""
    if not access_for(by).can_manage_standards:
        raise InspectionError(_("Only the civility office can manage inspection plans."))
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the plan a name.")
    elif len(name) > PLAN_NAME_MAX:
        errors["name"] = _("The text may be at most %(max)d characters long.") % {"max": PLAN_NAME_MAX}
    version = None
    if not isinstance(standard, Standard) or standard.subject != Subject.DEPARTMENT:
        errors["standard"] = _("Choose a standard that scores departments.")
    else:
        version = newest_version(standard.code)
    departments = list(dict.fromkeys(departments or []))
    kept = {d.pk for d in kept_departments}
    inactive = [d.name for d in departments if not d.is_active and d.pk not in kept]
    if inactive:
        errors["departments"] = _("These departments are no longer active: %(names)s.") % {"names": ", ".join(inactive)}
    inspectors = list(dict.fromkeys(inspectors or []))
    allowed = set(users_with_roles(Role.INSPECTOR).values_list("pk", flat=True))
    others = [person_name(u) for u in inspectors if u.pk not in allowed]
    if others:
        errors["inspectors"] = _("Only active accounts with the inspector role can be inspectors: %(names)s.") % {
            "names": ", ".join(others)
        }
    if frequency not in Frequency.values:
        errors["frequency"] = _("Choose how often the departments are inspected.")
    codes = [str(code).strip() for code in rectify_codes or []]
    if version is not None:
        definition = version.definition
        if definition.applies_to is not None and "departments" not in errors:
            unscored = [d.name for d in departments if d.category not in definition.applies_to]
            if unscored:
                errors["departments"] = _("%(standard)s does not score these departments: %(names)s.") % {
                    "standard": standard.code,
                    "names": ", ".join(unscored),
                }
        unknown = [code for code in codes if deduction_of(definition, code) is None]
        if unknown:
            errors["rectify_codes"] = _("These are not deductions of %(standard)s: %(codes)s.") % {
                "standard": standard.code,
                "codes": ", ".join(unknown),
            }
        else:  # in the standard's order, each once
            wanted = set(codes)
            codes = [d.code for item in definition.walk() for d in item.deductions if d.code in wanted]
    if isinstance(rectify_days, bool) or not isinstance(rectify_days, int) or not 1 <= rectify_days <= RECTIFY_DAYS_MAX:
        errors["rectify_days"] = _("The days to rectify must be a whole number from 1 to %(max)d.") % {
            "max": RECTIFY_DAYS_MAX
        }
    if errors:
        raise InspectionError(errors)
    return {
        "name": name,
        "standard": standard,
        "departments": departments,
        "inspectors": inspectors,
        "frequency": frequency,
        "rectify_codes": codes,
        "rectify_days": rectify_days,
    }


@transaction.atomic
def plan_create(
    *,
    by,
    name: str,
    standard: Standard,
    departments,
    inspectors,
    frequency: str = Frequency.WEEKLY,
    active: bool = True,
    rectify_codes=(),
    rectify_days: int = 7,
) -> InspectionPlan:
    """A new inspection plan (文明办, system admin). Departments must be active, inspectors hold the
    inspector role, ``rectify_codes`` are deductions of the standard's newest version."""
    values = _check_plan(
        by=by,
        name=name,
        standard=standard,
        departments=departments,
        inspectors=inspectors,
        frequency=frequency,
        rectify_codes=rectify_codes,
        rectify_days=rectify_days,
    )
    plan = InspectionPlan.objects.create(
        name=values["name"],
        standard=values["standard"],
        frequency=values["frequency"],
        active=bool(active),
        rectify_codes=values["rectify_codes"],
        rectify_days=values["rectify_days"],
        created_by=by if getattr(by, "pk", None) else None,
    )
    plan.departments.set(values["departments"])
    plan.inspectors.set(values["inspectors"])
    audit_log(
        actor=by,
        action="inspections.plan.created",
        target=plan,
        target_repr=plan.name,
        data=_plan_snapshot(plan, values["departments"], values["inspectors"]),
    )
    return plan


@transaction.atomic
def plan_update(
    *,
    by,
    plan: InspectionPlan,
    expected_version: int,
    name: str,
    standard: Standard,
    departments,
    inspectors,
    frequency: str,
    active: bool,
    rectify_codes=(),
    rectify_days: int = 7,
) -> InspectionPlan:
    """Change a plan. Refused with :class:`PlanConflict` when it was saved by someone else since
    ``expected_version``; a save that changes nothing writes nothing. Departments that became
    inactive may stay in the plan (they are simply not due); new ones must be active."""
    current = InspectionPlan.objects.select_for_update(of=("self",)).select_related("standard").get(pk=plan.pk)
    if current.version != expected_version:
        raise PlanConflict(
            _("This plan was changed by someone else after you opened it, so nothing was saved."), code="conflict"
        )
    old_departments = list(current.departments.all())
    old_inspectors = list(current.inspectors.all())
    values = _check_plan(
        by=by,
        name=name,
        standard=standard,
        departments=departments,
        inspectors=inspectors,
        frequency=frequency,
        rectify_codes=rectify_codes,
        rectify_days=rectify_days,
        kept_departments=old_departments,
    )
    before = _plan_snapshot(current, old_departments, old_inspectors)
    current.name = values["name"]
    current.standard = values["standard"]
    current.frequency = values["frequency"]
    current.active = bool(active)
    current.rectify_codes = values["rectify_codes"]
    current.rectify_days = values["rectify_days"]
    after = _plan_snapshot(current, values["departments"], values["inspectors"])
    changed = changes(before, after)
    if not changed:
        return current
    current.version += 1
    current.save()
    current.departments.set(values["departments"])
    current.inspectors.set(values["inspectors"])
    audit_log(actor=by, action="inspections.plan.changed", target=current, target_repr=current.name, data=changed)
    return current
