"""Writes of scoring records: entry, the manual score grid, approval, voiding, evidence, corrections.

Every service is keyword-only, runs in ``transaction.atomic``, writes an audit entry and raises
:class:`ScoringError` (a ValidationError with a translated message) for anything a person can fix.

Finality (shared/spec/scoring.md §3): once a period of a standard is finalized, records dated in
it (or, for manual values, keyed to it) can no longer be created, changed, approved, voided or
given evidence. :func:`ensure_period_open` is the one check every write uses; it locks the
period's row, so a write and a finalization of the same period cannot interleave. A correction
(更正) is a new record about a finalized period; it changes no stored result.

States: a record is ``pending`` (awaiting approval), ``counts`` or ``voided``. The only moves are
pending → counts (approve), pending → voided and counts → voided (void, with a reason); they are
checked on the row locked with ``select_for_update``, so two people cannot both decide one record.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wenming.core.audit import audit_log
from wenming.org.models import Department, Staff, StaffStatus
from wenming.org.selectors import current_hospital
from wenming.standards.definition import Cycle, Rule, StandardDef, Subject
from wenming.standards.models import Standard, StandardVersion
from wenming.standards.selectors import newest_version

from ..aggregation import subjects_in_scope
from ..engine import format_points
from ..models import Evidence, Record, RecordKind, RecordStatus, ScoringPeriod
from ..periods import local_date, parse_period, period_label, period_of
from .periods import ScoringError

# --- Limits and kinds -------------------------------------------------------------------------

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # each file
EVIDENCE_MAX_FILES = 20  # in one upload
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
}
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    # WPS Office, common in Chinese hospitals.
    ".wps": "application/octet-stream",
    ".et": "application/octet-stream",
    ".dps": "application/octet-stream",
}
EVIDENCE_TYPES = {**IMAGE_TYPES, **DOCUMENT_TYPES}
MAX_COUNT = 100_000  # as import_records: far above any real count
MAX_NOTE = 2000
MAX_REASON = 2000

# Which kind of standard code each record kind takes (StandardDef.code_kind's first element).
CODE_KIND = {RecordKind.FINDING: "deduction", RecordKind.BONUS: "bonus", RecordKind.VETO: "veto"}
DATED_KINDS = (RecordKind.FINDING, RecordKind.BONUS, RecordKind.VETO, RecordKind.CORRECTION)
ENTRY_KINDS = (RecordKind.FINDING, RecordKind.BONUS, RecordKind.VETO, RecordKind.MANUAL)
CENT = Decimal("0.01")


class RecordConflict(ScoringError):
    """The record was changed by someone else after the form was shown."""


class ManualScoresInvalid(ScoringError):
    """Some cells of the manual score grid are not acceptable; ``cells`` maps (subject pk, item
    code) to the message for that cell. Nothing was saved."""

    def __init__(self, cells: dict[tuple[int, str], str]):
        super().__init__(list(cells.values()), code="invalid")
        self.cells = cells


class ManualScoresConflict(ScoringError):
    """Some cells changed after the grid was shown; ``cells`` lists them. Nothing was saved."""

    def __init__(self, cells: list[tuple[int, str]]):
        super().__init__(
            ngettext(
                "%(count)d of your scores on this page was changed elsewhere after you opened it, so nothing "
                "was saved. The value now stored is shown under that cell; what you typed is still in the grid. "
                "Save again to replace the stored value with yours.",
                "%(count)d of your scores on this page were changed elsewhere after you opened it, so nothing "
                "was saved. The values now stored are shown under those cells; what you typed is still in the "
                "grid. Save again to replace the stored values with yours.",
                len(cells),
            )
            % {"count": len(cells)},
            code="conflict",
        )
        self.cells = cells


# --- Reading a standard's codes ---------------------------------------------------------------


@dataclass(frozen=True)
class CodeInfo:
    """What a code of a standard names: a deduction, bonus or veto (inside ``item``) or an item."""

    code: str
    name: str
    kind: str  # "deduction" | "bonus" | "veto" | "item"
    item_code: str
    item_name: str
    points: Decimal | None
    rule: str | None = None

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


def code_catalogue(definition: StandardDef) -> dict[str, CodeInfo]:
    """Every code of a standard (items, deductions, bonuses, vetoes) with its name and points."""
    index: dict[str, CodeInfo] = {}
    for item in definition.walk():
        rule = item.rule.value if item.rule else None
        index[item.code] = CodeInfo(item.code, item.name, "item", item.code, item.name, item.points, rule)
        for d in item.deductions:
            index[d.code] = CodeInfo(d.code, d.name, "deduction", item.code, item.name, d.points, rule)
        for b in item.bonuses:
            index[b.code] = CodeInfo(b.code, b.name, "bonus", item.code, item.name, b.points, rule)
        for v in item.vetoes:
            index[v.code] = CodeInfo(v.code, v.name, "veto", item.code, item.name, None, rule)
    return index


# --- Shared checks ----------------------------------------------------------------------------


def today() -> date:
    """Today's date in the hospital's time zone."""
    return local_date(timezone.now(), current_hospital().time_zone)


def _version(standard: Standard) -> StandardVersion:
    version = newest_version(standard.code)
    if version is None:  # pragma: no cover - a Standard row always has a version
        raise ScoringError(_("Unknown standard %(standard)s") % {"standard": standard.code})
    return version


def _period_key(standard: Standard, key: str) -> str:
    try:
        return parse_period(key, Cycle(standard.cycle)).key
    except (ValueError, TypeError) as exc:
        raise ScoringError(str(exc)) from exc


def finalized_period(
    *, standard: Standard, day: date | None = None, period_key: str = "", lock: bool = False
) -> ScoringPeriod | None:
    """The finalized period of ``standard`` that holds the date ``day`` (``start <= day < end``)
    or has the key ``period_key`` (a manual value's key is the standard's own cycle); None when
    that period is not finalized. ``lock`` locks the period's row (inside a transaction), so that
    it cannot be finalized until the caller's transaction ends."""
    periods = ScoringPeriod.objects.filter(standard=standard)
    periods = periods.filter(start__lte=day, end__gt=day) if day is not None else periods.filter(key=period_key)
    if lock:
        periods = periods.select_for_update()
    return next((p for p in periods.order_by("start") if p.is_finalized), None)


def ensure_period_open(*, standard: Standard, day: date | None = None, period_key: str = "") -> None:
    """Refuse a write into a finalized period (see :func:`finalized_period`); locks the period."""
    period = finalized_period(standard=standard, day=day, period_key=period_key, lock=True)
    if period is not None:
        raise ScoringError(
            _(
                "%(period)s of %(standard)s has been finalized, so its records can no longer be changed. "
                "Enter a correction instead."
            )
            % {"period": period_label(period.key), "standard": standard.code}
        )


def _ensure_record_open(record: Record) -> None:
    if record.kind == RecordKind.MANUAL:
        ensure_period_open(standard=record.standard, period_key=record.period_key)
    else:
        ensure_period_open(standard=record.standard, day=record.date)


def subject_label(subject) -> str:
    """ "心血管内科（D01）" for a department, "郑爽（E0102）" for a staff member."""
    if isinstance(subject, Department):
        return f"{subject.name}（{subject.code}）"
    return str(subject)


def _subject_fields(definition: StandardDef, subject, standard: Standard) -> dict:
    """{"department": …} or {"staff": …} for a subject in the standard's scope; ScoringError otherwise."""
    if definition.subject == Subject.DEPARTMENT:
        if not isinstance(subject, Department):
            raise ScoringError(_("%(standard)s scores departments; choose a department.") % {"standard": standard.code})
        if not subject.is_active or (
            definition.applies_to is not None and subject.category not in definition.applies_to
        ):
            raise ScoringError(
                _("%(subject)s is not scored by %(standard)s.")
                % {"subject": subject_label(subject), "standard": standard.code}
            )
        return {"department": subject, "staff": None}
    if not isinstance(subject, Staff):
        raise ScoringError(_("%(standard)s scores staff members; choose a staff member.") % {"standard": standard.code})
    if subject.status != StaffStatus.ACTIVE:
        raise ScoringError(
            _("%(subject)s is not in post, so is not scored by %(standard)s.")
            % {"subject": subject_label(subject), "standard": standard.code}
        )
    return {"department": None, "staff": subject}


def _points(value, *, not_a_number: str, too_precise: str) -> Decimal:
    """A number with at most two decimal places, as a Decimal; otherwise a ScoringError with the
    caller's message (whole sentences, each naming what it is about)."""
    if isinstance(value, bool):
        value = None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite() or abs(number) >= 1_000_000:
        raise ScoringError(not_a_number)
    if number != number.quantize(CENT):
        raise ScoringError(too_precise)
    return number.quantize(CENT)


def _lock_person(user) -> None:
    """Serialise one person's manual-score writes (their own values are one per cell)."""
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


def _count(count) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ScoringError(_("The count must be a whole number of at least 1."))
    if count > MAX_COUNT:
        raise ScoringError(_("The count may be at most %(max)d.") % {"max": MAX_COUNT})
    return count


def _text(value: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ScoringError(_("The text may be at most %(max)d characters long.") % {"max": limit})
    return value


def record_repr(record: Record) -> str:
    """How a record reads in the audit log: standard, code, subject, date or period."""
    subject = record.department.code if record.department_id else record.staff.staff_no
    when = record.date.isoformat() if record.date else record.period_key
    code = record.code or "—"
    return f"{record.standard.code} {code} {subject} {when}"


def _audit_department(record: Record):
    if record.department_id:
        return record.department
    return record.staff.department if record.staff_id else None


# --- Evidence ---------------------------------------------------------------------------------


def is_image(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_TYPES


def _check_files(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    files = [f for f in files if f is not None]
    if len(files) > EVIDENCE_MAX_FILES:
        raise ScoringError(_("Attach at most %(max)d files at a time.") % {"max": EVIDENCE_MAX_FILES})
    problems = []
    for upload in files:
        name = os.path.basename(upload.name or "")
        extension = os.path.splitext(name)[1].lower()
        if extension not in EVIDENCE_TYPES:
            problems.append(
                _("%(name)s: only images, PDF and Office documents can be attached.") % {"name": name or "?"}
            )
        elif not upload.size:
            problems.append(_("%(name)s is empty.") % {"name": name})
        elif upload.size > EVIDENCE_MAX_BYTES:
            problems.append(
                _("%(name)s is larger than %(max)d MB.") % {"name": name, "max": EVIDENCE_MAX_BYTES // (1024 * 1024)}
            )
    if problems:
        raise ScoringError(problems)
    return files


def _store_files(record: Record, files: list[UploadedFile], by) -> list[Evidence]:
    stored = []
    for upload in files:
        name = os.path.basename(upload.name)[-255:]
        extension = os.path.splitext(name)[1].lower()
        evidence = Evidence(
            record=record,
            name=name,
            size=upload.size,
            content_type=EVIDENCE_TYPES[extension],
            uploaded_by=by if getattr(by, "pk", None) else None,
        )
        # A random stored name: the original (often Chinese, sometimes personal) stays in ``name``.
        evidence.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
        evidence.save()
        stored.append(evidence)
    return stored


@transaction.atomic
def evidence_add(*, record: Record, files: Iterable[UploadedFile], by) -> list[Evidence]:
    """Attach files (images, PDF, Office documents; at most 10 MB each) to a record that is not
    voided and whose period is not finalized."""
    files = _check_files(files)
    if not files:
        raise ScoringError(_("Choose at least one file."))
    record = Record.objects.select_for_update().select_related("standard", "department", "staff").get(pk=record.pk)
    _ensure_record_open(record)
    if record.status == RecordStatus.VOIDED:
        raise ScoringError(_("This record has been voided; nothing can be attached to it."))
    stored = _store_files(record, files, by)
    audit_log(
        actor=by,
        action="scoring.evidence.added",
        target=record,
        target_repr=record_repr(record),
        department=_audit_department(record),
        data={"files": [e.name for e in stored]},
    )
    return stored


# --- Entry ------------------------------------------------------------------------------------


@transaction.atomic
def record_create(
    *,
    standard: Standard,
    kind: str,
    subject: Department | Staff,
    code: str,
    date: date | None = None,
    period_key: str = "",
    count: int = 1,
    value: Decimal | None = None,
    note: str = "",
    assessor: Staff | None = None,
    by,
    status: str = RecordStatus.COUNTS,
    evidence: Iterable[UploadedFile] = (),
) -> Record:
    """Enter a finding, bonus, veto (dated) or manual value (for ``period_key``) against a subject
    of ``standard``. ``status`` is ``counts`` or ``pending`` (awaiting approval)."""
    if kind not in ENTRY_KINDS:
        raise ScoringError(_("Records of this kind cannot be entered here."))
    if status not in (RecordStatus.COUNTS, RecordStatus.PENDING):
        raise ScoringError(_("A new record either counts or waits for approval."))
    version = _version(standard)
    definition = version.definition
    fields = _subject_fields(definition, subject, standard)
    found = definition.code_kind(code or "")
    if found is None:
        raise ScoringError(
            _("%(code)s is not a code of %(standard)s.") % {"code": code or "—", "standard": standard.code}
        )
    what, item = found
    if kind == RecordKind.MANUAL:
        if what != "item" or item.rule != Rule.MANUAL:
            raise ScoringError(_("%(code)s is not an item scored by hand.") % {"code": code})
    elif what != CODE_KIND[kind]:
        messages = {
            RecordKind.FINDING: _("%(code)s is not a deduction of %(standard)s."),
            RecordKind.BONUS: _("%(code)s is not a bonus of %(standard)s."),
            RecordKind.VETO: _("%(code)s is not a veto of %(standard)s."),
        }
        raise ScoringError(messages[kind] % {"code": code, "standard": standard.code})
    count = _count(count)
    record = Record(
        kind=kind,
        standard=standard,
        code=code,
        count=count,
        note=_text(note, MAX_NOTE),
        assessor=assessor,
        status=status,
        entered_by=by if getattr(by, "pk", None) else None,
        **fields,
    )
    if kind == RecordKind.MANUAL:
        if value is None:
            raise ScoringError(_("Enter the score."))
        value = _points(
            value,
            not_a_number=_("The score must be a number."),
            too_precise=_("The score may have at most two decimal places."),
        )
        if not 0 <= value <= item.points:
            raise ScoringError(
                _("The score for %(item)s must be between 0 and %(points)s.")
                % {"item": f"{item.code} {item.name}", "points": format_points(item.points)}
            )
        record.value = value
        record.period_key = _period_key(standard, period_key)
        ensure_period_open(standard=standard, period_key=record.period_key)
        if record.entered_by is not None:
            _lock_person(record.entered_by)
            mine = Record.objects.filter(
                standard=standard,
                kind=RecordKind.MANUAL,
                period_key=record.period_key,
                code=code,
                entered_by=record.entered_by,
                **fields,
            ).exclude(status=RecordStatus.VOIDED)
            if mine.exists():
                raise ScoringError(
                    _("You have already scored %(item)s for %(subject)s in this period; change it in the grid.")
                    % {"item": code, "subject": subject_label(subject)}
                )
    else:
        if date is None:
            raise ScoringError(_("Enter the date."))
        if value is not None:
            raise ScoringError(_("Only manual scores and corrections have a value."))
        record.date = date
        ensure_period_open(standard=standard, day=date)
    files = _check_files(evidence)
    record.save()
    stored = _store_files(record, files, by)
    audit_log(
        actor=by,
        action="scoring.record.created",
        target=record,
        target_repr=record_repr(record),
        department=_audit_department(record),
        data={
            key: value
            for key, value in {
                "kind": kind,
                "code": code,
                "count": count,
                "value": record.value,
                "status": status,
                "note": record.note,
                "evidence": [e.name for e in stored],
            }.items()
            if value not in (None, "", [])
        },
    )
    return record


def _locked(record: Record) -> Record:
    return (
        Record.objects.select_for_update()
        .select_related("standard", "department", "staff", "staff__department")
        .get(pk=record.pk)
    )


@transaction.atomic
def record_update(
    *,
    record: Record,
    by,
    expected_version: int,
    note: str | None = None,
    count: int | None = None,
    date: date | None = None,
) -> Record:
    """Change a record's note, count or date (within the same period). Refused for voided records,
    corrections, finalized periods and when ``expected_version`` is not the stored version."""
    current = _locked(record)
    if current.version != expected_version:
        raise RecordConflict(
            _("This record was changed by someone else after you opened it, so nothing was saved."), code="conflict"
        )
    if current.kind == RecordKind.CORRECTION:
        raise ScoringError(_("A correction cannot be changed; void it and enter a new one."))
    if current.status == RecordStatus.VOIDED:
        raise ScoringError(_("This record has been voided and can no longer be changed."))
    _ensure_record_open(current)
    before = {"note": current.note, "count": current.count, "date": current.date}
    if note is not None:
        current.note = _text(note, MAX_NOTE)
    if count is not None and current.kind != RecordKind.MANUAL:
        current.count = _count(count)
    if date is not None and current.kind != RecordKind.MANUAL and date != current.date:
        standard_period = period_of(current.date, Cycle(current.standard.cycle))
        if not standard_period.contains(date):
            raise ScoringError(
                _("The date must stay inside %(period)s; enter a new record for another period.")
                % {"period": standard_period.label}
            )
        current.date = date
    after = {"note": current.note, "count": current.count, "date": current.date}
    changed = {k: [str(before[k]), str(after[k])] for k in before if before[k] != after[k]}
    if not changed:
        return current
    current.version += 1
    current.save(update_fields=["note", "count", "date", "version", "updated_at"])
    audit_log(
        actor=by,
        action="scoring.record.updated",
        target=current,
        target_repr=record_repr(current),
        department=_audit_department(current),
        data=changed,
    )
    return current


@transaction.atomic
def record_approve(*, record: Record, by) -> Record:
    """pending → counts: the record now counts in its period's results."""
    current = _locked(record)
    _ensure_record_open(current)
    if current.status != RecordStatus.PENDING:
        raise ScoringError(_("Only a record waiting for approval can be approved; this one is %(status)s.")
                           % {"status": current.get_status_display()})  # fmt: skip
    current.status = RecordStatus.COUNTS
    current.decided_by = by if getattr(by, "pk", None) else None
    current.decided_at = timezone.now()
    current.version += 1
    current.save(update_fields=["status", "decided_by", "decided_at", "version", "updated_at"])
    audit_log(
        actor=by,
        action="scoring.record.approved",
        target=current,
        target_repr=record_repr(current),
        department=_audit_department(current),
        data={"status": [RecordStatus.PENDING.value, RecordStatus.COUNTS.value]},
    )
    return current


@transaction.atomic
def record_void(*, record: Record, by, reason: str) -> Record:
    """pending → voided or counts → voided, with a reason; a voided record never counts."""
    reason = _text(reason, MAX_REASON)
    if not reason:
        raise ScoringError(_("Give the reason for voiding this record."))
    current = _locked(record)
    _ensure_record_open(current)
    if current.status == RecordStatus.VOIDED:
        raise ScoringError(_("This record has already been voided."))
    before = current.status
    current.status = RecordStatus.VOIDED
    current.decided_by = by if getattr(by, "pk", None) else None
    current.decided_at = timezone.now()
    current.reason = reason
    current.version += 1
    current.save(update_fields=["status", "decided_by", "decided_at", "reason", "version", "updated_at"])
    audit_log(
        actor=by,
        action="scoring.record.voided",
        target=current,
        target_repr=record_repr(current),
        department=_audit_department(current),
        data={"status": [before, RecordStatus.VOIDED.value], "reason": reason},
    )
    return current


# --- The manual score grid --------------------------------------------------------------------

Cell = tuple[int, str]  # (subject pk, item code)
Seen = tuple[int, int] | None  # (record pk, version) of the person's own value when shown; None: none


@dataclass(frozen=True)
class ManualSaveSummary:
    created: int = 0
    changed: int = 0
    cleared: int = 0

    @property
    def total(self) -> int:
        return self.created + self.changed + self.cleared


def own_manual_values(*, standard: Standard, period_key: str, user, lock: bool = False) -> dict[Cell, Record]:
    """The person's own manual values (not voided) of a period, by (subject pk, item code)."""
    field = "department_id" if standard.subject == Subject.DEPARTMENT else "staff_id"
    records = Record.objects.filter(
        standard=standard, kind=RecordKind.MANUAL, period_key=period_key, entered_by=user
    ).exclude(status=RecordStatus.VOIDED)
    if lock:
        records = records.select_for_update()
    return {(getattr(r, field), r.code): r for r in records.order_by("pk")}


def seen_token(record: Record | None) -> Seen:
    return (record.pk, record.version) if record is not None else None


@transaction.atomic
def manual_scores_save(
    *,
    standard: Standard,
    period_key: str,
    values: Mapping[Cell, Decimal | None],
    by,
    seen_versions: Mapping[Cell, Seen],
) -> ManualSaveSummary:
    """Save one person's manual scores of a period from the grid, all or nothing.

    Each person has one manual value per (subject, item, period): a number updates theirs (its
    ``version`` goes up), an empty cell (None) clears it. Clearing deletes the person's own value
    (a manual score is that person's opinion until the period is finalized, and the audit entry
    keeps what it was); a value with evidence attached is voided instead so the files stay
    reachable. Other people's values are never touched. ``seen_versions`` holds, per cell, the
    (record pk, version) of the person's value when the grid was shown (None: none): if any cell
    differs now, nothing is saved (:class:`ManualScoresConflict`). Out-of-range values raise
    :class:`ManualScoresInvalid` naming the subject and item."""
    if not getattr(by, "pk", None):
        raise ScoringError(_("Manual scores are entered by a person."))
    key = _period_key(standard, period_key)
    ensure_period_open(standard=standard, period_key=key)
    definition = _version(standard).definition
    items = {item.code: item for item in definition.leaves(Rule.MANUAL)}
    scope = {s.pk: s for s in subjects_in_scope(definition=definition)}
    problems: dict[Cell, str] = {}
    clean: dict[Cell, Decimal | None] = {}
    for cell, value in values.items():
        subject_pk, code = cell
        item = items.get(code)
        subject = scope.get(subject_pk)
        if item is None:
            problems[cell] = _("%(code)s is not an item scored by hand.") % {"code": code}
            continue
        if subject is None:
            problems[cell] = _("%(item)s: this subject is not scored by %(standard)s.") % {
                "item": code,
                "standard": standard.code,
            }
            continue
        if value is None:
            clean[cell] = None
            continue
        where = {"subject": f"{subject.name}（{subject.code}）", "item": f"{item.code} {item.name}"}
        try:
            number = _points(
                value,
                not_a_number=_("%(subject)s, %(item)s: the score must be a number.") % where,
                too_precise=_("%(subject)s, %(item)s: the score may have at most two decimal places.") % where,
            )
        except ScoringError as error:
            problems[cell] = error.messages[0]
            continue
        if not 0 <= number <= item.points:
            problems[cell] = _("%(subject)s, %(item)s: the score must be between 0 and %(points)s.") % {
                **where,
                "points": format_points(item.points),
            }
            continue
        clean[cell] = number
    if problems:
        raise ManualScoresInvalid(problems)
    _lock_person(by)
    own = own_manual_values(standard=standard, period_key=key, user=by, lock=True)
    conflicts = [cell for cell in clean if seen_token(own.get(cell)) != seen_versions.get(cell)]
    if conflicts:
        raise ManualScoresConflict(sorted(conflicts))
    is_department = definition.subject == Subject.DEPARTMENT
    now = timezone.now()
    created, changed, cleared = [], [], []
    lines = []
    for cell, value in clean.items():
        subject_pk, code = cell
        mine = own.get(cell)
        label = f"{scope[subject_pk].code} {code}"
        if value is None:
            if mine is not None:
                cleared.append(mine)
                lines.append(f"{label}: {format_points(mine.value)} → —")
        elif mine is None:
            created.append(
                Record(
                    kind=RecordKind.MANUAL,
                    standard=standard,
                    department_id=subject_pk if is_department else None,
                    staff_id=None if is_department else subject_pk,
                    code=code,
                    period_key=key,
                    value=value,
                    status=RecordStatus.COUNTS,
                    entered_by=by,
                )
            )
            lines.append(f"{label}: — → {format_points(value)}")
        elif mine.value != value:
            lines.append(f"{label}: {format_points(mine.value)} → {format_points(value)}")
            mine.value = value
            mine.version += 1
            mine.updated_at = now
            changed.append(mine)
    if created:
        Record.objects.bulk_create(created, batch_size=500)
    if changed:
        Record.objects.bulk_update(changed, ["value", "version", "updated_at"], batch_size=500)
    if cleared:
        with_files = set(
            Evidence.objects.filter(record__in=[r.pk for r in cleared]).values_list("record_id", flat=True)
        )
        Record.objects.filter(pk__in=[r.pk for r in cleared if r.pk not in with_files]).delete()
        if with_files:
            Record.objects.filter(pk__in=with_files).update(
                status=RecordStatus.VOIDED,
                decided_by=by,
                decided_at=now,
                reason=_("Cleared in the manual score grid."),
                updated_at=now,
            )
    summary = ManualSaveSummary(len(created), len(changed), len(cleared))
    if summary.total:
        audit_log(
            actor=by,
            action="scoring.manual.saved",
            target_repr=f"{standard.code} {key}",
            data={
                "period": key,
                "created": summary.created,
                "changed": summary.changed,
                "cleared": summary.cleared,
                "changes": lines,
            },
        )
    return summary


# --- Corrections ------------------------------------------------------------------------------


@transaction.atomic
def correction_create(
    *,
    scoring_period: ScoringPeriod,
    subject: Department | Staff,
    code: str = "",
    value,
    reason: str,
    by,
    evidence: Iterable[UploadedFile] = (),
) -> Record:
    """A correction (更正) of a subject's total in a finalized period: a new record with a signed
    ``value`` (the change of the total), the item it concerns (``code``, or empty for the total as
    a whole) and a reason, dated today. It reopens nothing and changes no stored result; it is
    published with the next period."""
    period = ScoringPeriod.objects.select_for_update().select_related("standard", "version").get(pk=scoring_period.pk)
    if not period.is_finalized:
        raise ScoringError(
            _("%(period)s has not been finalized; change its records and compute it again instead.")
            % {"period": period_label(period.key)}
        )
    standard = period.standard
    reason = _text(reason, MAX_REASON)
    if not reason:
        raise ScoringError(_("Give the reason for the correction."))
    amount = _points(
        value,
        not_a_number=_("The change of the total must be a number."),
        too_precise=_("The change of the total may have at most two decimal places."),
    )
    if amount == 0:
        raise ScoringError(_("A correction changes the total; enter a positive or negative number."))
    definition = (period.version or _version(standard)).definition
    code = (code or "").strip()
    if code and code not in {item.code for item in definition.walk()}:
        raise ScoringError(
            _("%(code)s is not an item of the version %(period)s was scored with.")
            % {"code": code, "period": period_label(period.key)}
        )
    is_department = definition.subject == Subject.DEPARTMENT
    if is_department != isinstance(subject, Department) or not isinstance(subject, Department | Staff):
        raise ScoringError(_("Choose a subject this standard scores."))
    field = "department" if is_department else "staff"
    result = period.results.filter(**{field: subject}).first()
    if result is None:
        raise ScoringError(
            _("%(subject)s has no result in %(period)s to correct.")
            % {"subject": subject_label(subject), "period": period_label(period.key)}
        )
    earlier = Record.objects.filter(kind=RecordKind.CORRECTION, corrects=period, **{field: subject}).exclude(
        status=RecordStatus.VOIDED
    ).aggregate(total=Sum("value"))["total"] or Decimal(0)
    highest = definition.full_score + definition.bonus_cap
    corrected = result.total + earlier + amount
    if not 0 <= corrected <= highest:
        raise ScoringError(
            _("With this correction the total of %(subject)s would be %(total)s, outside 0 to %(max)s.")
            % {"subject": subject_label(subject), "total": format_points(corrected), "max": format_points(highest)}
        )
    files = _check_files(evidence)
    record = Record.objects.create(
        kind=RecordKind.CORRECTION,
        standard=standard,
        code=code,
        date=today(),
        value=amount,
        reason=reason,
        status=RecordStatus.COUNTS,
        corrects=period,
        entered_by=by if getattr(by, "pk", None) else None,
        **{field: subject},
    )
    stored = _store_files(record, files, by)
    audit_log(
        actor=by,
        action="scoring.correction.created",
        target=record,
        target_repr=f"{standard.code} {period.key} {result.subject_code}",
        department=_audit_department(record),
        data={
            "period": period.key,
            "code": code,
            "value": format_points(amount),
            "total": [format_points(result.total + earlier), format_points(corrected)],
            "reason": reason,
            "evidence": [e.name for e in stored],
        },
    )
    return record
