"""Reads for the monthly supervision report (每月督办通报 / 督查汇总): what the inspections found in
a month, where and how often, which problems keep coming back, and how the rectification ledger
(整改台账) kept up. Everything here reads; nothing writes.

What counts, exactly (the page says the same in words):

- **Findings** are scoring records of kind ``finding`` against a department, dated in the month
  (the round's date for a finding recorded in an inspection round; findings entered on the records
  page or imported count alike), of any standard. Only records whose status is ``counts`` are
  counted; those ``pending`` (waiting for approval or under appeal) are shown separately; voided
  ones are left out. *Occurrences* are the sum of ``count``; *points* are Σ count × the points per
  occurrence of the deduction in the newest version of the record's standard (exact Decimal), before
  the per-item caps the scoring applies — a code the newest version no longer has adds no points.
- **Rounds** are submitted inspection rounds dated in the month; *departments inspected* are the
  distinct departments of those rounds.
- **Appeals** are those against findings of rounds dated in the month, by their present state.
- **Repeat problems**: the same deduction code of the same standard in the same department, found
  (as a counting record) in this month and in either of the two months before, or on two or more
  records in this month.
- **Rectification** uses the hospital's calendar (its time zone): items *opened* in the month
  (``created_at``), *closed* in the month (``closed_at``); the *closure rate* is the share of the
  items opened in the month that were closed by the month's end (so a past month's figure does
  not change later); *open at month end* counts every item opened before the month's end and not
  closed by then; the *average days to close* is the mean of ``closed_at − created_at`` over the
  items closed in the month. The *overdue list* is as of the month's last day (today for the
  current month): items opened by then, past their deadline and not closed by then, with the
  deadline they have now (an approved extension moves it).
- **Trend**: the same occurrences and closure rate for the month and the five before it.

Scope: :func:`report_scope` — the whole-hospital roles see the whole hospital; a department head
sees the same report restricted to the departments they head (and those below them); anyone else
none (the view answers 403).

Every number is aggregated in the database (GROUP BY and conditional aggregates); Python only
combines the grouped rows (at most departments × deduction codes) and multiplies by the points of
the standard. The report costs a fixed number of queries however many findings and items there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _

from wenming.inspections.models import Appeal, AppealState, InspectionRound, RoundState
from wenming.org.access import Access
from wenming.org.models import Department
from wenming.org.selectors import current_hospital
from wenming.rectification.models import RectificationItem
from wenming.scoring.models import Record, RecordKind, RecordStatus
from wenming.scoring.periods import Period, parse_period, period_of
from wenming.standards.definition import Cycle, StandardDef
from wenming.standards.models import StandardVersion

TOP = 15  # bars in the department and problem charts
TREND_MONTHS = 6
REPEAT_LOOKBACK = 2  # months before this one in which a repeat may have been found first
_TENTH = Decimal("0.1")
_SECONDS_A_DAY = Decimal(86400)


# --- scope ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose findings the report covers: the whole hospital (``paths`` None) or the subtrees of
    the departments a head heads (their ``path`` prefixes)."""

    paths: tuple[str, ...] | None = None
    departments: tuple[Department, ...] = ()

    @property
    def whole_hospital(self) -> bool:
        return self.paths is None

    def q(self, prefix: str) -> Q:
        """A filter on ``<prefix>path`` (e.g. ``department__``) for this scope."""
        if self.paths is None:
            return Q()
        if not self.paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{prefix}path__startswith": path}) for path in self.paths))


def report_scope(access: Access) -> Scope | None:
    """The report a person may see: the whole hospital, their departments as a head, or None."""
    if access.sees_whole_hospital:
        return Scope()
    if access.is_department_head:
        departments = tuple(Department.objects.filter(path__in=access.head_paths).order_by("path"))
        return Scope(paths=access.head_paths, departments=departments)
    return None


# --- months --------------------------------------------------------------------------------------


def month_period(key: str) -> Period | None:
    """The month ``YYYY-MM`` names, or None for anything else."""
    try:
        period = parse_period(key, Cycle.MONTH)
    except ValueError:
        return None
    return period if period.start.year >= 2000 else None


def current_month(today: date) -> Period:
    return period_of(today, Cycle.MONTH)


def months_back(period: Period, count: int) -> list[Period]:
    """``count`` months ending with ``period``, oldest first."""
    months = [period]
    while len(months) < count:
        months.insert(0, months[0].previous())
    return months


def _bounds(period: Period, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The moments the month begins and ends on the hospital's calendar."""
    return _midnight(period.start, tz), _midnight(period.end, tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def _rate(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent with one decimal (half up); None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part * 100) / Decimal(whole)).quantize(_TENTH, rounding=ROUND_HALF_UP)


# --- the report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    rounds: int
    unannounced: int
    departments_inspected: int
    records: int
    occurrences: int
    points: Decimal
    pending_records: int
    pending_occurrences: int
    appeals_filed: int
    appeals_upheld: int
    appeals_voided: int
    appeals_pending: int


@dataclass
class DepartmentRow:
    code: str
    name: str
    rounds: int = 0
    unannounced: int = 0
    records: int = 0
    occurrences: int = 0
    points: Decimal = Decimal(0)
    pending: int = 0  # occurrences pending


@dataclass
class ProblemRow:
    """One deduction code (of one standard) found in the month."""

    standard_code: str
    code: str
    name: str  # the deduction's text, or "" for a code the standard no longer has
    item: str  # "D1 亮牌上岗、公开承诺"
    points_each: Decimal | None
    records: int = 0
    occurrences: int = 0
    points: Decimal = Decimal(0)
    pending: int = 0
    departments: set = field(default_factory=set)

    @property
    def department_count(self) -> int:
        return len(self.departments)

    @property
    def points_each_text(self) -> str:
        """As short as it is exact: 3, 0.5."""
        return "" if self.points_each is None else f"{self.points_each.normalize():f}"


@dataclass(frozen=True)
class RepeatRow:
    department_code: str
    department_name: str
    standard_code: str
    code: str
    name: str
    records: int  # counting records this month
    occurrences: int  # Σ count this month
    earlier_records: int  # counting records in the two months before
    last_earlier: date | None


@dataclass(frozen=True)
class Rectification:
    opened: int
    opened_closed: int  # of those opened in the month, closed by its end
    closure_rate: Decimal | None  # per cent
    closed: int  # closed in the month, whenever opened
    average_days: Decimal | None
    open_at_end: int


@dataclass(frozen=True)
class OverdueRow:
    pk: int
    department_code: str
    department_name: str
    problem: str
    source: str
    deadline: date
    days_overdue: int
    state: str
    closed_on: date | None  # closed since (after the date of the list)


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    occurrences: int
    opened: int
    closed: int
    closure_rate: Decimal | None


@dataclass
class Report:
    period: Period
    scope: Scope
    today: date
    as_of: date  # the date of the overdue list
    previous: Period
    next: Period | None
    headline: Headline
    departments: list[DepartmentRow]
    problems: list[ProblemRow]
    repeats: list[RepeatRow]
    rectification: Rectification
    overdue: list[OverdueRow]
    trend: list[TrendPoint]

    @property
    def is_current(self) -> bool:
        return self.period.contains(self.today)

    @property
    def several_standards(self) -> bool:
        return len({row.standard_code for row in self.problems}) > 1

    def department_chart(self) -> dict:
        rows = self.departments[:TOP]
        return {
            "kind": "bar",
            "labels": [row.name for row in rows],
            "series": [{"name": _("Findings"), "values": [row.occurrences for row in rows]}],
        }

    def problem_chart(self) -> dict:
        rows = self.problems[:TOP]
        return {
            "kind": "bar",
            "labels": [f"{row.code} {row.name}".strip() for row in rows],
            "series": [{"name": _("Findings"), "values": [row.occurrences for row in rows]}],
        }

    def trend_chart(self) -> dict:
        return {
            "kind": "trend",
            "labels": [point.period.label for point in self.trend],
            "series": [
                {"name": _("Findings"), "values": [point.occurrences for point in self.trend]},
                {
                    "name": _("Closure rate (%)"),
                    "values": [None if p.closure_rate is None else str(p.closure_rate) for p in self.trend],
                },
            ],
        }

    @staticmethod
    def chart_height(bars: int) -> int:
        """Pixels for a horizontal bar chart of ``bars`` bars (readable at phone width)."""
        return max(160, 40 + 30 * bars)

    @property
    def department_chart_height(self) -> int:
        return self.chart_height(min(len(self.departments), TOP))

    @property
    def problem_chart_height(self) -> int:
        return self.chart_height(min(len(self.problems), TOP))


def _finding_records(scope: Scope) -> Q:
    return Q(kind=RecordKind.FINDING, department__isnull=False) & scope.q("department__")


def _newest_definitions(standard_ids: set[int]) -> dict[int, StandardDef]:
    """The definition of the newest version of each standard (one query)."""
    if not standard_ids:
        return {}
    newest = StandardVersion.objects.filter(standard=OuterRef("standard")).order_by("-number").values("pk")[:1]
    versions = StandardVersion.objects.filter(standard_id__in=standard_ids, pk=Subquery(newest)).only(
        "pk", "standard_id", "content"
    )
    return {version.standard_id: version.definition for version in versions}


def _deduction_index(definition: StandardDef | None) -> dict:
    """code → (deduction, its item) for every deduction of the definition."""
    if definition is None:
        return {}
    return {d.code: (d, item) for item in definition.walk() for d in item.deductions}


def _rounds(period: Period, scope: Scope) -> list[dict]:
    return list(
        InspectionRound.objects.filter(
            scope.q("department__"), state=RoundState.SUBMITTED, date__gte=period.start, date__lt=period.end
        )
        .values("department_id", "department__code", "department__name", "department__path")
        .annotate(rounds=Count("pk"), unannounced=Count("pk", filter=Q(unannounced=True)))
        .order_by()
    )


def _finding_groups(period: Period, scope: Scope) -> list[dict]:
    counts, pending = Q(status=RecordStatus.COUNTS), Q(status=RecordStatus.PENDING)
    return list(
        Record.objects.filter(
            _finding_records(scope),
            status__in=(RecordStatus.COUNTS, RecordStatus.PENDING),
            date__gte=period.start,
            date__lt=period.end,
        )
        .values(
            "department_id",
            "department__code",
            "department__name",
            "department__path",
            "standard_id",
            "standard__code",
            "code",
        )
        .annotate(
            records=Count("pk", filter=counts),
            occurrences=Sum("count", filter=counts),
            pending_records=Count("pk", filter=pending),
            pending=Sum("count", filter=pending),
        )
        .order_by()
    )


def _combine(
    rounds: list[dict], groups: list[dict], definitions: dict[int, StandardDef]
) -> tuple[list[DepartmentRow], list[ProblemRow], Decimal]:
    """The department and problem tables from the grouped rows; and the total points."""
    indexes = {standard_id: _deduction_index(definition) for standard_id, definition in definitions.items()}
    departments: dict[int, DepartmentRow] = {}
    paths: dict[int, str] = {}

    def department(pk: int, code: str, name: str, path: str) -> DepartmentRow:
        if pk not in departments:
            departments[pk] = DepartmentRow(code=code, name=name)
            paths[pk] = path
        return departments[pk]

    for entry in rounds:
        row = department(
            entry["department_id"], entry["department__code"], entry["department__name"], entry["department__path"]
        )
        row.rounds, row.unannounced = entry["rounds"], entry["unannounced"]
    problems: dict[tuple[int, str], ProblemRow] = {}
    total = Decimal(0)
    for group in groups:
        found = indexes.get(group["standard_id"], {}).get(group["code"])
        points_each = found[0].points if found else None
        occurrences = group["occurrences"] or 0
        points = points_each * occurrences if points_each is not None else Decimal(0)
        total += points
        row = department(
            group["department_id"], group["department__code"], group["department__name"], group["department__path"]
        )
        row.records += group["records"]
        row.occurrences += occurrences
        row.points += points
        row.pending += group["pending"] or 0
        key = (group["standard_id"], group["code"])
        if key not in problems:
            problems[key] = ProblemRow(
                standard_code=group["standard__code"],
                code=group["code"],
                name=found[0].name if found else "",
                item=f"{found[1].code} {found[1].name}" if found else "",
                points_each=points_each,
            )
        problem = problems[key]
        problem.records += group["records"]
        problem.occurrences += occurrences
        problem.points += points
        problem.pending += group["pending"] or 0
        if group["records"]:
            problem.departments.add(group["department_id"])
    department_rows = sorted(
        departments.items(), key=lambda pair: (-pair[1].occurrences, -pair[1].points, paths[pair[0]])
    )
    problem_rows = sorted(problems.values(), key=lambda p: (-p.occurrences, -p.points, p.standard_code, p.code))
    return [row for _pk, row in department_rows], problem_rows, total


def _appeals(period: Period, scope: Scope) -> dict:
    return Appeal.objects.filter(
        scope.q("finding__round__department__"),
        finding__round__date__gte=period.start,
        finding__round__date__lt=period.end,
    ).aggregate(
        filed=Count("pk"),
        upheld=Count("pk", filter=Q(state=AppealState.UPHELD)),
        voided=Count("pk", filter=Q(state=AppealState.VOIDED)),
        pending=Count("pk", filter=Q(state=AppealState.PENDING)),
    )


def _repeats(period: Period, scope: Scope, definitions: dict[int, StandardDef]) -> list[RepeatRow]:
    """Codes found again in the same department (one grouped query over three months)."""
    window_start = months_back(period, REPEAT_LOOKBACK + 1)[0].start
    now, before = Q(date__gte=period.start), Q(date__lt=period.start)
    groups = (
        Record.objects.filter(
            _finding_records(scope), status=RecordStatus.COUNTS, date__gte=window_start, date__lt=period.end
        )
        .values(
            "department_id",
            "department__code",
            "department__name",
            "department__path",
            "standard_id",
            "standard__code",
            "code",
        )
        .annotate(
            now=Count("pk", filter=now),
            occurrences=Sum("count", filter=now),
            before=Count("pk", filter=before),
            last_before=Max("date", filter=before),
        )
        .filter(Q(now__gte=1) & (Q(before__gte=1) | Q(now__gte=2)))
        .order_by("department__path", "standard_id", "code")
    )
    rows = []
    for group in groups:
        found = _deduction_index(definitions.get(group["standard_id"])).get(group["code"])
        rows.append(
            RepeatRow(
                department_code=group["department__code"],
                department_name=group["department__name"],
                standard_code=group["standard__code"],
                code=group["code"],
                name=found[0].name if found else "",
                records=group["now"],
                occurrences=group["occurrences"] or 0,
                earlier_records=group["before"],
                last_earlier=group["last_before"],
            )
        )
    return rows


def _trend_findings(months: list[Period], scope: Scope) -> list[int]:
    counts = {
        f"m{index}": Sum("count", filter=Q(date__gte=month.start, date__lt=month.end))
        for index, month in enumerate(months)
    }
    found = Record.objects.filter(
        _finding_records(scope), status=RecordStatus.COUNTS, date__gte=months[0].start, date__lt=months[-1].end
    ).aggregate(**counts)
    return [found[f"m{index}"] or 0 for index in range(len(months))]


def _rectification(months: list[Period], scope: Scope, tz: ZoneInfo) -> tuple[Rectification, list[tuple[int, int]]]:
    """The month's ledger figures and (opened, closed by month end) of each month (one query)."""
    aggregates = {}
    for index, month in enumerate(months):
        start, end = _bounds(month, tz)
        opened = Q(created_at__gte=start, created_at__lt=end)
        aggregates[f"opened{index}"] = Count("pk", filter=opened)
        aggregates[f"closed{index}"] = Count("pk", filter=opened & Q(closed_at__lt=end))
    start, end = _bounds(months[-1], tz)
    closed_in_month = Q(closed_at__gte=start, closed_at__lt=end)
    aggregates["closed_in_month"] = Count("pk", filter=closed_in_month)
    aggregates["close_time"] = Sum(
        ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()), filter=closed_in_month
    )
    aggregates["open_at_end"] = Count("pk", filter=Q(closed_at__isnull=True) | Q(closed_at__gte=end))
    found = RectificationItem.objects.filter(scope.q("department__"), created_at__lt=end).aggregate(**aggregates)
    per_month = [(found[f"opened{i}"], found[f"closed{i}"]) for i in range(len(months))]
    opened, opened_closed = per_month[-1]
    closed = found["closed_in_month"]
    average = None
    if closed and found["close_time"] is not None:
        seconds = Decimal(found["close_time"] // timedelta(microseconds=1)) / Decimal(1_000_000)
        average = (seconds / _SECONDS_A_DAY / closed).quantize(_TENTH, rounding=ROUND_HALF_UP)
    facts = Rectification(
        opened=opened,
        opened_closed=opened_closed,
        closure_rate=_rate(opened_closed, opened),
        closed=closed,
        average_days=average,
        open_at_end=found["open_at_end"],
    )
    return facts, per_month


def _overdue(as_of: date, scope: Scope, tz: ZoneInfo) -> list[OverdueRow]:
    """Items overdue on ``as_of`` (opened by then, past their deadline, not closed by the end of
    that day), longest overdue first."""
    day_end = _midnight(as_of + timedelta(days=1), tz)
    items = (
        RectificationItem.objects.filter(scope.q("department__"), deadline__lt=as_of, created_at__lt=day_end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=day_end))
        .select_related("department")
        .only("pk", "problem", "source", "deadline", "state", "closed_at", "department__code", "department__name")
        .order_by("deadline", "department__path", "pk")
    )
    return [
        OverdueRow(
            pk=item.pk,
            department_code=item.department.code,
            department_name=item.department.name,
            problem=item.problem,
            source=item.get_source_display(),
            deadline=item.deadline,
            days_overdue=(as_of - item.deadline).days,
            state=item.get_state_display(),
            closed_on=item.closed_at.astimezone(tz).date() if item.closed_at else None,
        )
        for item in items
    ]


def monthly_report(*, scope: Scope, period: Period, today: date) -> Report:
    """The report of ``period`` (a month) for ``scope``; ``today`` on the hospital's calendar
    (the overdue list of the current month is as of today). Eight queries, whatever the data
    (seven when no finding was recorded: no standard to read)."""
    tz = ZoneInfo(current_hospital().time_zone)
    rounds = _rounds(period, scope)
    groups = _finding_groups(period, scope)
    # Repeats need a counting record this month, so their standards are among these.
    definitions = _newest_definitions({g["standard_id"] for g in groups})
    departments, problems, points = _combine(rounds, groups, definitions)
    appeals = _appeals(period, scope)
    months = months_back(period, TREND_MONTHS)
    rectification, per_month = _rectification(months, scope, tz)
    trend_findings = _trend_findings(months, scope)
    as_of = min(period.end - timedelta(days=1), today)
    headline = Headline(
        rounds=sum(r["rounds"] for r in rounds),
        unannounced=sum(r["unannounced"] for r in rounds),
        departments_inspected=len(rounds),
        records=sum(g["records"] for g in groups),
        occurrences=sum(g["occurrences"] or 0 for g in groups),
        points=points,
        pending_records=sum(g["pending_records"] for g in groups),
        pending_occurrences=sum(g["pending"] or 0 for g in groups),
        appeals_filed=appeals["filed"],
        appeals_upheld=appeals["upheld"],
        appeals_voided=appeals["voided"],
        appeals_pending=appeals["pending"],
    )
    next_month = period_of(period.end, Cycle.MONTH)
    return Report(
        period=period,
        scope=scope,
        today=today,
        as_of=as_of,
        previous=period.previous(),
        next=next_month if next_month.start <= today else None,
        headline=headline,
        departments=departments,
        problems=problems,
        repeats=_repeats(period, scope, definitions),
        rectification=rectification,
        overdue=_overdue(as_of, scope, tz),
        trend=[
            TrendPoint(
                period=month,
                occurrences=occurrences,
                opened=opened,
                closed=closed,
                closure_rate=_rate(closed, opened),
            )
            for month, occurrences, (opened, closed) in zip(months, trend_findings, per_month, strict=True)
        ],
    )
