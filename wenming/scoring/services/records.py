"""Writes of scoring records: entry, changes, approval and voiding, and the finality check every
write of a record uses. Evidence files are in ``evidence``, the manual score grid in ``manual``,
corrections in ``corrections``; the helpers they share with these services are here.

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

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.org.models import Department, Staff, StaffStatus
from wenming.standards.definition import Cycle, Rule, StandardDef, Subject
from wenming.standards.models import Standard, StandardVersion
from wenming.standards.selectors import newest_version

from ..engine import format_points
from ..models import Record, RecordKind, RecordStatus, ScoringPeriod
from ..periods import parse_period, period_label, period_of
from .periods import ScoringError

# --- Limits and kinds -------------------------------------------------------------------------

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


# --- Shared checks ----------------------------------------------------------------------------


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


def _audit_record(record: Record, *, by, action: str, data: dict) -> None:
    """The audit entry of a change to a record, filed under its subject's department."""
    audit_log(
        actor=by,
        action=action,
        target=record,
        target_repr=record_repr(record),
        department=_audit_department(record),
        data=data,
    )


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
    from .evidence import _check_files, _store_files  # evidence.py imports this module, so not at the top

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
    _audit_record(
        record,
        by=by,
        action="scoring.record.created",
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
        Record.objects.select_for_update(of=("self",))
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
    _audit_record(
        current,
        by=by,
        action="scoring.record.updated",
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
    _audit_record(
        current,
        by=by,
        action="scoring.record.approved",
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
    _audit_record(
        current,
        by=by,
        action="scoring.record.voided",
        data={"status": [before, RecordStatus.VOIDED.value], "reason": reason},
    )
    return current
