"""A department head's landing: the latest result of each department they head, and a person's own
results in staff standards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count

from wenming.org.models import Department
from wenming.standards.models import Standard, StandardVersion

from ..models import Result, ScoringPeriod
from ..periods import parse_period
from .common import grade_styles


@dataclass
class OwnResult:
    result: Result
    standard: Standard
    period: ScoringPeriod
    label: str
    in_scope: int
    grade_style: str


@dataclass
class OwnDepartment:
    department: Department
    results: list[OwnResult]


def _latest_results(results: Iterable[Result], key) -> dict:
    """The first result per ``key(result)`` of results ordered newest period first."""
    latest: dict = {}
    for result in results:
        latest.setdefault(key(result), result)
    return latest


def _own_results(latest: list[Result]) -> list[OwnResult]:
    """The chosen results with N of their period and their grade's colour: two queries."""
    if not latest:
        return []
    counts = dict(
        Result.objects.filter(period__in={r.period_id for r in latest})
        .values_list("period")
        .annotate(n=Count("pk"))
        .order_by()
    )
    versions = StandardVersion.objects.in_bulk({r.period.version_id for r in latest if r.period.version_id})
    own = []
    for result in latest:
        period = result.period
        version = versions.get(period.version_id)
        definition = version.definition if version else None
        own.append(
            OwnResult(
                result=result,
                standard=period.standard,
                period=period,
                label=parse_period(period.key).label,
                in_scope=counts.get(period.pk, 0),
                grade_style="text-bg-dark" if result.vetoed else grade_styles(definition).get(result.grade, ""),
            )
        )
    return own


@dataclass
class MyResults:
    departments: list[OwnDepartment]  # the departments the person heads (empty for others)
    own: list[OwnResult]  # the person's own results in staff standards


def my_results(*, access) -> MyResults:
    """For each active department the person heads (with the departments under it), the latest
    computed period of every department standard with a result for it; and the person's own
    latest result in every staff standard that scored them. At most five queries."""
    departments: list[Department] = []
    latest: list[Result] = []
    if access.head_paths:
        departments = list(Department.objects.filter(access.headed()).filter(is_active=True).order_by("path"))
        results = (
            Result.objects.filter(department__in=[d.pk for d in departments], period__computed_at__isnull=False)
            .select_related("period__standard")
            .defer("items", "explanations")
            .order_by("department_id", "period__standard__code", "-period__start")
        )
        latest.extend(_latest_results(results, lambda r: (r.department_id, r.period.standard_id)).values())
    if access.staff_id is not None:
        results = (
            Result.objects.filter(staff_id=access.staff_id, period__computed_at__isnull=False)
            .select_related("period__standard")
            .defer("items", "explanations")
            .order_by("period__standard__code", "-period__start")
        )
        latest.extend(_latest_results(results, lambda r: r.period.standard_id).values())
    by_department: dict[int, list[OwnResult]] = defaultdict(list)
    own = []
    for entry in sorted(_own_results(latest), key=lambda e: e.standard.code):
        if entry.result.department_id:
            by_department[entry.result.department_id].append(entry)
        else:
            own.append(entry)
    return MyResults(
        departments=[OwnDepartment(department=d, results=by_department[d.pk]) for d in departments],
        own=own,
    )
