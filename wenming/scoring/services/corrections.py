"""Writes of corrections (更正): a change of a subject's total in a finalized period, with a reason
and evidence. A correction is a new record; it reopens nothing and changes no stored result."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.org.models import Department, Staff
from wenming.org.selectors import hospital_today
from wenming.standards.definition import Subject

from ..engine import format_points
from ..models import Record, RecordKind, RecordStatus, ScoringPeriod
from ..periods import period_label
from .evidence import _check_files, _store_files
from .periods import ScoringError
from .records import MAX_REASON, _audit_department, _points, _text, _version, subject_label


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
    period = (
        ScoringPeriod.objects.select_for_update(of=("self",))
        .select_related("standard", "version")
        .get(pk=scoring_period.pk)
    )
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
        date=hospital_today(),
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
