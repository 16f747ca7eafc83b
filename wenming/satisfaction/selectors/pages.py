"""The dashboard (``/satisfaction/``) and a department's page, as plain data for the templates."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from django.core.cache import cache
from django.utils.translation import gettext as _

from wenming.feedback.models import Feedback
from wenming.org.models import Department
from wenming.org.selectors import hospital_today
from wenming.questionnaires.selectors import Results, dimension_results
from wenming.scoring.periods import Period

from .common import (
    DEPARTMENT_FIELDS,
    POINT_PLACES,
    TREND_MONTHS,
    ChannelRate,
    DepartmentRate,
    StaffRate,
    Tally,
    Target,
    TrendPoint,
    _channels,
    _merged,
    _scope_key,
    _sort_key_lowest,
    cache_seconds,
    freshness,
    last_month_of,
    latest_comments,
    lowest_comments,
    may_read,
    monthly_counts,
    months_back,
    rounded,
    satisfaction_targets,
    scope,
    sees_whole_hospital,
    staff_rates,
    tally,
)

# --- The dashboard ----------------------------------------------------------------------------------


def _chart_value(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


@dataclass
class Dashboard:
    period: Period
    previous: Period
    today: date
    whole_hospital: bool
    category: str
    rows: list[DepartmentRate]
    overall: Tally
    overall_previous: Tally
    hospital_target: Target
    trend: list[TrendPoint]
    dimensions: Results
    channels: list[ChannelRate]
    comments: list[Feedback]

    @property
    def is_current(self) -> bool:
        return self.period.start <= self.today < self.period.end

    @property
    def below_count(self) -> int:
        return sum(1 for row in self.rows if row.below_target and not row.insufficient)

    @property
    def insufficient_count(self) -> int:
        return sum(1 for row in self.rows if row.insufficient)

    @property
    def overall_change(self) -> Decimal | None:
        return self.overall.change_from(self.overall_previous)

    @property
    def trend_chart(self) -> dict:
        return {
            "kind": "line",
            "labels": [point.month.label for point in self.trend],
            "series": [
                {
                    "name": str(_("Satisfaction rate") if self.whole_hospital else _("Your departments")),
                    "values": [_chart_value(point.tally.percent) for point in self.trend],
                },
                {
                    "name": str(_("Target")),
                    "values": [_chart_value(self.hospital_target.percent)] * len(self.trend),
                },
            ],
        }

    @property
    def dimension_chart(self) -> dict:
        return dimension_chart(self.dimensions)


def dimension_chart(results: Results) -> dict:
    answered = results.answered
    return {
        "kind": "bars",
        "height": 80 + 48 * len(answered),
        "labels": [d.dimension.name for d in answered],
        "series": [
            {
                "name": str(_("Rate method (%)")),
                "values": [_chart_value(rounded(Fraction(d.satisfied, d.n) * 100, POINT_PLACES)) for d in answered],
            },
            {"name": str(_("100-point method")), "values": [_chart_value(d.score) for d in answered]},
        ],
    }


def _window(period: Period) -> tuple[list[Period], list[Period], list[Period], list[Period]]:
    """(the months of the period, of the period before, of the trend, all of them in date order)."""
    current = period.sub_periods("month")
    previous = period.previous().sub_periods("month")
    trend = months_back(last_month_of(period), TREND_MONTHS)
    every = {m.key: m for m in (*previous, *current, *trend)}
    return current, previous, trend, sorted(every.values(), key=lambda m: m.start)


def _dimension_results(*, department_ids, period: Period, today: date) -> Results:
    """:func:`dimension_results` for the period, cached like the monthly counts."""
    key = f"satisfaction:dimensions:{period.key}:{_scope_key(department_ids)}:{freshness(period, today)}"
    results = cache.get(key)
    if results is None:
        end = period.end - timedelta(days=1)
        results = dimension_results(department_ids=department_ids, start=period.start, end=end)
        cache.set(key, results, cache_seconds(period, today))
    return results


def dashboard(
    *, access, period: Period, category: str = "", lowest_first: bool = False, today: date | None = None
) -> Dashboard:
    """The satisfaction dashboard as this person may see it: the civility office, system
    administrators and the leadership group the whole hospital, a department head their departments (and those under
    them). Departments shown: the active ones in scope (of ``category``), and inactive ones with
    feedback in the period or the one before.

    Queries, whatever the amount of feedback: the departments, the targets, the monthly counts and
    the dimensions (one and two; none when cached), the lowest comments."""
    today = today or hospital_today()
    whole = sees_whole_hospital(access)
    departments = scope(access).only(*DEPARTMENT_FIELDS).order_by("path")
    if category:
        departments = departments.filter(category=category)
    departments = list(departments) if may_read(access) else []
    ids = [d.pk for d in departments]
    count_ids = None if whole else ids  # the office: the whole hospital's months (shared), filtered here
    filter_ids = None if whole and not category else ids
    targets = satisfaction_targets()
    current, previous, trend_months, every = _window(period)
    counts = monthly_counts(months=every, department_ids=count_ids, today=today)

    rows: list[DepartmentRate] = []
    trend = {m.key: Tally() for m in trend_months}
    by_channel: Counter = Counter()
    satisfied_min = {}
    for department in departments:
        target = targets.for_category(department.category)
        satisfied_min[department.pk] = target.satisfied_min
        mine = _merged(counts[m.key].get(department.pk) for m in current)
        before = _merged(counts[m.key].get(department.pk) for m in previous)
        for month in trend_months:
            if month_counts := counts[month.key].get(department.pk):
                trend[month.key] += tally(month_counts, target.satisfied_min)
        for (channel, overall), n in mine.items():
            by_channel[(department.pk, channel, overall)] += n
        if not department.is_active and not mine and not before:
            continue
        rows.append(
            DepartmentRate(
                department,
                target,
                tally(mine, target.satisfied_min),
                tally(before, target.satisfied_min),
                counts=mine,
            )
        )
    if lowest_first:
        rows.sort(key=_sort_key_lowest)
    overall = sum((row.tally for row in rows), Tally())
    end = period.end - timedelta(days=1)
    return Dashboard(
        period=period,
        previous=period.previous(),
        today=today,
        whole_hospital=whole,
        category=category,
        rows=rows,
        overall=overall,
        overall_previous=sum((row.previous for row in rows), Tally()),
        hospital_target=targets.hospital,
        trend=[TrendPoint(m, trend[m.key]) for m in trend_months],
        dimensions=_dimension_results(department_ids=filter_ids, period=period, today=today),
        channels=_channels(by_channel, lambda d: satisfied_min[d], overall.n),
        comments=lowest_comments(department_ids=filter_ids, start=period.start, end=end) if departments else [],
    )


# --- One department ---------------------------------------------------------------------------------


def department_for_access(*, access, code: str) -> Department | None:
    """The department with this code if the person may read its satisfaction, else None (for a
    404 alike for "missing" and "not yours")."""
    if not may_read(access):
        return None
    return scope(access).select_related("parent").filter(code=code).first()


@dataclass
class DepartmentDetail:
    department: Department
    period: Period
    previous: Period
    today: date
    rate: DepartmentRate
    trend: list[TrendPoint]
    dimensions: Results
    channels: list[ChannelRate]
    staff: list[StaffRate]
    comments: list[Feedback]

    @property
    def is_current(self) -> bool:
        return self.period.start <= self.today < self.period.end

    @property
    def trend_chart(self) -> dict:
        return {
            "kind": "line",
            "labels": [point.month.label for point in self.trend],
            "series": [
                {"name": self.department.name, "values": [_chart_value(p.tally.percent) for p in self.trend]},
                {"name": str(_("Target")), "values": [_chart_value(self.rate.target.percent)] * len(self.trend)},
            ],
        }

    @property
    def dimension_chart(self) -> dict:
        return dimension_chart(self.dimensions)


def department_detail(*, department: Department, period: Period, today: date | None = None) -> DepartmentDetail:
    """One department's satisfaction: the period against its target, the last 12 months, the
    dimensions, the channels, the staff named most often and the latest comments. Queries: the
    targets, the counts (one) and the dimensions (two) unless cached, the staff, the comments."""
    today = today or hospital_today()
    target = satisfaction_targets().for_category(department.category)
    current, previous, trend_months, every = _window(period)
    counts = monthly_counts(months=every, department_ids=[department.pk], today=today)
    mine = _merged(counts[m.key].get(department.pk) for m in current)
    before = _merged(counts[m.key].get(department.pk) for m in previous)
    rate = DepartmentRate(
        department, target, tally(mine, target.satisfied_min), tally(before, target.satisfied_min), counts=mine
    )
    end = period.end - timedelta(days=1)
    ids = [department.pk]
    return DepartmentDetail(
        department=department,
        period=period,
        previous=period.previous(),
        today=today,
        rate=rate,
        trend=[
            TrendPoint(m, tally(counts[m.key].get(department.pk, Counter()), target.satisfied_min))
            for m in trend_months
        ],
        dimensions=_dimension_results(department_ids=ids, period=period, today=today),
        channels=_channels(
            Counter({(department.pk, ch, o): n for (ch, o), n in mine.items()}),
            lambda _d: target.satisfied_min,
            rate.n,
        ),
        staff=staff_rates(department_ids=ids, start=period.start, end=end, satisfied_min=target.satisfied_min),
        comments=latest_comments(department_ids=ids, start=period.start, end=end),
    )
