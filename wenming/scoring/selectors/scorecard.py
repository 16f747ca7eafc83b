"""One subject's scorecard: every item of the version the period used with its score, the points it
lost, the rule's arithmetic and the records that moved it (spec §4 "Explanation")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Case, Count, DecimalField, Max, Q, Sum, When
from django.urls import reverse
from django.utils.translation import gettext as _

from wenming.feedback.models import Feedback
from wenming.standards.definition import CYCLE_ORDER, Cycle, Item, Rule, StandardDef
from wenming.standards.models import Standard

from ..engine import format_points
from ..models import Record, RecordKind, RecordStatus, Result, ScoringPeriod
from ..periods import Period, parse_period
from .common import (
    CENT,
    FlagLabel,
    exact_points,
    flag_labels,
    grade_styles,
    optional_url,
    points_or_blank,
    subject_field,
    trend_periods,
)


@dataclass
class RecordLine:
    """One record as the scorecard lists it."""

    record: Record
    name: str  # the deduction / bonus / veto / item name of its code in the version used
    points: Decimal | None = None  # points of one count (findings, bonuses)
    evidence: list[tuple[str, str | None]] = field(default_factory=list)  # (file name, URL or None)
    note_reason: str = ""  # why it does not count, for the "not counted" list
    changed_after_compute: bool = False

    @property
    def subtotal(self) -> Decimal | None:
        return None if self.points is None else self.record.count * self.points

    @property
    def subtotal_text(self) -> str:
        return "" if self.subtotal is None else exact_points(self.subtotal)

    @property
    def points_text(self) -> str:
        return "" if self.points is None else exact_points(self.points)

    @property
    def who(self) -> str:
        return person_name(self.record.entered_by)

    @property
    def assessor(self) -> str:
        return self.record.assessor.name if self.record.assessor_id else ""

    @property
    def signed_value(self) -> str:
        value = self.record.value
        if value is None:
            return ""
        return f"+{format_points(value)}" if value > 0 else (f"−{format_points(-value)}" if value < 0 else "0.00")


def person_name(user) -> str:
    """Who a login account is: their staff name, else their full name or user name; "" for none."""
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    return (staff.name if staff else "") or user.get_full_name() or user.get_username()


@dataclass
class DeductionGroup:
    code: str
    name: str
    points: Decimal
    lines: list[RecordLine]

    @property
    def count(self) -> int:
        return sum(line.record.count for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        return self.count * self.points

    @property
    def subtotal_text(self) -> str:
        return exact_points(self.subtotal)

    @property
    def points_text(self) -> str:
        return exact_points(self.points)


@dataclass
class FeedbackSummary:
    """The valid feedback of the period by overall rating (the rows themselves are never listed)."""

    by_rating: list[tuple[int, int]]  # (rating 5..1, how many)
    invalid: int
    satisfied_min: int
    min_responses: int

    @property
    def n(self) -> int:
        return sum(count for _rating, count in self.by_rating)

    @property
    def satisfied(self) -> int:
        return sum(count for rating, count in self.by_rating if rating >= self.satisfied_min)

    @property
    def rate_text(self) -> str:
        return format_points(Fraction(self.satisfied * 100, self.n)) + "%" if self.n else "—"


@dataclass
class SourceLine:
    """A rolled-up period's result: its standard, period, total, and where its scorecard is."""

    standard_code: str
    key: str
    label: str
    total: Decimal
    vetoed: bool
    url: str


@dataclass
class ItemCard:
    item: Item
    depth: int
    score: Decimal | None
    explanation: str
    groups: list[DeductionGroup] = field(default_factory=list)  # deduct: findings by deduction code
    lines: list[RecordLine] = field(default_factory=list)  # manual values, bonus and veto records
    feedback: FeedbackSummary | None = None
    sources: list[SourceLine] = field(default_factory=list)

    @property
    def points(self) -> Decimal | None:
        return self.item.points

    @property
    def lost(self) -> Decimal | None:
        if self.points is None or self.score is None:
            return None
        return self.points - self.score

    @property
    def lost_text(self) -> str:
        lost = self.lost
        return "" if lost is None else format_points(lost)

    @property
    def score_text(self) -> str:
        return points_or_blank(self.score)

    @property
    def points_text(self) -> str:
        return points_or_blank(self.points)

    @property
    def vetoed_sources(self) -> list[SourceLine]:
        return [source for source in self.sources if source.vetoed]


@dataclass
class TrendPoint:
    key: str
    label: str
    mine: Decimal | None
    average: Decimal | None
    subjects: int


@dataclass
class Scorecard:
    standard: Standard
    scoring_period: ScoringPeriod
    period: Period
    definition: StandardDef | None
    result: Result
    in_scope: int
    items: list[ItemCard]
    bonus: ItemCard | None
    veto: ItemCard | None
    losses: list[ItemCard]  # leaves that lost points, in tree order
    corrections: list[RecordLine]
    not_counted: list[RecordLine]
    trend: list[TrendPoint]
    grade_style: str
    flags: list[FlagLabel]

    @property
    def full_score(self) -> Decimal | None:
        return self.definition.full_score if self.definition else None

    @property
    def full_score_text(self) -> str:
        return points_or_blank(self.full_score)

    @property
    def lost(self) -> Decimal:
        return sum((card.lost or Decimal(0) for card in self.losses), Decimal(0))

    @property
    def lost_text(self) -> str:
        return format_points(self.lost)

    @property
    def corrections_total(self) -> Decimal:
        return sum(
            (line.record.value for line in self.corrections if line.record.status == RecordStatus.COUNTS),
            Decimal(0),
        )

    @property
    def total_after_corrections(self) -> Decimal | None:
        counted = [line for line in self.corrections if line.record.status == RecordStatus.COUNTS]
        return self.result.total + self.corrections_total if counted else None

    @property
    def previous_key(self) -> str | None:
        """The previous period's key when this subject has a result there (for a link)."""
        if len(self.trend) > 1 and self.trend[-2].mine is not None:
            return self.trend[-2].key
        return None

    @property
    def previous_label(self) -> str:
        return self.trend[-2].label if len(self.trend) > 1 else ""

    @property
    def chart(self) -> dict:
        """The trend chart's data for ``assets/wenming/charts.js``."""
        mine = [points_or_blank(point.mine) or None for point in self.trend]
        average = [points_or_blank(point.average) or None for point in self.trend]
        return {
            "labels": [point.label for point in self.trend],
            "series": [{"name": self.result.name, "values": mine}, {"name": _("Hospital average"), "values": average}],
        }


def stored_result(*, standard_code: str, period_key: str, subject_code: str) -> Result | None:
    """A subject's stored result in a computed period, with the period, its standard and version,
    and the department (or the staff member and their department): one query."""
    return (
        Result.objects.select_related("period__standard", "period__version", "department", "staff__department")
        .filter(
            period__standard__code=standard_code,
            period__key=period_key,
            period__computed_at__isnull=False,
            subject_code=subject_code,
        )
        .first()
    )


def _walk(items: Iterable[Item], depth: int = 0) -> Iterator[tuple[Item, int]]:
    for item in items:
        if item.is_scored:
            yield item, depth
            yield from _walk(item.children, depth + 1)


def _subject_records(*, scoring_period: ScoringPeriod, period: Period, result: Result) -> list[Record]:
    """Every record of the subject in the period (any status), and the corrections of the period:
    two queries (the records, their evidence)."""
    field_name = subject_field(scoring_period.standard)
    subject_pk = getattr(result, f"{field_name}_id")
    dated = Q(
        kind__in=[RecordKind.FINDING, RecordKind.BONUS, RecordKind.VETO], date__gte=period.start, date__lt=period.end
    )
    manual = Q(kind=RecordKind.MANUAL, period_key=period.key)
    correction = Q(kind=RecordKind.CORRECTION, corrects=scoring_period)
    return list(
        Record.objects.filter(standard=scoring_period.standard, **{f"{field_name}_id": subject_pk})
        .filter(dated | manual | correction)
        .select_related("entered_by__staff", "assessor", "decided_by__staff")
        .prefetch_related("evidence")
        .order_by("date", "created_at", "pk")
    )


def _feedback_summary(*, standard: Standard, period: Period, result: Result, item: Item) -> FeedbackSummary:
    field_name = subject_field(standard)
    rows = (
        Feedback.objects.filter(
            local_date__gte=period.start,
            local_date__lt=period.end,
            **{f"{field_name}_id": getattr(result, f"{field_name}_id")},
        )
        .values_list("overall", "is_valid")
        .annotate(n=Count("pk"))
        .order_by()
    )
    valid: dict[int, int] = defaultdict(int)
    invalid = 0
    for overall, is_valid, n in rows:
        if is_valid:
            valid[overall] += n
        else:
            invalid += n
    return FeedbackSummary(
        by_rating=[(rating, valid.get(rating, 0)) for rating in range(5, 0, -1)],
        invalid=invalid,
        satisfied_min=item.satisfied_min,
        min_responses=item.min_responses,
    )


def _rollup_sources(*, definition: StandardDef, period: Period, result: Result) -> dict[str, list[Result]]:
    """{source standard code: this subject's results in the sub-periods of ``period``}: one query."""
    sources = sorted({item.source for item in definition.leaves(Rule.ROLLUP) if item.source})
    if not sources:
        return {}
    keys = {
        part.key
        for cycle in Cycle
        if CYCLE_ORDER[cycle] < CYCLE_ORDER[period.cycle]
        for part in period.sub_periods(cycle)
    }
    found: dict[str, list[Result]] = defaultdict(list)
    rows = (
        Result.objects.filter(
            period__standard__code__in=sources, period__key__in=keys, subject_code=result.subject_code
        )
        .select_related("period__standard")
        .only("total", "vetoed", "subject_code", "period__key", "period__start", "period__standard__code")
        .order_by("period__start")
    )
    for row in rows:
        found[row.period.standard.code].append(row)
    return found


def _trend(*, standard: Standard, period: Period, subject_code: str) -> list[TrendPoint]:
    """This subject's totals and the average of all subjects over the trend periods: one query."""
    periods = trend_periods(period)
    rows = (
        Result.objects.filter(period__standard=standard, period__key__in=[p.key for p in periods])
        .values("period__key")
        .annotate(
            total_sum=Sum("total"),
            subjects=Count("pk"),
            mine=Max(
                Case(
                    When(subject_code=subject_code, then="total"),
                    output_field=DecimalField(max_digits=8, decimal_places=2),
                )
            ),
        )
        .order_by()
    )
    by_key = {row["period__key"]: row for row in rows}
    points = []
    for p in periods:
        row = by_key.get(p.key)
        average = None
        if row and row["subjects"]:
            exact_sum = Decimal(row["total_sum"]).quantize(CENT)  # sums of 2-place decimals
            average = Decimal(format_points(Fraction(exact_sum) / row["subjects"]))
        mine = row["mine"] if row else None
        points.append(
            TrendPoint(
                key=p.key,
                label=p.label,
                mine=None if mine is None else Decimal(mine).quantize(CENT),
                average=average,
                subjects=row["subjects"] if row else 0,
            )
        )
    return points


def _code_names(definition: StandardDef | None) -> dict[str, tuple[str, str, Decimal | None, Item]]:
    """{code: (kind, name, points of one count, item)} for every deduction, bonus, veto and item."""
    names: dict[str, tuple[str, str, Decimal | None, Item]] = {}
    if definition is None:
        return names
    for item in definition.walk():
        names[item.code] = ("item", item.name, None, item)
        for deduction in item.deductions:
            names[deduction.code] = ("deduction", deduction.name, deduction.points, item)
        for bonus in item.bonuses:
            names[bonus.code] = ("bonus", bonus.name, bonus.points, item)
        for veto in item.vetoes:
            names[veto.code] = ("veto", veto.name, None, item)
    return names


_KIND_OF_CODE = {
    RecordKind.FINDING: "deduction",
    RecordKind.BONUS: "bonus",
    RecordKind.VETO: "veto",
    RecordKind.MANUAL: "item",
}


def subject_scorecard(
    *, standard: Standard, period: Period, scoring_period: ScoringPeriod, result: Result
) -> Scorecard:
    """Everything the scorecard shows about one stored result: each item of the version the period
    used, in tree order, with its score, the points it lost, the rule's arithmetic and the records
    that moved it; bonus and veto records; corrections of the period; records that do not count;
    the trend over the last periods with the hospital average. At most five queries."""
    definition = scoring_period.version.definition if scoring_period.version else None
    names = _code_names(definition)
    computed_at = scoring_period.computed_at
    evidence_route = optional_url("scoring:evidence", 0) is not None

    def line(record: Record, *, reason: str = "") -> RecordLine:
        kind, name, points, _item = names.get(record.code, ("", "", None, None))
        if record.kind == RecordKind.CORRECTION:
            points = None
        elif _KIND_OF_CODE.get(record.kind) != kind:
            name, points = "", None
        files = [
            (evidence.name, reverse("scoring:evidence", args=[evidence.pk]) if evidence_route else None)
            for evidence in record.evidence.all()
        ]
        return RecordLine(
            record=record,
            name=name,
            points=points,
            evidence=files,
            note_reason=reason,
            changed_after_compute=bool(computed_at and record.updated_at and record.updated_at > computed_at),
        )

    counted: dict[str, list[RecordLine]] = defaultdict(list)  # by item code
    corrections: list[RecordLine] = []
    not_counted: list[RecordLine] = []
    for record in _subject_records(scoring_period=scoring_period, period=period, result=result):
        if record.kind == RecordKind.CORRECTION:
            corrections.append(line(record))
            continue
        if record.status != RecordStatus.COUNTS:
            reason = (
                _("Not counted: voided") if record.status == RecordStatus.VOIDED else _("Not counted: pending approval")
            )
            not_counted.append(line(record, reason=reason))
            continue
        kind, _name, _points_each, item = names.get(record.code, ("", "", None, None))
        manual_elsewhere = record.kind == RecordKind.MANUAL and item is not None and item.rule != Rule.MANUAL
        if item is None or _KIND_OF_CODE.get(record.kind) != kind or manual_elsewhere:
            not_counted.append(line(record, reason=_("Not counted: the code is not in the version used")))
            continue
        counted[item.code].append(line(record))

    items: list[ItemCard] = []
    sources = _rollup_sources(definition=definition, period=period, result=result) if definition else {}
    explanations = result.explanations or {}
    for item, depth in _walk(definition.items if definition else ()):
        stored = result.items.get(item.code)
        card = ItemCard(
            item=item,
            depth=depth,
            score=None if stored is None else Decimal(stored),
            explanation=explanations.get(item.code, ""),
        )
        if item.rule == Rule.DEDUCT:
            lines = counted.get(item.code, [])
            for deduction in item.deductions:
                mine = [each for each in lines if each.record.code == deduction.code]
                if mine:
                    card.groups.append(DeductionGroup(deduction.code, deduction.name, deduction.points, mine))
        elif item.rule == Rule.MANUAL:
            card.lines = counted.get(item.code, [])
        elif item.rule == Rule.SATISFACTION:
            card.feedback = _feedback_summary(standard=standard, period=period, result=result, item=item)
        elif item.rule == Rule.ROLLUP and item.source:
            found = sources.get(item.source, [])
            for row in found:
                card.sources.append(
                    SourceLine(
                        standard_code=item.source,
                        key=row.period.key,
                        label=parse_period(row.period.key).label,
                        total=row.total,
                        vetoed=row.vetoed,
                        url=reverse("scoring:scorecard", args=[item.source, row.period.key, result.subject_code]),
                    )
                )
        items.append(card)

    def special(item: Item | None) -> ItemCard | None:
        if item is None:
            return None
        score = result.bonus if item.rule == Rule.BONUS else None
        return ItemCard(
            item=item,
            depth=0,
            score=score,
            explanation=explanations.get(item.code, ""),
            lines=counted.get(item.code, []),
        )

    styles = grade_styles(definition)
    trend = _trend(standard=standard, period=period, subject_code=result.subject_code)
    return Scorecard(
        standard=standard,
        scoring_period=scoring_period,
        period=period,
        definition=definition,
        result=result,
        in_scope=trend[-1].subjects,
        items=items,
        bonus=special(definition.bonus_item if definition else None),
        veto=special(definition.veto_item if definition else None),
        losses=[card for card in items if not card.item.is_group and card.lost],
        corrections=corrections,
        not_counted=not_counted,
        trend=trend,
        grade_style="text-bg-dark" if result.vetoed else styles.get(result.grade, "text-bg-secondary"),
        flags=flag_labels(result.flags, definition),
    )
