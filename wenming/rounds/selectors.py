"""Reads of evaluation rounds, scoped to the person: which rounds they see, the results (aggregates
only, with the minimum-raters rule), completion (who has voted — never what), their ballots and
their own results; and :func:`department_round_results` for the commitments (三亮) pages.

Who sees results: the office, system administrators and the leadership group every person's, once
the round is closed; a department head their departments' people, once it is published; a person
their own, once it is published. While a round is open nobody sees results, so that comparing
results before and after someone votes cannot reveal a score.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wenming.feedback.models import Feedback
from wenming.org.access import access_for
from wenming.org.models import Department, Role

from .models import Ballot, Ratee, RaterGroup, Round, RoundPurpose, RoundState, Score
from .results import Outcome, half_up, outcome, patient_value
from .services import is_office_access

RESULT_STATES = (RoundState.CLOSED, RoundState.PUBLISHED)


def _sees_all(access) -> bool:
    return is_office_access(access) or access.has(Role.LEADERSHIP)


# --- Rounds ---------------------------------------------------------------------------------------


def rounds_for_user(user) -> QuerySet[Round]:
    """The rounds on the list: every round for the office; every round past draft for the
    leadership group; for a head, the rounds past draft that evaluate people of their departments."""
    access = access_for(user)
    rounds = Round.objects.all()
    if is_office_access(access):
        return rounds
    if access.has(Role.LEADERSHIP):
        return rounds.exclude(state=RoundState.DRAFT)
    if access.is_department_head:
        ids = Ratee.objects.filter(access.headed("department__")).values("round_id")
        return rounds.exclude(state=RoundState.DRAFT).filter(pk__in=ids)
    return rounds.none()


def round_for_user(*, user, pk) -> Round | None:
    return rounds_for_user(user).filter(pk=pk).prefetch_related("groups").first()


def results_visible(round: Round, access) -> bool:
    if _sees_all(access):
        return round.state in RESULT_STATES
    return round.state == RoundState.PUBLISHED and access.is_department_head


def ratees_for(round: Round, access) -> QuerySet[Ratee]:
    """The people evaluated whose results (and, by rater department, completion) this person sees."""
    ratees = Ratee.objects.filter(round=round)
    if _sees_all(access):
        return ratees
    return ratees.filter(access.headed("department__"))


# --- Results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateeResult:
    ratee: Ratee
    outcome: Outcome


def _values(round: Round, staff_ids) -> dict[int, dict[str, list[Fraction]]]:
    values: dict[int, dict[str, list[Fraction]]] = defaultdict(lambda: defaultdict(list))
    for ratee_id, group, value in Score.objects.filter(round=round, ratee_id__in=staff_ids).values_list(
        "ratee_id", "group", "value"
    ):
        values[ratee_id][group].append(Fraction(value))
    return values


def _patient_values(round: Round, staff_ids, into: dict) -> None:
    feedback = Feedback.objects.filter(
        staff_id__in=staff_ids,
        is_valid=True,
        local_date__gte=round.patient_from,
        local_date__lte=round.patient_to,
    ).values_list("staff_id", "overall")
    for staff_id, overall in feedback:
        into[staff_id][RaterGroup.PATIENT].append(patient_value(overall))


def results_of(round: Round, ratees: QuerySet[Ratee]) -> list[RateeResult]:
    """Each person's groups and weighted total (4 queries: groups, people, scores, feedback)."""
    weights = {g.group: g.weight for g in round.groups.all()}
    rows = list(ratees.select_related("staff", "department").order_by("department__path", "staff__staff_no"))
    staff_ids = ratees.values("staff_id")
    values = _values(round, staff_ids)
    if RaterGroup.PATIENT in weights:
        _patient_values(round, staff_ids, values)
    return [
        RateeResult(
            ratee,
            outcome(
                values.get(ratee.staff_id, {}),
                weights=weights,
                min_raters=round.min_raters,
                drop_extremes=round.drop_extremes,
            ),
        )
        for ratee in rows
    ]


def round_results(*, round: Round, user) -> list[RateeResult] | None:
    """The results this person may read; None when they may not read results of this round (yet)."""
    access = access_for(user)
    if not results_visible(round, access):
        return None
    return results_of(round, ratees_for(round, access))


def my_results(*, user) -> list[tuple[Round, RateeResult]]:
    """A person's own results, from the published rounds that evaluated them (我的评价结果)."""
    staff_id = access_for(user).staff_id
    if staff_id is None:
        return []
    rounds = Round.objects.filter(state=RoundState.PUBLISHED, ratees__staff_id=staff_id).order_by("-published_at")
    found = []
    for round in rounds.prefetch_related("groups"):
        results = results_of(round, Ratee.objects.filter(round=round, staff_id=staff_id))
        if results:
            found.append((round, results[0]))
    return found


# --- Completion -----------------------------------------------------------------------------------


@dataclass
class DepartmentCompletion:
    department: Department
    total: int
    submitted: int
    pending_names: list[str]

    @property
    def percent(self) -> Decimal:
        if not self.total:
            return Decimal("0.0")
        return (Decimal(self.submitted * 100) / self.total).quantize(Decimal("0.1"))


@dataclass
class Completion:
    rows: list[DepartmentCompletion]
    total: int
    submitted: int
    shows_names: bool

    @property
    def percent(self) -> Decimal:
        if not self.total:
            return Decimal("0.0")
        return (Decimal(self.submitted * 100) / self.total).quantize(Decimal("0.1"))


def round_completion(*, round: Round, user) -> Completion:
    """Ballots submitted / total per rater department, and (office, heads) who still has ballots
    to fill in. Never a score. 3 queries."""
    access = access_for(user)
    ballots = Ballot.objects.filter(round=round)
    if not _sees_all(access):
        ballots = ballots.filter(access.headed("rater__department__"))
    counts = (
        ballots.values("rater__department_id")
        .annotate(total=Count("pk"), submitted=Count("pk", filter=Q(submitted_at__isnull=False)))
        .order_by()
    )
    by_department = {c["rater__department_id"]: c for c in counts}
    departments = Department.objects.filter(pk__in=list(by_department)).order_by("path")
    shows_names = is_office_access(access) or access.is_department_head
    pending: dict[int, list[str]] = defaultdict(list)
    if shows_names:
        people = (
            ballots.filter(submitted_at__isnull=True)
            .values_list("rater__department_id", "rater__name", "rater__staff_no")
            .distinct()
            .order_by("rater__staff_no")
        )
        for department_id, name, _staff_no in people:
            pending[department_id].append(name)
    rows = [
        DepartmentCompletion(
            department=d,
            total=by_department[d.pk]["total"],
            submitted=by_department[d.pk]["submitted"],
            pending_names=pending.get(d.pk, []),
        )
        for d in departments
    ]
    return Completion(
        rows=rows,
        total=sum(r.total for r in rows),
        submitted=sum(r.submitted for r in rows),
        shows_names=shows_names,
    )


# --- A rater's ballots ----------------------------------------------------------------------------


@dataclass
class BallotRound:
    round: Round
    pending: int
    submitted: int

    @property
    def total(self) -> int:
        return self.pending + self.submitted


def ballot_rounds(*, user) -> list[BallotRound]:
    """The open rounds in which this person has ballots, with how many are still to fill in."""
    staff_id = access_for(user).staff_id
    if staff_id is None:
        return []
    rows = (
        Ballot.objects.filter(rater_id=staff_id, round__state=RoundState.OPEN)
        .values("round_id")
        .annotate(
            pending=Count("pk", filter=Q(submitted_at__isnull=True)),
            done=Count("pk", filter=Q(submitted_at__isnull=False)),
        )
        .order_by()
    )
    counts = {r["round_id"]: r for r in rows}
    rounds = Round.objects.filter(pk__in=list(counts)).order_by("closes_at")
    return [BallotRound(r, counts[r.pk]["pending"], counts[r.pk]["done"]) for r in rounds]


def ballot_round_for_user(*, user, pk) -> Round | None:
    """A round in which this person has ballots (any state), else None."""
    staff_id = access_for(user).staff_id
    if staff_id is None:
        return None
    return Round.objects.filter(pk=pk, ballots__rater_id=staff_id).distinct().first()


def pending_ballots(*, user, round: Round) -> list[Ballot]:
    """The person's ballots of a round still to fill in, with the people they rate."""
    staff_id = access_for(user).staff_id
    return list(
        Ballot.objects.filter(round=round, rater_id=staff_id, submitted_at__isnull=True)
        .select_related("ratee__department")
        .order_by("group", "ratee__department__path", "ratee__staff_no")
    )


def submitted_count(*, user, round: Round) -> int:
    staff_id = access_for(user).staff_id
    return Ballot.objects.filter(round=round, rater_id=staff_id, submitted_at__isnull=False).count()


# --- For the commitments pages --------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentRoundResult:
    round_id: int
    title: str
    period_key: str
    published_at: datetime
    score: Decimal | None  # mean of the department's ratees' weighted totals that are shown; None if none shown
    ratees: int  # ratees of the department in the round
    raters: int  # distinct raters who submitted for the department's ratees


def department_round_results(
    *, department: Department, purpose: str, period_key: str | None = None
) -> list[DepartmentRoundResult]:
    """The department's results in published rounds of ``purpose`` (newest first). The department's
    people are those evaluated in it or in the departments under it (as the round snapshot them);
    its score is the mean of their weighted totals that are shown (a total hidden by the
    minimum-raters rule in every group does not count)."""
    purpose = RoundPurpose(purpose)
    rounds = Round.objects.filter(
        state=RoundState.PUBLISHED, purpose=purpose, ratees__department__path__startswith=department.path
    ).distinct()
    if period_key is not None:
        rounds = rounds.filter(period_key=period_key)
    found = []
    for round in rounds.order_by("-published_at", "-pk").prefetch_related("groups"):
        ratees = Ratee.objects.filter(round=round, department__path__startswith=department.path)
        results = results_of(round, ratees)
        totals = [r.outcome.exact_total for r in results if r.outcome.exact_total is not None]
        score = half_up(sum(totals, Fraction(0)) / len(totals)) if totals else None
        raters = (
            Ballot.objects.filter(round=round, submitted_at__isnull=False, ratee_id__in=ratees.values("staff_id"))
            .values("rater_id")
            .distinct()
            .count()
        )
        found.append(
            DepartmentRoundResult(
                round_id=round.pk,
                title=round.title,
                period_key=round.period_key,
                published_at=round.published_at or timezone.now(),
                score=score,
                ratees=len(results),
                raters=raters,
            )
        )
    return found
