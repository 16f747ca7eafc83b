"""Numbers, targets, periods and counting: what the pages and other apps build on."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import reduce
from operator import or_

from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from wenming.feedback.freshness import generations
from wenming.feedback.models import Channel, Feedback
from wenming.feedback.selectors import may_manage_feedback, may_read_feedback, scope_departments
from wenming.org.models import Department, Role
from wenming.org.selectors import hospital_today
from wenming.questionnaires.models import SATISFIED_MIN
from wenming.scoring.periods import Period, parse_period, period_of
from wenming.standards.definition import CYCLE_ORDER, Rule, Subject
from wenming.standards.models import StandardVersion

DEFAULT_TARGET = Decimal("0.95")
DEFAULT_MIN_RESPONSES = 30
RATE_PLACES = Decimal("0.0001")
POINT_PLACES = Decimal("0.01")
CLOSED_MONTH_SECONDS = 300
RUNNING_MONTH_SECONDS = 60
PUBLIC_SECONDS = 300
TREND_MONTHS = 12
LOW_RATING_MAX = 2  # "lowest comments": overall 1 or 2
BOARD_CACHE_KEY = "satisfaction:board"

may_manage = may_manage_feedback  # the public board's settings: office and admins


def sees_whole_hospital(access) -> bool:
    """The office, system administrators and the leadership group (read only) see every department."""
    return may_manage_feedback(access) or access.has(Role.LEADERSHIP)


def may_read(access) -> bool:
    """The dashboards: the whole hospital (see above), or a department head's own departments."""
    return sees_whole_hospital(access) or may_read_feedback(access)


def scope(access) -> QuerySet[Department]:
    """The departments whose satisfaction this person may read."""
    return Department.objects.all() if sees_whole_hospital(access) else scope_departments(access=access)


# --- Numbers --------------------------------------------------------------------------------------


def rounded(value: Fraction, places: Decimal) -> Decimal:
    """``value`` rounded half up (halves away from zero) to ``places`` (e.g. 0.0001), exactly."""
    exponent = places.as_tuple().exponent
    scale = 10 ** (-exponent)
    magnitude = (2 * abs(value.numerator) * scale + value.denominator) // (2 * value.denominator)
    result = Decimal(magnitude).scaleb(exponent)
    return -result if value < 0 and magnitude else result


@dataclass(frozen=True)
class Tally:
    """Valid responses and the satisfied among them."""

    n: int = 0
    satisfied: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.n + other.n, self.satisfied + other.satisfied)

    @property
    def fraction(self) -> Fraction | None:
        return Fraction(self.satisfied, self.n) if self.n else None

    @property
    def rate(self) -> Decimal | None:
        """satisfied ÷ n to 0.0001, half up; None without responses."""
        return rounded(self.fraction, RATE_PLACES) if self.n else None

    @property
    def percent(self) -> Decimal | None:
        """The rate in per cent to 0.01 (for charts)."""
        return rounded(self.fraction * 100, POINT_PLACES) if self.n else None

    def change_from(self, before: Tally) -> Decimal | None:
        """The change of the rate since ``before`` in percentage points (to 0.01), from the exact rates."""
        if not self.n or not before.n:
            return None
        return rounded((self.fraction - before.fraction) * 100, POINT_PLACES)


def tally(counts: Counter, satisfied_min: int = SATISFIED_MIN) -> Tally:
    """The tally of ``{(channel, overall): n}`` counts."""
    n = satisfied = 0
    for (_channel, overall), count in counts.items():
        n += count
        if overall >= satisfied_min:
            satisfied += count
    return Tally(n, satisfied)


def _merged(counters: Iterable[Counter | None]) -> Counter:
    total: Counter = Counter()
    for counter in counters:
        if counter:
            total.update(counter)
    return total


# --- Targets --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a department's satisfaction is measured against, and where that comes from."""

    target: Decimal = DEFAULT_TARGET
    min_responses: int = DEFAULT_MIN_RESPONSES
    satisfied_min: int = SATISFIED_MIN
    standard: str = ""  # the standard's code; empty for the default
    item: str = ""

    @property
    def percent(self) -> Decimal:
        return rounded(Fraction(self.target) * 100, POINT_PLACES)


DEFAULT = Target()


@dataclass(frozen=True)
class Targets:
    """The satisfaction targets of the department standards, in the order they are tried."""

    entries: tuple[tuple[frozenset[str] | None, Target], ...] = ()

    def for_category(self, category: str) -> Target:
        for applies_to, target in self.entries:
            if applies_to is None or category in applies_to:
                return target
        return DEFAULT

    @property
    def hospital(self) -> Target:
        """The target drawn on hospital-wide charts: the first standard's that applies to every
        department, else the first standard's, else the default."""
        for applies_to, target in self.entries:
            if applies_to is None:
                return target
        return self.entries[0][1] if self.entries else DEFAULT


def satisfaction_targets() -> Targets:
    """The targets of the newest versions of the department standards with a satisfaction item
    (one query)."""
    newest = StandardVersion.objects.filter(standard=OuterRef("standard")).order_by("-number").values("pk")[:1]
    versions = (
        StandardVersion.objects.filter(standard__subject=Subject.DEPARTMENT, pk=Subquery(newest))
        .select_related("standard")
        .defer("source")
    )
    found = []
    for version in versions:
        definition = version.definition
        items = definition.leaves(Rule.SATISFACTION)
        if not items:
            continue
        item = items[0]
        target = Target(
            target=item.target if item.target is not None else DEFAULT_TARGET,
            min_responses=item.min_responses,
            satisfied_min=item.satisfied_min,
            standard=definition.code,
            item=item.code,
        )
        applies_to = frozenset(definition.applies_to) if definition.applies_to is not None else None
        found.append((CYCLE_ORDER[definition.cycle], definition.code, applies_to, target))
    found.sort(key=lambda row: (row[0], row[1]))
    return Targets(entries=tuple((applies_to, target) for _order, _code, applies_to, target in found))


# --- Periods --------------------------------------------------------------------------------------


def month_of(day: date) -> Period:
    return period_of(day, "month")


def months_back(last: Period, count: int) -> list[Period]:
    """``count`` months ending with the month ``last``, oldest first."""
    months = [last]
    while len(months) < count:
        months.append(months[-1].previous())
    return months[::-1]


def last_month_of(period: Period) -> Period:
    return month_of(period.end - timedelta(days=1))


def last_full_month(today: date) -> Period:
    return month_of(today).previous()


def period_choices(today: date, *, keep: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods a filter offers, grouped: the last 24 months, 8 quarters and 3 years (and
    ``keep`` when it is another valid key)."""
    month = month_of(today)
    months = months_back(month, 24)[::-1]
    quarters = [period_of(today, "quarter")]
    while len(quarters) < 8:
        quarters.append(quarters[-1].previous())
    years = [period_of(today, "year")]
    while len(years) < 3:
        years.append(years[-1].previous())
    groups = [
        (_("Months"), [(p.key, p.label) for p in months]),
        (_("Quarters"), [(p.key, p.label) for p in quarters]),
        (_("Years"), [(p.key, p.label) for p in years]),
    ]
    known = {key for _label, choices in groups for key, _l in choices}
    if keep and keep not in known:
        try:
            extra = parse_period(keep)
        except ValueError:
            pass
        else:
            groups[0][1].insert(0, (extra.key, extra.label))
    return groups


# --- Counting -------------------------------------------------------------------------------------

DateRange = tuple[date, date]  # [start, end): end is the first day after


def _spans(ranges: Sequence[DateRange]) -> list[DateRange]:
    """The ranges merged where they touch or overlap."""
    spans: list[list[date]] = []
    for start, end in sorted(ranges):
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return [(start, end) for start, end in spans]


def _count(*, department_ids: Sequence[int] | None, ranges: Sequence[DateRange]) -> list[dict[int, Counter]]:
    """For each date range: ``{department_id: Counter({(channel, overall): n})}`` of the valid
    feedback. One query (GROUP BY department, channel, overall; a conditional count per range)."""
    if not ranges or (department_ids is not None and not department_ids):
        return [{} for _range in ranges]
    where = Q(is_valid=True) & reduce(or_, (Q(local_date__gte=s, local_date__lt=e) for s, e in _spans(ranges)))
    if department_ids is not None:
        where &= Q(department_id__in=list(department_ids))
    if len(ranges) == 1:
        counts = {"r0": Count("pk")}
    else:
        counts = {
            f"r{i}": Count("pk", filter=Q(local_date__gte=start, local_date__lt=end))
            for i, (start, end) in enumerate(ranges)
        }
    rows = Feedback.objects.filter(where).values("department_id", "channel", "overall").annotate(**counts).order_by()
    result: list[dict[int, Counter]] = [{} for _range in ranges]
    for row in rows:
        key = (row["channel"], row["overall"])
        for i in range(len(ranges)):
            n = row[f"r{i}"]
            if n:
                result[i].setdefault(row["department_id"], Counter())[key] += n
    return result


def _scope_key(department_ids: Sequence[int] | None) -> str:
    """The cache's name for a set of departments: "all", or a short digest of their ids."""
    if department_ids is None:
        return "all"
    text = ",".join(str(pk) for pk in sorted(set(department_ids)))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def cache_seconds(period: Period, today: date) -> int:
    """How long figures of ``period`` are kept: a finished period 5 minutes, a running one 1 minute."""
    return CLOSED_MONTH_SECONDS if period.end <= today else RUNNING_MONTH_SECONDS


def freshness(period: Period, today: date, counters: tuple[int, int] | None = None) -> str:
    """The part of a cache key that changes with the feedback ``period``'s figures depend on
    (:mod:`wenming.feedback.freshness`; ``counters`` as read by ``generations()``): a finished
    period only with late changes, a running one also with every new rating."""
    running, past = counters or generations()
    return f"g{past}" if period.end <= today else f"g{past}.{running}"


def monthly_counts(
    *, months: Sequence[Period], department_ids: Sequence[int] | None = None, today: date | None = None
) -> dict[str, dict[int, Counter]]:
    """``{month key: {department_id: Counter({(channel, overall): n})}}`` of valid feedback of these
    departments (None: the whole hospital).

    Cached per month and set of departments (see the module's docstring); at most one query counts
    the months not in the cache."""
    today = today or hospital_today()
    scope = _scope_key(department_ids)
    counters = generations()
    keys = {m.key: f"satisfaction:month:{m.key}:{scope}:{freshness(m, today, counters)}" for m in months}
    cached = cache.get_many(list(keys.values())) if months else {}
    result: dict[str, dict[int, Counter]] = {m.key: cached[keys[m.key]] for m in months if keys[m.key] in cached}
    todo = [m for m in months if m.key not in result]
    if todo:
        counted = _count(department_ids=department_ids, ranges=[(m.start, m.end) for m in todo])
        by_timeout: dict[int, dict[str, dict]] = {}
        for month, counts in zip(todo, counted, strict=True):
            result[month.key] = counts
            by_timeout.setdefault(cache_seconds(month, today), {})[keys[month.key]] = counts
        for timeout, entries in by_timeout.items():
            cache.set_many(entries, timeout)
    return result


# --- Per department ---------------------------------------------------------------------------------

DEPARTMENT_FIELDS = ("pk", "code", "name", "category", "path", "depth", "is_active", "parent_id")


@dataclass
class DepartmentRate:
    """One department's satisfaction in a period, against its target."""

    department: Department
    target: Target
    tally: Tally
    previous: Tally = field(default_factory=Tally)
    counts: Counter = field(default_factory=Counter, repr=False)

    @property
    def n(self) -> int:
        return self.tally.n

    @property
    def satisfied(self) -> int:
        return self.tally.satisfied

    @property
    def rate(self) -> Decimal | None:
        return self.tally.rate

    @property
    def insufficient(self) -> bool:
        """Too few responses to be scored (the engine gives full points and flags it)."""
        return self.n == 0 or self.n < self.target.min_responses

    @property
    def below_target(self) -> bool:
        """Responses there are, and the exact rate is under the target."""
        return bool(self.n) and self.tally.fraction < Fraction(self.target.target)

    @property
    def change(self) -> Decimal | None:
        return self.tally.change_from(self.previous)


def _sort_key_lowest(row: DepartmentRate):
    return (row.n == 0, row.tally.fraction if row.n else 0, -row.n, row.department.path)


def department_rates(
    *, department_ids: Sequence[int] | None = None, start: date, end: date, lowest_first: bool = False
) -> list[DepartmentRate]:
    """Each department's rate between ``start`` and ``end`` (hospital dates, both inclusive, as
    :func:`wenming.questionnaires.selectors.dimension_results`): every department named (None:
    every active department, and inactive ones that have feedback), in tree order or lowest rate
    first (departments without feedback last). Three queries."""
    departments = Department.objects.only(*DEPARTMENT_FIELDS).order_by("path")
    if department_ids is not None:
        departments = departments.filter(pk__in=list(department_ids))
    departments = list(departments)
    targets = satisfaction_targets()
    (counts,) = _count(department_ids=department_ids, ranges=[(start, end + timedelta(days=1))])
    rows = []
    for department in departments:
        if department_ids is None and not department.is_active and department.pk not in counts:
            continue
        target = targets.for_category(department.category)
        mine = counts.get(department.pk, Counter())
        rows.append(DepartmentRate(department, target, tally(mine, target.satisfied_min), counts=mine))
    if lowest_first:
        rows.sort(key=_sort_key_lowest)
    return rows


def hospital_rate(*, department_ids: Sequence[int] | None = None, start: date, end: date) -> Tally:
    """All valid feedback of these departments (None: the whole hospital) between ``start`` and
    ``end`` (inclusive), each department counted with its own ``satisfied_min``."""
    rows = department_rates(department_ids=department_ids, start=start, end=end)
    return sum((row.tally for row in rows), Tally())


@dataclass(frozen=True)
class TrendPoint:
    month: Period
    tally: Tally


def monthly_trend(
    *,
    department_ids: Sequence[int] | None = None,
    last: Period,
    months: int = TREND_MONTHS,
    targets: Targets | None = None,
) -> list[TrendPoint]:
    """The rate of each of the ``months`` months ending with the month ``last`` (these departments
    together; None: the whole hospital). At most three queries: the counts (none when cached), the
    targets (unless given) and the departments' categories."""
    periods = months_back(last, months)
    counts = monthly_counts(months=periods, department_ids=department_ids)
    targets = targets or satisfaction_targets()
    categories = _categories(counts)
    return [
        TrendPoint(
            month,
            sum(
                (
                    tally(c, targets.for_category(categories.get(d, "")).satisfied_min)
                    for d, c in counts[month.key].items()
                ),
                Tally(),
            ),
        )
        for month in periods
    ]


def _categories(counts: dict[str, dict[int, Counter]]) -> dict[int, str]:
    ids = {d for per_month in counts.values() for d in per_month}
    if not ids:
        return {}
    return dict(Department.objects.filter(pk__in=ids).values_list("pk", "category"))


LIST_FIELDS = (
    "pk",
    "at",
    "local_date",
    "overall",
    "comment",
    "channel",
    "department__code",
    "department__name",
    "staff__name",
    "staff__staff_no",
)


def lowest_comments(
    *, department_ids: Sequence[int] | None = None, start: date, end: date, limit: int = 10
) -> list[Feedback]:
    """The latest valid feedback rated 1 or 2 with a comment, between ``start`` and ``end``
    (inclusive), newest first. One query, walking the ``local_date`` index backwards."""
    qs = Feedback.objects.filter(
        is_valid=True, local_date__gte=start, local_date__lte=end, overall__lte=LOW_RATING_MAX
    ).exclude(comment="")
    if department_ids is not None:
        qs = qs.filter(department_id__in=list(department_ids))
    return list(
        qs.select_related("department", "staff").only(*LIST_FIELDS).order_by("-local_date", "-at", "-pk")[:limit]
    )


def latest_comments(*, department_ids: Sequence[int], start: date, end: date, limit: int = 20) -> list[Feedback]:
    """The latest valid feedback with a comment, whatever its rating (inclusive dates)."""
    qs = Feedback.objects.filter(
        is_valid=True, department_id__in=list(department_ids), local_date__gte=start, local_date__lte=end
    ).exclude(comment="")
    return list(
        qs.select_related("department", "staff").only(*LIST_FIELDS).order_by("-local_date", "-at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class StaffRate:
    staff_id: int
    staff_no: str
    name: str
    title: str
    tally: Tally


def staff_rates(
    *, department_ids: Sequence[int], start: date, end: date, satisfied_min: int = SATISFIED_MIN, limit: int = 10
) -> list[StaffRate]:
    """The staff members named in most valid feedback of these departments (inclusive dates), with
    their rate. One query."""
    rows = (
        Feedback.objects.filter(
            is_valid=True,
            department_id__in=list(department_ids),
            local_date__gte=start,
            local_date__lte=end,
            staff__isnull=False,
        )
        .values("staff_id", "staff__staff_no", "staff__name", "staff__title")
        .annotate(n=Count("pk"), satisfied=Count("pk", filter=Q(overall__gte=satisfied_min)))
        .order_by("-n", "staff__staff_no")[:limit]
    )
    return [
        StaffRate(
            staff_id=row["staff_id"],
            staff_no=row["staff__staff_no"],
            name=row["staff__name"],
            title=row["staff__title"],
            tally=Tally(row["n"], row["satisfied"]),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ChannelRate:
    channel: str
    label: str
    tally: Tally
    share: Decimal | None  # of all responses, 0–1


def _channels(counts: Counter, satisfied_min_of, total: int) -> list[ChannelRate]:
    """``counts``: {(department_id, channel, overall): n}."""
    by_channel: dict[str, Tally] = {}
    for (department_id, channel, overall), n in counts.items():
        satisfied = n if overall >= satisfied_min_of(department_id) else 0
        by_channel[channel] = by_channel.get(channel, Tally()) + Tally(n, satisfied)
    labels = dict(Channel.choices)
    return [
        ChannelRate(
            channel=value,
            label=str(labels[value]),
            tally=by_channel[value],
            share=rounded(Fraction(by_channel[value].n, total), RATE_PLACES) if total else None,
        )
        for value in Channel.values
        if value in by_channel
    ] + [
        ChannelRate(channel=value, label=value, tally=t, share=rounded(Fraction(t.n, total), RATE_PLACES))
        for value, t in by_channel.items()
        if value not in labels
    ]
