"""Writes of scoring: computing a period's results and finalizing them.

Every service is keyword-only, runs in ``transaction.atomic`` and writes an audit entry.
Problems a person can fix (an unknown standard, a key of the wrong cycle, a finalized period)
are a :class:`ScoringError` (a ValidationError) with a translated message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.org.selectors import hospital_today
from wenming.standards.definition import Cycle, Rule, Subject
from wenming.standards.models import StandardVersion
from wenming.standards.selectors import newest_version

from ..aggregation import period_facts, subjects_in_scope
from ..engine import SourceResult, score_period
from ..models import Result, ScoringPeriod
from ..periods import Period, parse_period


class ScoringError(ValidationError):
    """A period cannot be computed or finalized; the message says why."""


def _version(standard_code: str) -> StandardVersion:
    version = newest_version(standard_code)
    if version is None:
        raise ScoringError(_("Unknown standard %(standard)s") % {"standard": standard_code})
    return version


def _period(version: StandardVersion, period_key: str) -> Period:
    try:
        return parse_period(period_key, Cycle(version.standard.cycle))
    except (ValueError, TypeError) as exc:
        raise ScoringError(str(exc)) from exc


def _rollup_sources(
    *, version: StandardVersion, period: Period, by, today: date, computed: Collection[tuple[str, str]] = ()
) -> tuple[dict[str, dict[str, list[SourceResult]]], dict[str, Decimal]]:
    """For every rollup item: {subject code: the source's results in the sub-periods that have begun}
    (computing the sub-periods that are not finalized first, except those in ``computed``), and each
    source's full score."""
    rollups: dict[str, dict[str, list[SourceResult]]] = {}
    full_scores: dict[str, Decimal] = {}
    for item in version.definition.leaves(Rule.ROLLUP):
        source = item.source or ""
        source_version = _version(source)
        full_scores[source] = source_version.definition.full_score
        keys = []
        for part in period.sub_periods(Cycle(source_version.standard.cycle), begun_by=today):
            existing = ScoringPeriod.objects.filter(standard=source_version.standard, key=part.key).first()
            if (existing is None or not existing.is_finalized) and (source, part.key) not in computed:
                period_compute(standard_code=source, period_key=part.key, by=by, computed=computed)
            keys.append(part.key)
        by_subject: dict[str, list[SourceResult]] = defaultdict(list)
        rows = (
            Result.objects.filter(period__standard=source_version.standard, period__key__in=keys)
            .order_by("period__start", "subject_code")
            .values_list("subject_code", "total", "vetoed")
        )
        for code, total, vetoed in rows:
            by_subject[code].append(SourceResult(total=total, vetoed=vetoed))
        rollups[item.code] = dict(by_subject)
    return rollups, full_scores


@transaction.atomic
def period_compute(
    *,
    standard_code: str,
    period_key: str,
    by=None,
    computed: Collection[tuple[str, str]] = (),
    today: date | None = None,
) -> ScoringPeriod:
    """(Re)compute and store the results of one period of a standard; return the period.

    Uses the standard's newest version; refuses a finalized period (corrections are new records).
    Rollup items compute their source periods that have begun and are not finalized first, except
    the ``(standard code, period key)`` pairs in ``computed``: a caller that has just computed those
    in their own transactions (``runs.compute_run``, to show progress) has them read as they are.
    ``today`` (default: the hospital's today) decides which source periods have begun.
    """
    version = _version(standard_code)
    standard = version.standard
    period = _period(version, period_key)
    scoring_period = ScoringPeriod.objects.select_for_update().filter(standard=standard, key=period.key).first()
    if scoring_period is not None and scoring_period.is_finalized:
        raise ScoringError(
            _("Period %(period)s of %(standard)s is finalized; corrections are new records")
            % {"period": period.key, "standard": standard.code}
        )
    definition = version.definition
    rollups, full_scores = _rollup_sources(
        version=version, period=period, by=by, today=today or hospital_today(), computed=computed
    )
    subjects = subjects_in_scope(definition=definition, codes=scoring_period.scope if scoring_period else None)
    facts = period_facts(standard=standard, definition=definition, period=period, subjects=subjects, rollups=rollups)
    try:
        # Explanations are stored in the hospital's language, whoever asked for the computation.
        with translation.override(settings.LANGUAGE_CODE):
            results = score_period(definition, facts, source_full_scores=full_scores)
    except ValueError as exc:  # an inconsistent standard; the engine's message names the item
        raise ScoringError(str(exc)) from exc
    if scoring_period is None:
        scoring_period = ScoringPeriod(standard=standard, key=period.key)
    scoring_period.cycle = period.cycle.value
    scoring_period.start = period.start
    scoring_period.end = period.end
    scoring_period.version = version
    scoring_period.computed_at = timezone.now()
    scoring_period.save()
    scoring_period.results.all().delete()
    by_code = {s.code: s for s in subjects}
    is_department = definition.subject == Subject.DEPARTMENT
    Result.objects.bulk_create(
        [
            Result(
                period=scoring_period,
                department_id=by_code[r.subject].pk if is_department else None,
                staff_id=None if is_department else by_code[r.subject].pk,
                subject_code=r.subject,
                name=by_code[r.subject].name,
                total=r.total,
                bonus=r.bonus,
                deducted=r.deducted,
                grade=r.grade,
                vetoed=r.vetoed,
                rank=r.rank,
                items={code: f"{score:f}" for code, score in r.items.items()},
                flags=list(r.flags),
                explanations=r.explanations,
            )
            for r in results
        ],
        batch_size=1000,
    )
    audit_log(
        actor=by,
        action="scoring.period.computed",
        target=scoring_period,
        target_repr=f"{standard.code} {period.key}",
        data={"version": version.number, "subjects": len(results)},
    )
    return scoring_period


@transaction.atomic
def period_finalize(*, standard_code: str, period_key: str, by=None, reason: str = "") -> ScoringPeriod:
    """Finalize (定稿) a computed period: its results and version are kept, its records frozen.

    Refused while a ``pending`` flag remains unless ``reason`` is given.
    """
    version = _version(standard_code)
    period = _period(version, period_key)
    scoring_period = ScoringPeriod.objects.select_for_update().filter(standard=version.standard, key=period.key).first()
    if scoring_period is None or scoring_period.computed_at is None:
        raise ScoringError(
            _("Period %(period)s of %(standard)s has not been computed")
            % {"period": period.key, "standard": standard_code}
        )
    if scoring_period.is_finalized:
        raise ScoringError(
            _("Period %(period)s of %(standard)s is already finalized")
            % {"period": period.key, "standard": standard_code}
        )
    pending = any(
        flag.startswith("pending:")
        for flags in scoring_period.results.values_list("flags", flat=True)
        for flag in flags
    )
    if pending and not reason.strip():
        raise ScoringError(_("Some results are still pending; give a reason to finalize anyway"))
    scoring_period.finalized_at = timezone.now()
    scoring_period.finalized_by = by if getattr(by, "pk", None) else None
    scoring_period.finalize_reason = reason
    scoring_period.save(update_fields=["finalized_at", "finalized_by", "finalize_reason"])
    audit_log(
        actor=by,
        action="scoring.period.finalized",
        target=scoring_period,
        target_repr=f"{standard_code} {period.key}",
        data={"reason": reason},
    )
    return scoring_period


@transaction.atomic
def period_scope_set(*, standard_code: str, period_key: str, codes: Collection[str] | None, by=None) -> ScoringPeriod:
    """Limit a period to the subjects ``codes`` (None: everyone the standard applies to), before it is
    computed or while it may still be recomputed; a finalized period is refused. Quotas and ranks
    then count only these subjects (a 医德考评 cycle covers the staff the office selected)."""
    version = _version(standard_code)
    period = _period(version, period_key)
    scoring_period = ScoringPeriod.objects.select_for_update().filter(standard=version.standard, key=period.key).first()
    if scoring_period is not None and scoring_period.is_finalized:
        raise ScoringError(
            _("Period %(period)s of %(standard)s is finalized; corrections are new records")
            % {"period": period.key, "standard": standard_code}
        )
    scope = sorted(set(codes)) if codes is not None else None
    if scoring_period is None:
        scoring_period = ScoringPeriod(
            standard=version.standard, key=period.key, cycle=period.cycle.value, start=period.start, end=period.end
        )
    elif scoring_period.scope == scope:
        return scoring_period
    scoring_period.scope = scope
    scoring_period.save()
    audit_log(
        actor=by,
        action="scoring.period.scoped",
        target=scoring_period,
        target_repr=f"{standard_code} {period.key}",
        data={"subjects": len(scope) if scope is not None else None},
    )
    return scoring_period
