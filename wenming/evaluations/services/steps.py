"""The three steps of a person's evaluation — self, department, hospital — and objections.

- 个人自评: the person writes a summary and chooses a grade (:func:`self_evaluation_submit`).
- 科室评价: the department's head (or the office) scores the standard's manual items for each
  person — scoring ``manual`` records, through the scoring grid's own service — and proposes a
  grade with an opinion (:func:`department_evaluation_save`).
- 单位评价: the committee (office and leadership) decides the final grade beside the computed
  one (:func:`hospital_decide`); a grade other than the computed one needs a reason, a vetoed
  person gets the veto grade, and no quota grade is given to more people than it allows.
- 异议与复核: during publicity anyone may object to a grade (:func:`objection_raise`); the committee
  reviews it (:func:`objection_review`), changing the grade if upheld.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from itertools import groupby

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.audit import audit_log
from wenming.notifications.selectors import users_with_roles
from wenming.notifications.services import notify
from wenming.org.access import access_for
from wenming.org.models import Role
from wenming.org.selectors import hospital_today
from wenming.scoring.models import Record, RecordKind, RecordStatus
from wenming.scoring.services.manual import Cell, Seen, manual_scores_save

from ..models import CycleState, EthicsCycle, EthicsMember, Objection, ObjectionState
from .common import (
    EvaluationError,
    check_grade,
    check_version,
    definition_of,
    locked,
    may_decide,
    member_repr,
    require_state,
    text,
)
from .cycles import quota_capacity


def _cycle(member: EthicsMember) -> EthicsCycle:
    return EthicsCycle.objects.get(pk=member.cycle_id)


# --- 个人自评 ---------------------------------------------------------------------------------


@transaction.atomic
def self_evaluation_submit(
    *, by, member: EthicsMember, summary: str, grade: str, expected_version: int | None = None
) -> EthicsMember:
    """The person's own summary and grade; they may change it until the step is over."""
    cycle = locked(_cycle(member))
    require_state(cycle, CycleState.SELF)
    current = locked(member)
    if current.staff.user_id != getattr(by, "pk", None):
        raise EvaluationError(_("Only the person evaluated writes their self-evaluation."))
    check_version(current, expected_version)
    summary = text(summary)
    if not summary:
        raise EvaluationError({"summary": _("Write your self-evaluation.")})
    grade = check_grade(definition_of(cycle), grade)
    before = {"summary": current.self_summary, "grade": current.self_grade}
    current.self_summary, current.self_grade, current.self_at = summary, grade, timezone.now()
    current.version += 1
    current.save(update_fields=["self_summary", "self_grade", "self_at", "version"])
    audit_log(
        actor=by,
        action="evaluations.member.self_evaluated",
        target=current,
        target_repr=member_repr(current),
        data={"grade": [before["grade"], grade], "changed": before["summary"] != summary},
    )
    return current


# --- 科室评价 ---------------------------------------------------------------------------------


def may_evaluate_department(access, member: EthicsMember) -> bool:
    return access.is_office or access.is_system_admin or access.heads_department(member.department)


@transaction.atomic
def department_evaluation_save(
    *,
    by,
    cycle: EthicsCycle,
    members: list[EthicsMember],
    scores: Mapping[Cell, Decimal | None],
    seen: Mapping[Cell, Seen],
    opinions: Mapping[int, tuple[str, str, int]],
    submit: bool = False,
) -> int:
    """Save the department panel's grid, all or nothing: the manual item scores (``scores`` by
    (staff pk, item code), ``seen`` the versions shown, as the scoring grid takes them) and, per
    member pk, (proposed grade, opinion, expected version). ``submit`` marks the people whose
    proposed grade is given as evaluated by the department. Returns how many people changed."""
    current_cycle = locked(cycle)
    require_state(current_cycle, CycleState.DEPARTMENT)
    access = access_for(by)
    definition = definition_of(current_cycle)
    allowed = {m.pk: m for m in members if m.cycle_id == cycle.pk and may_evaluate_department(access, m)}
    if len(allowed) != len(members):
        raise EvaluationError(_("You may evaluate only the people of your own departments."))
    staff_ids = {m.staff_id for m in members}
    if any(staff_pk not in staff_ids for staff_pk, _code in scores):
        raise EvaluationError(_("You may evaluate only the people of your own departments."))
    problems = {}
    clean: dict[int, tuple[str, str, int]] = {}
    for member_pk, (grade, comment, version) in opinions.items():
        if member_pk not in allowed:
            raise EvaluationError(_("You may evaluate only the people of your own departments."))
        try:
            clean[member_pk] = (check_grade(definition, grade, blank_ok=True), text(comment), version)
        except EvaluationError as error:
            problems[member_pk] = error.messages[0]
    if problems:
        raise EvaluationError(problems)
    if scores:
        # Raises the scoring grid's ManualScoresInvalid / ManualScoresConflict naming the cells.
        manual_scores_save(
            standard=current_cycle.standard,
            period_key=current_cycle.period_key,
            values=scores,
            by=by,
            seen_versions=seen,
        )
    rows = {m.pk: m for m in EthicsMember.objects.select_for_update().filter(pk__in=list(clean)).order_by("pk")}
    conflicts = [pk for pk, (_g, _c, version) in clean.items() if rows[pk].version != version]
    if conflicts:
        raise EvaluationError(
            _(
                "%(count)d people on this page were evaluated by someone else after you opened it, so nothing "
                "was saved. Reload the page; what you typed is kept below."
            )
            % {"count": len(conflicts)},
            code="conflict",
        )
    now = timezone.now()
    changed = []
    for pk, (grade, comment, _version) in clean.items():
        row = rows[pk]
        done = submit and bool(grade)
        if (row.department_grade, row.department_comment) == (grade, comment) and not (done and not row.department_at):
            continue
        row.department_grade, row.department_comment = grade, comment
        if done:
            row.department_at, row.department_by = now, by
        row.version += 1
        changed.append(row)
    EthicsMember.objects.bulk_update(
        changed, ["department_grade", "department_comment", "department_at", "department_by", "version"]
    )
    if changed or scores:
        audit_log(
            actor=by,
            action="evaluations.department.saved",
            target=current_cycle,
            target_repr=current_cycle.title,
            data={
                "people": [f"{r.staff_id}:{r.department_grade}" for r in changed],
                "submitted": submit,
                "scores": len(scores),
            },
        )
    return len(changed)


# --- 单位评价 ---------------------------------------------------------------------------------


def has_veto(cycle: EthicsCycle, member: EthicsMember) -> bool:
    """Does a veto record of the cycle's year count against the person now (whatever was computed)?"""
    return Record.objects.filter(
        standard=cycle.standard,
        kind=RecordKind.VETO,
        status=RecordStatus.COUNTS,
        staff_id=member.staff_id,
        date__year=cycle.year,
    ).exists()


def _check_decision(cycle: EthicsCycle, member: EthicsMember, grade: str, reason: str) -> None:
    definition = definition_of(cycle)
    if grade != definition.veto_grade and (member.engine_vetoed or has_veto(cycle, member)):
        raise EvaluationError(
            _(
                "%(name)s has a one-vote veto on record, so the grade is %(grade)s. If the veto is wrong, "
                "void its record first and recompute."
            )
            % {"name": member.staff.name, "grade": definition.veto_grade}
        )
    if grade != member.engine_grade and not reason:
        message = _("Give the reason for a grade other than the computed one (%(grade)s).")
        raise EvaluationError({"reason": message % {"grade": member.engine_grade or "—"}})
    most = quota_capacity(cycle).get(grade)
    if most is not None and grade != member.final_grade:
        given = cycle.members.filter(final_grade=grade).exclude(pk=member.pk).count()
        if given + 1 > most:
            raise EvaluationError(
                _("%(grade)s is limited to %(most)d people in this cycle and all places are taken.")
                % {"grade": grade, "most": most}
            )


@transaction.atomic
def hospital_decide(
    *,
    by,
    member: EthicsMember,
    grade: str,
    reason: str = "",
    comment: str = "",
    improvement_plan: str = "",
    expected_version: int | None = None,
) -> EthicsMember:
    """The committee's final grade of one person."""
    cycle = locked(_cycle(member))
    require_state(cycle, CycleState.HOSPITAL)
    if not may_decide(access_for(by)):
        raise EvaluationError(_("Final grades are decided by the evaluation committee."))
    current = locked(member)
    check_version(current, expected_version)
    grade = check_grade(definition_of(cycle), grade)
    reason, comment, plan = text(reason), text(comment), text(improvement_plan)
    _check_decision(cycle, current, grade, reason)
    before = current.final_grade
    current.final_grade = grade
    current.override_reason = reason if grade != current.engine_grade else ""
    current.hospital_comment = comment
    current.improvement_plan = plan
    current.decided_at, current.decided_by = timezone.now(), by
    current.version += 1
    current.save()
    audit_log(
        actor=by,
        action="evaluations.member.decided",
        target=current,
        target_repr=member_repr(current),
        data={"grade": [before, grade], "computed": current.engine_grade, "reason": current.override_reason},
    )
    return current


@transaction.atomic
def hospital_accept_computed(*, by, cycle: EthicsCycle) -> int:
    """Give every undecided person their computed grade (which already respects quotas and vetoes)."""
    current = locked(cycle)
    require_state(current, CycleState.HOSPITAL)
    if not may_decide(access_for(by)):
        raise EvaluationError(_("Final grades are decided by the evaluation committee."))
    undecided = current.members.filter(final_grade="").exclude(engine_grade="")
    capacity = quota_capacity(current)
    taken = {g: current.members.filter(final_grade=g).count() for g in capacity}
    accepted, closed = [], set()
    # Highest totals first, people with equal totals together: as the engine grades, a tied group
    # that does not fit what is left of a quota is not split, and the quota closes.
    rows = sorted(undecided.values_list("engine_grade", "engine_total", "pk"), key=lambda r: (-(r[1] or 0), r[2]))
    for (grade, _total), group in groupby(rows, key=lambda r: (r[0], r[1])):
        pks = [pk for _g, _t, pk in group]
        if grade in capacity:
            if grade in closed or taken[grade] + len(pks) > capacity[grade]:
                closed.add(grade)  # places taken by overrides: left for the committee to decide
                continue
            taken[grade] += len(pks)
        accepted += pks
    # One UPDATE (the final grade is each person's computed one), not a row at a time.
    current.members.filter(pk__in=accepted).update(
        final_grade=F("engine_grade"),
        override_reason="",
        decided_at=timezone.now(),
        decided_by=by,
        version=F("version") + 1,
    )
    if accepted:
        audit_log(
            actor=by,
            action="evaluations.cycle.accepted_computed",
            target=current,
            target_repr=current.title,
            data={"members": len(accepted)},
        )
    return len(accepted)


# --- 异议与复核 -------------------------------------------------------------------------------


@transaction.atomic
def objection_raise(*, by, member: EthicsMember, text_: str) -> Objection:
    """An objection to a published grade, during publicity (named: the committee answers the person)."""
    cycle = locked(_cycle(member))
    require_state(cycle, CycleState.PUBLICITY)
    if cycle.publicity_end and hospital_today() > cycle.publicity_end:
        raise EvaluationError(_("Publicity has ended; objections are no longer accepted."))
    body = text(text_)
    if len(body) < 5:
        raise EvaluationError({"text": _("Say what you object to and why.")})
    objection = Objection.objects.create(member=member, raised_by=by, text=body, grade_before=member.final_grade)
    audit_log(
        actor=by,
        action="evaluations.objection.raised",
        target=objection,
        target_repr=member_repr(member),
        data={"grade": member.final_grade},
    )
    notify(
        recipients=users_with_roles(Role.OFFICE),
        kind="evaluations.objection.raised",
        params={"person": member.staff.name, "cycle": cycle.title},
        url=f"/evaluations/{cycle.year}/publicity/",
        exclude=by,
    )
    return objection


@transaction.atomic
def objection_review(
    *,
    by,
    objection: Objection,
    upheld: bool,
    note: str,
    grade: str = "",
    expected_version: int | None = None,
) -> Objection:
    """The committee's 复核 of an objection; an upheld objection may change the grade, under the same
    rules as a decision (a veto that still counts keeps the veto grade; a voided one no longer does)."""
    if not may_decide(access_for(by)):
        raise EvaluationError(_("Objections are reviewed by the evaluation committee."))
    note = text(note)
    if not note:
        raise EvaluationError({"note": _("Write the conclusion of the review.")})
    # Locks in the order every service takes them (cycle, person, objection): no deadlock with a new
    # objection about the same person.
    member = Objection.objects.select_related("member").get(pk=objection.pk).member
    cycle = locked(_cycle(member))
    require_state(cycle, CycleState.PUBLICITY)
    member = locked(member)
    current = locked(objection)
    check_version(current, expected_version)
    if current.state != ObjectionState.OPEN:
        raise EvaluationError(_("This objection has already been reviewed."))
    before = member.final_grade
    if upheld and grade and grade != before:
        grade = check_grade(definition_of(cycle), grade)
        _check_decision(cycle, member, grade, note)
        member.final_grade = grade
        member.override_reason = note if grade != member.engine_grade else ""
        member.decided_at, member.decided_by = timezone.now(), by
        member.version += 1
        member.save()
    current.state = ObjectionState.UPHELD if upheld else ObjectionState.DISMISSED
    current.review_note = note
    current.grade_after = member.final_grade
    current.reviewed_at, current.reviewed_by = timezone.now(), by
    current.version += 1
    current.save()
    audit_log(
        actor=by,
        action="evaluations.objection.reviewed",
        target=current,
        target_repr=member_repr(member),
        data={"state": current.state, "grade": [before, member.final_grade], "note": note},
    )
    notify(
        recipients=[current.raised_by],
        kind="evaluations.objection.reviewed",
        params={"person": member.staff.name, "cycle": cycle.title, "outcome": current.get_state_display()},
        url=f"/evaluations/{cycle.year}/publicity/",
        exclude=by,
    )
    return current
