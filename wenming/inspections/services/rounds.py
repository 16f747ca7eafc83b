"""Submitting a round from a phone: idempotent by ``client_token``; each finding becomes a scoring
record, the plan's ``rectify_codes`` open ledger items, the department's heads are notified."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.notifications.selectors import heads_of
from wenming.notifications.services import notify
from wenming.org.models import Department, Staff, StaffStatus
from wenming.org.selectors import hospital_today
from wenming.rectification.models import Source
from wenming.rectification.services import item_open
from wenming.scoring.models import RecordKind, RecordStatus
from wenming.scoring.selectors.common import optional_url
from wenming.scoring.services.records import (
    record_create,
)
from wenming.standards.definition import Deduction, StandardDef
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from ..errors import InspectionError
from ..models import (
    InspectionPlan,
    InspectionRound,
    Photo,
    RoundFinding,
    RoundState,
)
from ..photos import PhotoMeta, validate_and_store
from .common import (
    MAX_FINDINGS,
    MAX_NOTE,
    MAX_PHOTOS_PER_FINDING,
    TOKEN_MAX,
    _count,
    _is_inspector,
    _scoring_error,
    _text,
    appeal_deadline,
    person_name,
    round_repr,
)

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
