"""A cycle from creation to archive: who it covers, its steps, the engine's results and finality.

open → self → department → hospital → publicity → archived, one step at a time
(:func:`cycle_advance`); before publicity the office may go back one step with a reason
(:func:`cycle_step_back`). Moving to the hospital step computes the standard's year for the
cycle's members (the scoring period is pinned to them, so the 优秀 quota counts only them) and
copies each person's computed total, grade and vetoes beside the committee's decision.
Publicity needs every final grade decided and within the quota; archiving needs the publicity
period over and every objection reviewed, and finalizes the scoring period.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.notifications.services import notify
from wenming.org.models import Staff, StaffStatus
from wenming.org.selectors import hospital_today
from wenming.scoring.models import Result, ScoringPeriod
from wenming.scoring.services import ScoringError, period_compute, period_finalize, period_scope_set
from wenming.standards.definition import Cycle, Subject
from wenming.standards.models import Standard
from wenming.standards.selectors import newest_version

from ..models import CYCLE_STEPS, CycleState, EthicsCycle, EthicsMember, ObjectionState
from .common import EvaluationError, check_version, definition_of, locked, text


@transaction.atomic
def cycle_create(
    *,
    by,
    year: int,
    standard: Standard,
    title: str = "",
    categories: list[str] | None = None,
    self_due: date | None = None,
    department_due: date | None = None,
    publicity_days: int = 7,
) -> EthicsCycle:
    """Start a year's 医德考评 on a staff standard of cycle ``year``, covering the staff in post of
    departments of ``categories`` (None: all staff). The scoring period ``year`` is pinned to them."""
    version = newest_version(standard.code)
    if version is None or version.definition.subject != Subject.STAFF or version.definition.cycle != Cycle.YEAR:
        raise EvaluationError(_("Choose a standard that scores staff once a year."))
    if EthicsCycle.objects.filter(year=year).exists():
        raise EvaluationError(_("The %(year)d cycle already exists.") % {"year": year})
    if not 1 <= publicity_days <= 60:
        raise EvaluationError(_("Publicity lasts between 1 and 60 days."))
    if self_due and department_due and department_due < self_due:
        raise EvaluationError(_("The department evaluation cannot be due before the self-evaluation."))
    staff = Staff.objects.filter(status=StaffStatus.ACTIVE, department__is_active=True)
    if categories:
        staff = staff.filter(department__category__in=categories)
    staff = list(staff.only("pk", "staff_no", "department_id").order_by("staff_no"))
    if not staff:
        raise EvaluationError(_("No staff in post belong to the departments chosen."))
    cycle = EthicsCycle.objects.create(
        year=year,
        standard=standard,
        title=text(title, limit=100) or _default_title(year),
        self_due=self_due,
        department_due=department_due,
        publicity_days=publicity_days,
        created_by=by,
    )
    EthicsMember.objects.bulk_create(
        [EthicsMember(cycle=cycle, staff_id=s.pk, department_id=s.department_id) for s in staff], batch_size=1000
    )
    try:
        period_scope_set(standard_code=standard.code, period_key=str(year), codes=[s.staff_no for s in staff], by=by)
    except ScoringError as error:
        raise EvaluationError(error.messages) from error
    audit_log(
        actor=by,
        action="evaluations.cycle.created",
        target=cycle,
        target_repr=cycle.title,
        data={"standard": standard.code, "members": len(staff), "categories": categories or []},
    )
    return cycle


def _default_title(year: int) -> str:
    """ "2026年度医德考评" — in the hospital's language, whoever starts the cycle."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(year)d medical ethics evaluation") % {"year": year}


def quota_capacity(cycle: EthicsCycle) -> dict[str, int]:
    """{grade name: most people who may get it} for the grades with a quota (floor(quota × N))."""
    n = cycle.members.filter(staff__status=StaffStatus.ACTIVE).count()  # the engine's N: staff in post
    return {g.name: math.floor(Fraction(g.quota) * n) for g in definition_of(cycle).grades if g.quota is not None}


def quota_problems(cycle: EthicsCycle) -> list[str]:
    """A message per quota grade given to more people than it allows."""
    capacity = quota_capacity(cycle)
    problems = []
    for grade, most in capacity.items():
        given = cycle.members.filter(final_grade=grade).count()
        if given > most:
            problems.append(
                _("%(grade)s is limited to %(most)d people in this cycle; %(given)d have it.")
                % {"grade": grade, "most": most, "given": given}
            )
    return problems


def cycle_compute(*, cycle: EthicsCycle, by) -> int:
    """Compute the standard's year for the cycle's members and copy each person's computed total,
    grade, veto and flags beside the committee's decision (decisions already taken are kept).
    Returns how many people were updated."""
    try:
        scoring_period = period_compute(standard_code=cycle.standard.code, period_key=cycle.period_key, by=by)
    except ScoringError as error:
        raise EvaluationError(error.messages) from error
    # Two UPDATE statements (reading the stored results in the database) rather than rows in Python:
    # a hospital of 5,000 people takes milliseconds instead of seconds.
    results = Result.objects.filter(period=scoring_period)
    mine = results.filter(staff_id=OuterRef("staff_id"))
    with_result = cycle.members.filter(staff_id__in=results.values("staff_id"))
    updated = with_result.update(
        engine_total=Subquery(mine.values("total")[:1]),
        engine_grade=Subquery(mine.values("grade")[:1]),
        engine_vetoed=Subquery(mine.values("vetoed")[:1]),
        engine_flags=Subquery(mine.values("flags")[:1]),
        version=F("version") + 1,
    )
    # Out of the computation (left since the cycle began): nothing computed.
    updated += cycle.members.exclude(pk__in=with_result.values("pk")).update(
        engine_total=None, engine_grade="", engine_vetoed=False, engine_flags=[], version=F("version") + 1
    )
    return updated


def stale_decisions(cycle: EthicsCycle) -> list[EthicsMember]:
    """Decisions the computed results no longer support: a vetoed person holding another grade than
    the veto grade (a veto approved after the decision), or a grade other than the computed one
    without a reason (the computed grade moved after the decision)."""
    veto_grade = definition_of(cycle).veto_grade
    decided = cycle.members.exclude(final_grade="")
    vetoed = decided.filter(engine_vetoed=True).exclude(final_grade=veto_grade)
    unexplained = decided.filter(override_reason="").exclude(final_grade=F("engine_grade"))
    return list(vetoed | unexplained)


def clear_stale_decisions(cycle: EthicsCycle) -> int:
    """Undo the decisions :func:`stale_decisions` finds, so the committee takes them again."""
    stale = [m.pk for m in stale_decisions(cycle)]
    if stale:
        cycle.members.filter(pk__in=stale).update(
            final_grade="", override_reason="", decided_at=None, decided_by=None, version=F("version") + 1
        )
    return len(stale)


@transaction.atomic
def cycle_recompute(*, cycle: EthicsCycle, by) -> int:
    """Refresh the computed results during the hospital step (after late daily records were approved);
    decisions the new results no longer support are cleared for the committee to take again."""
    current = locked(cycle)
    if current.state != CycleState.HOSPITAL:
        raise EvaluationError(_("The results are recomputed only during the hospital evaluation."))
    count = cycle_compute(cycle=current, by=by)
    cleared = clear_stale_decisions(current)
    audit_log(
        actor=by,
        action="evaluations.cycle.recomputed",
        target=current,
        target_repr=current.title,
        data={"members": count, "decisions_cleared": cleared},
    )
    return count


def _notify_members(cycle: EthicsCycle, *, kind: str, by) -> None:
    users = [m.staff.user for m in cycle.members.select_related("staff__user") if m.staff.user_id]
    notify(
        recipients=users,
        kind=kind,
        params={"cycle": cycle.title},
        url=f"/evaluations/{cycle.year}/",
        exclude=by,
    )


def _check_can_advance(cycle: EthicsCycle, today: date, by) -> None:
    if cycle.state == CycleState.HOSPITAL:
        # Publish only what today's records support: a record approved since the last computation
        # (a veto, a bonus) may have moved a result after the committee decided.
        # (This transaction is undone by the refusal; "Recompute" keeps the new results.)
        cycle_compute(cycle=cycle, by=by)
        stale = stale_decisions(cycle)
        if stale:
            names = "、".join(m.staff.name for m in stale[:10]) + ("…" if len(stale) > 10 else "")
            raise EvaluationError(
                _(
                    "The results changed after the committee decided (records approved since then), so "
                    "%(count)d decisions no longer hold: %(names)s. Recompute the results, decide these "
                    "again, then publish."
                )
                % {"count": len(stale), "names": names}
            )
        undecided = cycle.members.filter(final_grade="").count()
        if undecided:
            raise EvaluationError(
                _("%(count)d people have no final grade yet; decide every grade before publicity.")
                % {"count": undecided}
            )
        problems = quota_problems(cycle)
        if problems:
            raise EvaluationError(problems)
    elif cycle.state == CycleState.PUBLICITY:
        if cycle.publicity_end and today <= cycle.publicity_end:
            raise EvaluationError(
                _("Publicity runs until %(day)s; the result can be archived after that.") % {"day": cycle.publicity_end}
            )
        if cycle.members.filter(objections__state=ObjectionState.OPEN).exists():
            raise EvaluationError(_("Some objections have not been reviewed yet."))
    elif cycle.state == CycleState.ARCHIVED:
        raise EvaluationError(_("This cycle is archived."))


@transaction.atomic
def cycle_advance(*, cycle: EthicsCycle, by, expected_version: int | None = None, reason: str = "") -> EthicsCycle:
    """Move the cycle to its next step (see the module's docstring for what each move checks)."""
    current = locked(cycle)
    check_version(current, expected_version)
    today = hospital_today()
    _check_can_advance(current, today, by)
    before = current.state
    after = CYCLE_STEPS[CYCLE_STEPS.index(before) + 1]
    data: dict = {"state": [before, after]}
    if after == CycleState.HOSPITAL:
        data["members"] = cycle_compute(cycle=current, by=by)
        data["decisions_cleared"] = clear_stale_decisions(current)
    elif after == CycleState.PUBLICITY:
        current.publicity_start = today
        current.publicity_end = today + timedelta(days=current.publicity_days - 1)
        data["until"] = current.publicity_end
    elif after == CycleState.ARCHIVED:
        scoring_period = ScoringPeriod.objects.filter(standard=current.standard, key=current.period_key).first()
        if scoring_period is not None and not scoring_period.is_finalized:
            try:
                period_finalize(
                    standard_code=current.standard.code,
                    period_key=current.period_key,
                    by=by,
                    reason=text(reason)
                    or _("Archived with the %(year)d medical ethics evaluation.") % {"year": current.year},
                )
            except ScoringError as error:
                raise EvaluationError(error.messages) from error
        current.archived_at = timezone.now()
        current.archived_by = by
    current.state = after
    current.version += 1
    current.save()
    audit_log(actor=by, action="evaluations.cycle.advanced", target=current, target_repr=current.title, data=data)
    if after in (CycleState.SELF, CycleState.PUBLICITY, CycleState.ARCHIVED):
        _notify_members(current, kind=f"evaluations.cycle.{after}", by=by)
    return current


@transaction.atomic
def cycle_step_back(*, cycle: EthicsCycle, by, reason: str, expected_version: int | None = None) -> EthicsCycle:
    """Go back one step before publicity (for example to let a department finish), with a reason."""
    reason = text(reason)
    if not reason:
        raise EvaluationError(_("Give the reason for going back a step."))
    current = locked(cycle)
    check_version(current, expected_version)
    if current.state in (CycleState.OPEN, CycleState.PUBLICITY, CycleState.ARCHIVED):
        raise EvaluationError(_("The cycle cannot go back from this step."))
    before = current.state
    current.state = CYCLE_STEPS[CYCLE_STEPS.index(before) - 1]
    current.version += 1
    current.save(update_fields=["state", "version"])
    audit_log(
        actor=by,
        action="evaluations.cycle.stepped_back",
        target=current,
        target_repr=current.title,
        data={"state": [before, current.state], "reason": reason},
    )
    return current
