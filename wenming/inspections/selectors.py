"""Reading inspections: what is due this week under a plan, which rounds a person may see, and
the review pages' reads (a round's findings grouped by item, photos, appeals), scoped to the person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from wenming.org.access import access_for
from wenming.org.models import Department, Role
from wenming.org.selectors import current_hospital
from wenming.rectification.models import RectificationItem
from wenming.scoring.models import RecordStatus
from wenming.scoring.periods import local_date
from wenming.scoring.selectors.records import CodeInfo, code_catalogue
from wenming.scoring.services import finalized_period
from wenming.standards.models import Standard, StandardVersion

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
from .services import appeal_deadline


@dataclass(frozen=True)
class Schedule:
    """Departments of a plan still to be inspected in the current period (``due``) and those
    that were missed in the previous period and have not been inspected since (``overdue``)."""

    start: date  # first day of the current period
    end: date  # day after its last day
    due: list[Department]
    overdue: list[Department]


def plan_period(frequency: str, day: date) -> tuple[date, date]:
    """(first day, day after the last) of the week (Monday to Sunday) or month holding ``day``."""
    if frequency == Frequency.MONTHLY:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return start, end
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=7)


def _inspected(plan: InspectionPlan, start: date, end: date) -> set[int]:
    """Pks of the plan's departments with a submitted round of the plan's standard in [start, end)."""
    return set(
        InspectionRound.objects.filter(
            department__inspection_plans=plan,
            standard_id=plan.standard_id,
            state=RoundState.SUBMITTED,
            date__gte=start,
            date__lt=end,
        ).values_list("department_id", flat=True)
    )


def due_this_week(*, plan: InspectionPlan, today: date) -> Schedule:
    """The plan's schedule for the period holding ``today`` (hospital local dates): a weekly
    plan's period is Monday to Sunday, a monthly plan's the calendar month. A department is
    overdue when it had no round in the previous period (after the plan was created) and has had
    none since."""
    start, end = plan_period(plan.frequency, today)
    previous_start, _ = plan_period(plan.frequency, start - timedelta(days=1))
    departments = list(plan.departments.filter(is_active=True).order_by("path")) if plan.active else []
    this_period = _inspected(plan, start, end)
    plan_started = local_date(plan.created_at, current_hospital().time_zone) if plan.created_at else previous_start
    if plan_started < start:
        last_period = _inspected(plan, max(previous_start, plan_started), start)
    else:
        last_period = {d.pk for d in departments}  # the plan did not exist then: nothing was missed
    due = [d for d in departments if d.pk not in this_period]
    overdue = [d for d in due if d.pk not in last_period]
    return Schedule(start=start, end=end, due=due, overdue=overdue)


def rounds_for(*, user) -> QuerySet[InspectionRound]:
    """The rounds ``user`` may see: all for the whole-hospital roles, those of their departments
    (and the departments under them) for department heads, none for anyone else."""
    access = access_for(user)
    rounds = InspectionRound.objects.select_related("department", "inspector", "standard", "plan")
    if access.sees_whole_hospital:
        return rounds
    if not access.head_paths:
        return rounds.none()
    return rounds.filter(access.headed("department__"))


# --- Review: rounds, findings, photos and appeals as a person may see them ---------------------
# Everything below serves the review pages (views/review.py, views/appeals.py). Objects a URL names
# are looked up within ``rounds_for`` and come back None for missing and not-yours alike.


def may_decide_appeals(access) -> bool:
    """The leadership group and the civility office (and system admins) decide appeals."""
    return access.has(Role.LEADERSHIP) or access.is_office or access.is_system_admin


def may_review(access) -> bool:
    """May open the round list at all: the whole-hospital roles and department heads."""
    return access.sees_whole_hospital or access.is_department_head


def shows_inspector(access, inspection_round: InspectionRound) -> bool:
    """Inspections are not anonymous, except unannounced rounds (暗访): who inspected is then
    hidden from the inspected department and shown only to the whole-hospital roles."""
    return not inspection_round.unannounced or access.sees_whole_hospital


@dataclass(frozen=True)
class RoundFilters:
    department: Department | None = None  # that department and those under it
    start: date | None = None  # first day shown
    end: date | None = None  # last day shown (inclusive)
    inspector_id: int | None = None
    unannounced: bool | None = None
    pending_appeal: bool = False


def _count_of(queryset: QuerySet, group: str) -> Coalesce:
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def review_rounds(*, user, filters: RoundFilters | None = None) -> QuerySet[InspectionRound]:
    """The submitted rounds ``user`` may see (:func:`rounds_for`), newest first, narrowed by
    ``filters`` and annotated ``finding_count``, ``appeal_count`` and ``pending_appeals``
    (subqueries: one query however many rounds)."""
    filters = filters or RoundFilters()
    rounds = rounds_for(user=user).filter(state=RoundState.SUBMITTED).select_related("inspector__staff")
    if filters.department is not None:
        rounds = rounds.filter(department__path__startswith=filters.department.path)
    if filters.start is not None:
        rounds = rounds.filter(date__gte=filters.start)
    if filters.end is not None:
        rounds = rounds.filter(date__lte=filters.end)
    if filters.inspector_id is not None:
        rounds = rounds.filter(inspector_id=filters.inspector_id)
    if filters.unannounced is not None:
        rounds = rounds.filter(unannounced=filters.unannounced)
    appeals = Appeal.objects.filter(finding__round=OuterRef("pk"))
    rounds = rounds.annotate(
        finding_count=_count_of(RoundFinding.objects.filter(round=OuterRef("pk")), "round"),
        appeal_count=_count_of(appeals, "finding__round"),
        pending_appeals=_count_of(appeals.filter(state=AppealState.PENDING), "finding__round"),
    )
    if filters.pending_appeal:
        rounds = rounds.filter(pending_appeals__gt=0)
    return rounds.order_by("-date", "-pk")


def round_inspectors(*, user) -> QuerySet:
    """The accounts that inspected rounds ``user`` may see (for the list's filter)."""
    inspected = rounds_for(user=user).order_by().values("inspector_id")
    return get_user_model().objects.filter(pk__in=inspected).select_related("staff").order_by("staff__name", "pk")


def catalogues(standard_ids) -> dict[int, dict[str, CodeInfo]]:
    """Each standard's codes (names, items and points) as its newest version defines them; one
    query for any number of standards."""
    newest = StandardVersion.objects.filter(standard=OuterRef("pk")).order_by("-number").values("pk")[:1]
    newest_pks = Standard.objects.filter(pk__in=set(standard_ids)).annotate(v=Subquery(newest)).values("v")
    return {
        version.standard_id: code_catalogue(version.definition)
        for version in StandardVersion.objects.filter(pk__in=newest_pks)
    }


def add_round_points(rounds: list[InspectionRound]) -> list[InspectionRound]:
    """Set ``points`` on each round: the points its findings deduct (count × the deduction's
    points), leaving out voided findings. Two queries for any number of rounds."""
    if not rounds:
        return rounds
    totals = (
        RoundFinding.objects.filter(round__in=[r.pk for r in rounds])
        .exclude(record__status=RecordStatus.VOIDED)
        .order_by()
        .values("round_id", "code")
        .annotate(n=Sum("count"))
    )
    by_standard = catalogues(r.standard_id for r in rounds)
    standard_of = {r.pk: r.standard_id for r in rounds}
    points: dict[int, Decimal] = {}
    for row in totals:
        info = by_standard.get(standard_of[row["round_id"]], {}).get(row["code"])
        each = info.points if info is not None and info.points is not None else Decimal(0)
        points[row["round_id"]] = points.get(row["round_id"], Decimal(0)) + each * row["n"]
    for inspection_round in rounds:
        inspection_round.points = points.get(inspection_round.pk, Decimal(0))
    return rounds


def review_round_for_user(*, user, pk: int) -> InspectionRound | None:
    """A submitted round ``user`` may see; None for missing and not-yours alike."""
    return (
        rounds_for(user=user)
        .filter(state=RoundState.SUBMITTED, pk=pk)
        .select_related("inspector__staff", "department__parent")
        .first()
    )


def finding_for_user(*, user, pk: int) -> RoundFinding | None:
    """A finding of a submitted round ``user`` may see; None for missing and not-yours alike."""
    rounds = rounds_for(user=user).filter(state=RoundState.SUBMITTED)
    return (
        RoundFinding.objects.filter(pk=pk, round__in=rounds.values("pk"))
        .select_related(
            "round__department", "round__standard", "round__inspector__staff", "record", "responsible__department"
        )
        .first()
    )


def photo_for_user(*, user, pk: int) -> Photo | None:
    """A photo of a round ``user`` may see; None for missing and not-yours alike."""
    return Photo.objects.filter(pk=pk, finding__round__in=rounds_for(user=user).values("pk")).first()


def appeal_for_user(*, user, pk: int) -> Appeal | None:
    """An appeal against a finding of a round ``user`` may see; None for missing and not-yours."""
    return (
        Appeal.objects.filter(pk=pk, finding__round__in=rounds_for(user=user).values("pk"))
        .select_related(*APPEAL_RELATED)
        .first()
    )


APPEAL_RELATED = (
    "finding__round__department",
    "finding__round__standard",
    "finding__round__inspector__staff",
    "finding__record",
    "finding__responsible",
    "appealed_by__staff",
    "decided_by__staff",
)


def appeal_refusal(finding: RoundFinding, *, today: date, locked: bool, appealed: bool) -> str | None:
    """Why the head of the finding's department cannot appeal it now (a translated sentence), or
    None when they can. ``locked``: the finding's scoring period is finalized; ``appealed``: it
    has an appeal already (one per finding). The service checks the same again when filing."""
    deadline = appeal_deadline(finding.round.date)
    record = finding.record
    if appealed:
        return _("This finding has already been appealed.")
    if record is not None and record.status == RecordStatus.VOIDED:
        return _("This finding has been voided; there is nothing to appeal.")
    if locked:
        return _("The scoring period of this finding has been finalized; it can no longer be appealed.")
    if record is not None and record.status != RecordStatus.COUNTS:
        return _("Only a finding that counts can be appealed; this one is %(status)s.") % {
            "status": record.get_status_display()
        }
    if today > deadline:
        return _("Appeals against this finding were possible until %(deadline)s.") % {"deadline": date_format(deadline)}
    return None


@dataclass
class FindingRow:
    """One finding on a round's page, with what it shows beside it."""

    finding: RoundFinding
    info: CodeInfo | None
    subtotal: Decimal | None  # count × points each
    appeal: Appeal | None  # the newest appeal
    photos: list[Photo]
    items: list  # rectification items opened from its record
    appeal_refusal: str | None = None  # why the head cannot appeal (None: they can)

    @property
    def status(self) -> str:
        """counts | appealed (pending while an appeal is open) | pending | voided | none."""
        record = self.finding.record
        if record is None:
            return "none"
        if (
            record.status == RecordStatus.PENDING
            and self.appeal is not None
            and self.appeal.state == AppealState.PENDING
        ):
            return "appealed"
        return record.status


@dataclass
class FindingGroup:
    """The findings of one item of the standard."""

    code: str
    name: str
    rows: list[FindingRow]

    @property
    def subtotal(self) -> Decimal:
        return sum(
            (r.subtotal for r in self.rows if r.subtotal is not None and r.status != RecordStatus.VOIDED),
            Decimal(0),
        )


@dataclass
class RoundDetail:
    inspection_round: InspectionRound
    groups: list[FindingGroup]
    deadline: date
    locked: bool  # the round's scoring period is finalized

    @property
    def rows(self) -> list[FindingRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def points(self) -> Decimal:
        return sum((group.subtotal for group in self.groups), Decimal(0))


def round_detail(*, inspection_round: InspectionRound, today: date) -> RoundDetail:
    """A round's findings grouped by the standard's items (in the standard's order), each with
    its points, photos, newest appeal, the rectification items opened from it and why its
    department's head could not appeal it now. A fixed number of queries."""
    findings = list(
        inspection_round.findings.select_related("record", "responsible__department")
        .prefetch_related(
            Prefetch("photos", queryset=Photo.objects.order_by("pk")),
            Prefetch(
                "appeals",
                queryset=Appeal.objects.select_related("appealed_by__staff", "decided_by__staff").order_by(
                    "-appealed_at", "-pk"
                ),
            ),
        )
        .order_by("pk")
    )
    record_ids = [f.record_id for f in findings if f.record_id]
    items: dict[int, list] = {}
    if record_ids:
        for item in RectificationItem.objects.filter(finding_id__in=record_ids).order_by("pk"):
            items.setdefault(item.finding_id, []).append(item)
    catalogue = catalogues([inspection_round.standard_id]).get(inspection_round.standard_id, {})
    order = {code: index for index, code in enumerate(catalogue)}
    locked = finalized_period(standard=inspection_round.standard, day=inspection_round.date) is not None
    groups: dict[str, FindingGroup] = {}
    for finding in findings:
        info = catalogue.get(finding.code)
        appeals = list(finding.appeals.all())
        row = FindingRow(
            finding=finding,
            info=info,
            subtotal=info.points * finding.count if info is not None and info.points is not None else None,
            appeal=appeals[0] if appeals else None,
            photos=list(finding.photos.all()),
            items=items.get(finding.record_id, []),
        )
        row.appeal_refusal = appeal_refusal(finding, today=today, locked=locked, appealed=bool(appeals))
        item_code = info.item_code if info is not None else finding.code
        group = groups.get(item_code)
        if group is None:
            group = groups[item_code] = FindingGroup(
                code=item_code, name=info.item_name if info is not None else "", rows=[]
            )
        group.rows.append(row)
    ordered = sorted(groups.values(), key=lambda g: (order.get(g.code, len(order)), g.code))
    return RoundDetail(
        inspection_round=inspection_round,
        groups=ordered,
        deadline=appeal_deadline(inspection_round.date),
        locked=locked,
    )


def appeals_for(*, user, state: str = "", department: Department | None = None) -> QuerySet[Appeal]:
    """The appeals ``user`` may see: all for those who decide them, those of their departments
    (and the departments under them) for department heads, none for anyone else. Pending ones
    first (longest waiting first), then the decided ones, most recently decided first."""
    access = access_for(user)
    appeals = Appeal.objects.select_related(*APPEAL_RELATED)
    if not may_decide_appeals(access):
        if not access.head_paths:
            return appeals.none()
        appeals = appeals.filter(access.headed("finding__round__department__"))
    if state:
        appeals = appeals.filter(state=state)
    if department is not None:
        appeals = appeals.filter(finding__round__department__path__startswith=department.path)
    pending = Q(state=AppealState.PENDING)
    return appeals.annotate(
        pending_first=Case(When(pending, then=Value(0)), default=Value(1), output_field=IntegerField()),
        waiting_since=Case(When(pending, then=F("appealed_at")), default=None),
    ).order_by("pending_first", F("waiting_since").asc(nulls_last=True), F("decided_at").desc(nulls_last=True), "-pk")


def add_appeal_facts(appeals: list[Appeal], *, today: date) -> list[Appeal]:
    """Set ``info`` (the finding's code in its standard; one query for the standards) and
    ``days_waiting`` (whole days since a pending appeal was filed, hospital calendar)."""
    if not appeals:
        return appeals
    by_standard = catalogues(a.finding.round.standard_id for a in appeals)
    time_zone = current_hospital().time_zone
    for appeal in appeals:
        appeal.info = by_standard.get(appeal.finding.round.standard_id, {}).get(appeal.finding.code)
        appeal.days_waiting = (
            (today - local_date(appeal.appealed_at, time_zone)).days if appeal.state == AppealState.PENDING else None
        )
    return appeals


# --- The schedule of many plans ------------------------------------------------------------------


@dataclass
class PlanSchedule:
    """One plan's current period: the departments still due (overdue ones first) and progress."""

    plan: InspectionPlan
    start: date
    end: date  # day after the last
    due: list[Department]
    overdue: set[int]
    total: int
    mine: bool = False

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def done(self) -> int:
        return self.total - len(self.due)


def plan_schedules(*, plans: list[InspectionPlan], today: date, user=None) -> list[PlanSchedule]:
    """:func:`selectors.due_this_week` for many plans in a fixed number of queries (one for the
    plans' departments, one for the rounds of every plan's two periods, one for the user's
    plans); the rules are the same and a test compares the two. ``plans`` need only their row."""
    if not plans:
        return []
    plan_ids = [p.pk for p in plans]
    through = InspectionPlan.departments.through
    links = through.objects.filter(inspectionplan_id__in=plan_ids, department__is_active=True).select_related(
        "department"
    )
    departments: dict[int, list[Department]] = {pk: [] for pk in plan_ids}
    for link in links.order_by("department__path"):
        departments[link.inspectionplan_id].append(link.department)
    time_zone = current_hospital().time_zone
    windows = {}
    for plan in plans:
        start, end = plan_period(plan.frequency, today)
        previous_start, _ = plan_period(plan.frequency, start - timedelta(days=1))
        started = local_date(plan.created_at, time_zone) if plan.created_at else previous_start
        last_from = max(previous_start, started) if started < start else None
        windows[plan.pk] = (start, end, last_from)
    earliest = min(w[2] or w[0] for w in windows.values())
    latest = max(w[1] for w in windows.values())
    seen = set(
        InspectionRound.objects.filter(
            state=RoundState.SUBMITTED,
            department_id__in=through.objects.filter(inspectionplan_id__in=plan_ids).values("department_id"),
            standard_id__in={p.standard_id for p in plans},
            date__gte=earliest,
            date__lt=latest,
        )
        .order_by()
        .values_list("department_id", "standard_id", "date")
        .distinct()
    )
    mine = set(user.inspection_plans.values_list("pk", flat=True)) if user is not None else set()
    schedules = []
    for plan in plans:
        start, end, last_from = windows[plan.pk]
        ours = [(d, day) for d, s, day in seen if s == plan.standard_id]
        this_period = {d for d, day in ours if start <= day < end}
        listed = departments[plan.pk] if plan.active else []
        if last_from is not None:
            last_period = {d for d, day in ours if last_from <= day < start}
        else:  # the plan did not exist then: nothing was missed
            last_period = {d.pk for d in listed}
        due = [d for d in listed if d.pk not in this_period]
        overdue = {d.pk for d in due if d.pk not in last_period}
        due.sort(key=lambda d: (d.pk not in overdue, d.path))
        schedules.append(PlanSchedule(plan, start, end, due, overdue, len(listed), plan.pk in mine))
    return schedules
