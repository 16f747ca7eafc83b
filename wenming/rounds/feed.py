"""Feeding a round's results into a standard's manual item (e.g. YDKP-2026 Y7 团结协作, 10 points).

Each person's (staff standard) or department's (department standard: the mean of its people's
totals) weighted total becomes a ``manual`` record through ``scoring.services.record_create``:
value = total × item points / 100, half-up to two decimals. Feeding the same round, item and
period again voids the records fed before (``record_void``) and makes new ones. A finalized period
refuses (``record_create`` checks it). Office only.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.org.models import Department
from wenming.scoring.models import RecordStatus
from wenming.scoring.services import ScoringError, record_create, record_void
from wenming.standards.definition import Rule, Subject
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from .models import Ratee, Round, RoundFeed, RoundState
from .results import half_up
from .selectors import results_of
from .services import RoundError, _ensure_office, _locked


def _item(standard_code: str, item_code: str):
    standard = Standard.objects.filter(code=standard_code).first()
    version = newest_version(standard_code) if standard is not None else None
    if standard is None or version is None:
        raise RoundError({"standard_code": _("There is no standard %(code)s.") % {"code": standard_code}})
    found = version.definition.code_kind(item_code or "")
    if found is None or found[0] != "item" or found[1].rule != Rule.MANUAL:
        raise RoundError(
            {
                "item_code": _("%(code)s is not an item of %(standard)s scored by hand.")
                % {"code": item_code or "—", "standard": standard_code}
            }
        )
    return standard, version.definition, found[1]


@transaction.atomic
def round_feed(*, round: Round, by, standard_code: str, item_code: str, period_key: str) -> RoundFeed:
    """Record the round's results as manual scores of ``item_code`` of ``standard_code`` for
    ``period_key``; returns the :class:`RoundFeed` listing the records."""
    _ensure_office(by)
    current = _locked(round)
    if current.state != RoundState.PUBLISHED:
        # Recorded scores show on scorecards, which heads and staff read: not before the results are out.
        raise RoundError(_("Only the results of a published round can be recorded on a standard."))
    standard, definition, item = _item(standard_code, item_code)
    points = Decimal(item.points)
    results = results_of(current, Ratee.objects.filter(round=current))
    subjects: list[tuple[object, Fraction]] = []
    if definition.subject == Subject.STAFF:
        subjects = [(r.ratee.staff, r.outcome.exact_total) for r in results if r.outcome.exact_total is not None]
    else:
        totals: dict[int, list[Fraction]] = defaultdict(list)
        for r in results:
            if r.outcome.exact_total is not None:
                totals[r.ratee.department_id].append(r.outcome.exact_total)
        departments = Department.objects.in_bulk(list(totals))
        subjects = [(departments[pk], sum(v, Fraction(0)) / len(v)) for pk, v in sorted(totals.items())]
    if not subjects:
        raise RoundError(_("No result of this round is shown, so there is nothing to record."))

    previous = list(
        RoundFeed.objects.select_for_update()
        .filter(round=current, standard=standard, item_code=item_code, period_key=period_key, replaced_at__isnull=True)
        .prefetch_related("records")
    )
    reason = _("Replaced by a new recording of the round %(round)s.") % {"round": current.title}
    voided = 0
    try:
        for feed in previous:
            for record in feed.records.all():
                if record.status != RecordStatus.VOIDED:
                    record_void(record=record, by=by, reason=reason)
                    voided += 1
            feed.replaced_at = timezone.now()
            feed.save(update_fields=["replaced_at"])
        note = _("Multi-source evaluation: %(round)s") % {"round": current.title}
        records = [
            record_create(
                standard=standard,
                kind="manual",
                subject=subject,
                code=item_code,
                period_key=period_key,
                value=half_up(total * Fraction(points) / 100),
                note=note,
                by=by,
            )
            for subject, total in subjects
        ]
    except ScoringError as exc:
        raise RoundError(exc.messages) from exc
    feed = RoundFeed.objects.create(
        round=current,
        standard=standard,
        item_code=item_code,
        period_key=records[0].period_key,
        created_by=by if getattr(by, "pk", None) else None,
    )
    feed.records.set(records)
    audit_log(
        actor=by,
        action="rounds.round.fed",
        target=current,
        target_repr=current.title,
        data={
            "standard": standard.code,
            "item": item_code,
            "period": feed.period_key,
            "records": len(records),
            "voided": voided,
        },
    )
    return feed
