"""A period's ranking: stored results in rank order (vetoed last), change against the previous
period, sparklines, and the same rows as a spreadsheet."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from wenming.org.models import Department, DepartmentCategory
from wenming.standards.definition import Rule, StandardDef, Subject
from wenming.standards.models import Standard

from ..engine import format_points
from ..models import Record, RecordKind, RecordStatus, Result, ScoringPeriod
from ..periods import Period
from .common import (
    FlagLabel,
    Sparkline,
    flag_labels,
    grade_styles,
    mean_points,
    sparkline,
    subject_field,
    trend_periods,
)
from .exports import export_rows, period_export


@dataclass
class RankingRow:
    result: Result
    code: str
    name: str
    department: Department | None  # the department (or, for staff, the person's department)
    category: str
    category_label: str
    change: Decimal | None  # total − the previous period's total; None without one
    spark: Sparkline | None
    grade_style: str
    flags: list[FlagLabel]
    veto_reasons: list[str] = field(default_factory=list)

    @property
    def change_text(self) -> str:
        if self.change is None:
            return "—"
        if self.change > 0:
            return f"▲ {format_points(self.change)}"
        if self.change < 0:
            return f"▼ {format_points(-self.change)}"
        return format_points(self.change)


@dataclass
class Ranking:
    standard: Standard
    scoring_period: ScoringPeriod
    period: Period
    previous: Period
    previous_computed: bool
    definition: StandardDef | None
    category: str
    rows: list[RankingRow]
    in_scope: int  # every subject of the period (the stored ranks are among these)
    average: Decimal | None
    grade_counts: list[tuple[str, str, int]]  # (grade, badge class, how many) in grade order
    vetoed_count: int

    @property
    def is_staff(self) -> bool:
        return self.standard.subject == Subject.STAFF


def _category_filter(standard: Standard, category: str) -> Q:
    """Results of one department category (a staff member's: their department's); all for ""."""
    if not category:
        return Q()
    path = "staff__department__category" if standard.subject == Subject.STAFF else "department__category"
    return Q(**{path: category})


def _totals_by_subject(*, standard: Standard, periods: list[Period], category: str) -> dict[str, dict[str, Decimal]]:
    """{subject code: {period key: total}} over ``periods`` for the subjects shown: one query."""
    rows = (
        Result.objects.filter(period__standard=standard, period__key__in=[p.key for p in periods])
        .filter(_category_filter(standard, category))
        .values_list("subject_code", "period__key", "total")
    )
    totals: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for code, key, total in rows:
        totals[code][key] = total
    return totals


def _veto_reasons(*, standard: Standard, period: Period, definition: StandardDef | None, results: list[Result]):
    """{subject pk: ["V3 发生…", …]} from the veto records that count in the period: one query."""
    field_name = subject_field(standard)
    pks = [getattr(r, f"{field_name}_id") for r in results if r.vetoed]
    if not pks:
        return {}
    names = {}
    if definition is not None and definition.veto_item is not None:
        names = {veto.code: veto.name for veto in definition.veto_item.vetoes}
    reasons: dict[int, list[str]] = defaultdict(list)
    rows = (
        Record.objects.filter(
            standard=standard,
            kind=RecordKind.VETO,
            status=RecordStatus.COUNTS,
            date__gte=period.start,
            date__lt=period.end,
            **{f"{field_name}_id__in": pks},
        )
        .values_list(f"{field_name}_id", "code")
        .distinct()
        .order_by("code")
    )
    for pk, code in rows:
        text = f"{code} {names[code]}" if code in names else code
        if text not in reasons[pk]:
            reasons[pk].append(text)
    return reasons


def period_ranking(*, standard: Standard, period: Period, scoring_period: ScoringPeriod, category: str = "") -> Ranking:
    """The stored results of a computed period in rank order (vetoed ones last), optionally only
    the subjects of one department category, each with its change against the previous period
    and a sparkline of the last periods. Four queries whatever the number of subjects."""
    definition = scoring_period.version.definition if scoring_period.version else None
    is_staff = standard.subject == Subject.STAFF
    related = "staff__department" if is_staff else "department"
    in_scope = Result.objects.filter(period=scoring_period)
    results = list(
        in_scope.filter(_category_filter(standard, category))
        .select_related(related)
        .defer("items", "explanations")
        .order_by("vetoed", "rank", "subject_code")
    )
    periods = trend_periods(period)
    labels = [(p.key, p.label) for p in periods]
    totals = _totals_by_subject(standard=standard, periods=periods, category=category)
    every_total = [total for by_key in totals.values() for total in by_key.values()]
    scale = (min(every_total), max(every_total)) if every_total else None
    previous = period.previous()
    reasons = _veto_reasons(standard=standard, period=period, definition=definition, results=results)
    styles = grade_styles(definition)
    categories = dict(DepartmentCategory.choices)
    has_rollup = bool(definition and definition.leaves(Rule.ROLLUP))
    rows = []
    for result in results:
        department = result.staff.department if is_staff and result.staff_id else result.department
        mine = totals.get(result.subject_code, {})
        before = mine.get(previous.key)
        reason_list = reasons.get(result.staff_id if is_staff else result.department_id, [])
        if result.vetoed and not reason_list and has_rollup:
            reason_list = [_("A result it rolls up was vetoed")]
        rows.append(
            RankingRow(
                result=result,
                code=result.subject_code,
                name=result.name,
                department=department,
                category=department.category if department else "",
                category_label=str(categories.get(department.category, "")) if department else "",
                change=None if before is None else result.total - before,
                spark=sparkline([(label, mine.get(key)) for key, label in labels], scale),
                grade_style="text-bg-dark" if result.vetoed else styles.get(result.grade, "text-bg-secondary"),
                flags=flag_labels(result.flags, definition),
                veto_reasons=reason_list,
            )
        )
    grade_names = [grade.name for grade in definition.grades] if definition else []
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.result.grade] += 1
    extra = sorted(set(counts) - set(grade_names))
    return Ranking(
        standard=standard,
        scoring_period=scoring_period,
        period=period,
        previous=previous,
        previous_computed=any(previous.key in by_key for by_key in totals.values()),
        definition=definition,
        category=category,
        rows=rows,
        in_scope=scoring_period.result_count if hasattr(scoring_period, "result_count") else in_scope.count(),
        average=mean_points([row.result.total for row in rows]),
        grade_counts=[(name, styles.get(name, "text-bg-secondary"), counts[name]) for name in grade_names + extra],
        vetoed_count=sum(1 for row in rows if row.result.vetoed),
    )


def ranking_xlsx_rows(*, ranking: Ranking) -> Iterator[list]:
    """The ranking as spreadsheet rows (header first): the interchange export's columns for the
    rows shown, in the same order, with the department, category and change against the
    previous period added. Numbers stay numbers; flags are written out in the active language."""
    export = period_export(scoring_period=ranking.scoring_period)
    by_code = {r["subject"]: r for r in export["results"]}
    export["results"] = [by_code[row.code] for row in ranking.rows if row.code in by_code]
    rows_by_code = {row.code: row for row in ranking.rows}
    lines = export_rows(scoring_period=ranking.scoring_period, export=export)
    header = next(lines)
    after_name = header.index("名称") + 1
    after_deducted = header.index("扣分") + 1
    added = ["科室", "类别"] if ranking.is_staff else ["类别"]
    yield [*header[:after_name], *added, *header[after_name:after_deducted], "较上期", *header[after_deducted:]]
    for line, result in zip(lines, export["results"], strict=True):
        row = rows_by_code[result["subject"]]
        department = [row.department.name if row.department else ""] if ranking.is_staff else []
        line[-1] = "；".join(flag.text for flag in row.flags)
        yield [
            *line[:after_name],
            *department,
            row.category_label,
            *line[after_name:after_deducted],
            row.change,
            *line[after_deducted:],
        ]
