"""Reads for publishing a period: the pay linkage sheet (绩效挂钩) and the bulletin's data (月度通报).

Every function takes a computed :class:`ScoringPeriod` (with ``standard`` and ``version`` loaded)
and runs a fixed number of queries whatever the number of departments: the results in one, the
corrections in one, the findings aggregated in the database in one, and so on.

Corrections (更正) are published with the period *in which they were recorded*: those whose
``date`` falls in this period and that correct an earlier, finalized period of the same standard.
They never change stored results (spec §3); the pay sheet sums them per subject so that the
finance office can pay the difference, and the bulletin lists them under 六、更正.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.db.models import QuerySet, Sum
from django.utils import timezone, translation

from wenming.org.selectors import current_hospital
from wenming.standards.definition import Cycle, StandardDef, Subject

from ..bulletin import BulletinData, CorrectionRow, ProblemRow, RankingRow, VetoEntry
from ..engine import round_half_up
from ..models import PayRule, Record, RecordKind, RecordStatus, Result, ScoringPeriod
from ..pay import MissingGradeError, PayRow, PaySheet, PaySpec, pay_coefficient, spec_from_rule
from ..periods import Period, local_date, parse_period

# --- wording shared by the documents -------------------------------------------------------------


def chinese_period_label(period: Period) -> str:
    """A period as a Chinese document writes it: 2026年10月, 2026年第4季度, 2026年度 — the period's
    own label in Chinese, whatever the interface language (documents are Chinese)."""
    with translation.override("zh-hans"):
        return period.label


_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_LEADING_YEAR = re.compile(r"^[0-9]{4}年度?")
_SUFFIXES = ("实施细则", "细则", "标准", "办法", "方案", "测评体系", "体系")
_CYCLE_WORDS = ("月度", "季度", "年度")
_ENDINGS = ("考核", "评判", "评议", "测评", "考评", "评比", "评价")


def document_topic(standard_name: str) -> str:
    """What the bulletin's title calls the assessment, from the standard's name:
    文明科室月度考核细则（2026年版） → 文明科室考核; 文明科室季度综合评判 → 文明科室综合评判."""
    topic = _LEADING_YEAR.sub("", _BRACKETS.sub("", standard_name)).strip()
    for suffix in _SUFFIXES:
        if topic.endswith(suffix) and len(topic) > len(suffix):
            topic = topic[: -len(suffix)]
            break
    for word in _CYCLE_WORDS:
        topic = topic.replace(word, "")
    topic = topic.strip() or "考核"
    return topic if topic.endswith(_ENDINGS) else f"{topic}考核"


def code_name(definition: StandardDef | None, code: str) -> str:
    """ "B 思想道德与学习" for an item, deduction, bonus or veto code; "总分" for no code."""
    if not code:
        return "总分"
    if definition is not None:
        for item in definition.walk():
            if item.code == code:
                return f"{code} {item.name}"
            for entry in (*item.deductions, *item.bonuses, *item.vetoes):
                if entry.code == code:
                    return f"{code} {entry.name}"
    return code


def _category_label(department) -> str:
    if department is None:
        return ""
    with translation.override("zh-hans"):
        return str(department.get_category_display())


def _subject_key(department_code: str | None, staff_no: str | None) -> str:
    return department_code or staff_no or ""


# --- the pay rule --------------------------------------------------------------------------------


def pay_rule_of(standard) -> PayRule | None:
    """The standard's saved pay rule, or None (then the default applies: ratio, 4 places)."""
    return PayRule.objects.filter(standard=standard).select_related("updated_by").first()


# --- corrections ---------------------------------------------------------------------------------


def _counting(scoring_period: ScoringPeriod, kind: str, **more) -> QuerySet[Record]:
    """The records of ``kind`` that count and are dated in the period (and match ``more``)."""
    return Record.objects.filter(
        standard_id=scoring_period.standard_id,
        kind=kind,
        status=RecordStatus.COUNTS,
        date__gte=scoring_period.start,
        date__lt=scoring_period.end,
        **more,
    )


def period_corrections(*, scoring_period: ScoringPeriod) -> list[Record]:
    """The corrections recorded during this period (``date`` inside it) to earlier finalized periods
    of the same standard, oldest first; one query."""
    return list(
        _counting(
            scoring_period,
            RecordKind.CORRECTION,
            corrects__start__lt=scoring_period.start,
            corrects__finalized_at__isnull=False,
        )
        .select_related("department", "staff__department", "corrects__version")
        .order_by("date", "created_at", "pk")
    )


def _correction_definition(record: Record, cache: dict) -> StandardDef | None:
    version = record.corrects.version
    if version is None:
        return None
    if version.pk not in cache:
        cache[version.pk] = version.definition
    return cache[version.pk]


# --- pay linkage ---------------------------------------------------------------------------------


def pay_rows(*, scoring_period: ScoringPeriod, spec: PaySpec) -> tuple[list[PayRow], list[str]]:
    """One row per result in rank order, with its coefficient and this period's corrections
    (subjects with corrections but no result this period come last); and the grades a grade
    table lacks (their rows get no coefficient). Two queries."""
    definition = scoring_period.version.definition
    full_score = definition.full_score
    results = list(
        scoring_period.results.select_related("department", "staff__department").order_by("rank", "subject_code")
    )
    values: dict[str, Decimal] = defaultdict(Decimal)
    notes: dict[str, list[str]] = defaultdict(list)
    names: dict[str, tuple[str, str]] = {}
    cache: dict = {}
    for record in period_corrections(scoring_period=scoring_period):
        key = _subject_key(
            record.department.code if record.department_id else None, record.staff.staff_no if record.staff_id else None
        )
        values[key] += record.value
        label = chinese_period_label(parse_period(record.corrects.key))
        item = code_name(_correction_definition(record, cache), record.code)
        notes[key].append(f"{label} {item} {record.value:+.2f}：{record.reason.strip()}")
        subject = record.department or record.staff
        category = _category_label(record.department) if record.department_id else record.staff.department.name
        names[key] = (subject.name, category)
    missing: list[str] = []
    rows = []
    for result in results:
        try:
            coefficient = pay_coefficient(
                total=result.total, grade=result.grade, vetoed=result.vetoed, full_score=full_score, spec=spec
            )
        except MissingGradeError as error:
            coefficient = None
            if error.grade not in missing:
                missing.append(error.grade)
        if result.department_id:
            category = _category_label(result.department)
        else:
            category = result.staff.department.name if result.staff_id else ""
        key = result.subject_code
        rows.append(
            PayRow(
                rank=result.rank,
                code=key,
                name=result.name,
                category=category,
                total=result.total,
                grade=result.grade,
                vetoed=result.vetoed,
                coefficient=coefficient,
                correction_value=values.pop(key, None),
                correction_notes="；".join(notes.pop(key, [])),
            )
        )
    for key in sorted(values):
        name, category = names[key]
        rows.append(
            PayRow(
                rank=None,
                code=key,
                name=name,
                category=category,
                total=None,
                grade="",
                vetoed=False,
                coefficient=None,
                correction_value=values[key],
                correction_notes="；".join(notes[key]),
            )
        )
    return rows, missing


def pay_sheet(*, scoring_period: ScoringPeriod, now: datetime | None = None) -> PaySheet:
    """Everything the pay linkage page and workbook show for one period (three queries and the
    cached hospital)."""
    hospital = current_hospital()
    spec = spec_from_rule(pay_rule_of(scoring_period.standard))
    rows, missing = pay_rows(scoring_period=scoring_period, spec=spec)
    definition = scoring_period.version.definition
    zone = hospital.time_zone or "Asia/Shanghai"
    generated = timezone.localtime(now or timezone.now(), timezone=ZoneInfo(zone)).replace(tzinfo=None)
    return PaySheet(
        hospital=hospital.name,
        standard_code=scoring_period.standard.code,
        standard_name=scoring_period.version.name or scoring_period.standard.name,
        version=scoring_period.version.number,
        period_key=scoring_period.key,
        period_label=chinese_period_label(parse_period(scoring_period.key)),
        finalized_on=local_date(scoring_period.finalized_at, zone) if scoring_period.finalized_at else None,
        generated_at=generated,
        subject_is_department=definition.subject == Subject.DEPARTMENT,
        full_score=definition.full_score,
        grades=tuple(g.name for g in definition.grades),
        spec=spec,
        rows=tuple(rows),
        missing_grades=tuple(missing),
    )


# --- the bulletin --------------------------------------------------------------------------------


def _problems(*, scoring_period: ScoringPeriod, definition: StandardDef) -> list[ProblemRow]:
    """Every deduction found in the period (findings that count), aggregated in the database by
    code and subject: times = Σ count; points = times × the deduction's points (before the
    item's "扣完为止" floor). Most frequent first."""
    deductions = {d.code: d for item in definition.walk() for d in item.deductions}
    rows = (
        _counting(scoring_period, RecordKind.FINDING)
        .order_by()
        .values("code", "department__code", "department__name", "staff__staff_no", "staff__name")
        .annotate(times=Sum("count"))
    )
    times: dict[str, int] = defaultdict(int)
    subjects: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows:
        times[row["code"]] += row["times"]
        key = _subject_key(row["department__code"], row["staff__staff_no"])
        subjects[row["code"]][key] = row["department__name"] or row["staff__name"] or key
    problems = []
    for code, count in times.items():
        deduction = deductions.get(code)
        problems.append(
            ProblemRow(
                code=code,
                name=deduction.name if deduction else code,
                times=count,
                subjects=tuple(name for _, name in sorted(subjects[code].items())),
                points=round_half_up(deduction.points * count) if deduction else Decimal("0.00"),
            )
        )
    problems.sort(key=lambda p: (-p.times, -p.points, p.code))
    return problems


def _vetoes(*, scoring_period: ScoringPeriod, definition: StandardDef, ranking: list[RankingRow]) -> list[VetoEntry]:
    """Each vetoed result with the veto records (item name, date, note) that vetoed it; one query."""
    vetoed = [r for r in ranking if r.vetoed]
    if not vetoed:
        return []
    names = {v.code: v.name for v in definition.veto_item.vetoes} if definition.veto_item else {}
    records = (
        _counting(scoring_period, RecordKind.VETO)
        .order_by("date", "pk")
        .values_list("department__code", "staff__staff_no", "code", "date", "note")
    )
    reasons: dict[str, list[tuple]] = defaultdict(list)
    for department_code, staff_no, code, day, note in records:
        reasons[_subject_key(department_code, staff_no)].append((names.get(code, code), day, note.strip()))
    return [VetoEntry(name=r.name, reasons=tuple(reasons.get(r.code, ()))) for r in vetoed]


def _previous_average(scoring_period: ScoringPeriod, period: Period) -> tuple[str | None, Decimal | None]:
    """The average total of the previous period of the standard when it was finalized (published)."""
    previous = period.previous()
    totals = list(
        Result.objects.filter(
            period__standard_id=scoring_period.standard_id, period__key=previous.key, period__finalized_at__isnull=False
        ).values_list("total", flat=True)
    )
    if not totals:
        return None, None
    return chinese_period_label(previous), round_half_up(Fraction(sum(totals, Decimal(0))) / len(totals))


def bulletin_data(*, scoring_period: ScoringPeriod) -> BulletinData:
    """What the bulletin of this period says; five queries (and the cached hospital)."""
    hospital = current_hospital()
    zone = hospital.time_zone or "Asia/Shanghai"
    period = parse_period(scoring_period.key)
    version = scoring_period.version
    definition = version.definition
    ranking = [
        RankingRow(rank=rank, code=code, name=name, total=total, grade=grade, vetoed=vetoed)
        for rank, code, name, total, grade, vetoed in scoring_period.results.order_by(
            "rank", "subject_code"
        ).values_list("rank", "subject_code", "name", "total", "grade", "vetoed")
    ]
    previous_label, previous_average = _previous_average(scoring_period, period)
    cache: dict = {}
    corrections = [
        CorrectionRow(
            subject=(record.department or record.staff).name,
            period_label=chinese_period_label(parse_period(record.corrects.key)),
            item=code_name(_correction_definition(record, cache), record.code),
            value=record.value,
            reason=record.reason.strip(),
            day=record.date,
        )
        for record in period_corrections(scoring_period=scoring_period)
    ]
    if period.cycle == Cycle.MONTH:
        number = period.start.month
    elif period.cycle == Cycle.QUARTER:
        number = (period.start.month - 1) // 3 + 1
    else:
        number = 1
    return BulletinData(
        hospital=hospital.name,
        short_name=hospital.short_name,
        standard_code=scoring_period.standard.code,
        standard_name=version.name or scoring_period.standard.name,
        subject_is_department=definition.subject == Subject.DEPARTMENT,
        period_key=period.key,
        period_label=chinese_period_label(period),
        topic=document_topic(version.name or scoring_period.standard.name),
        number_in_year=number,
        finalized_on=local_date(scoring_period.finalized_at, zone) if scoring_period.finalized_at else None,
        full_score=definition.full_score,
        grades=tuple(g.name for g in definition.grades),
        ranking=tuple(ranking),
        previous_label=previous_label,
        previous_average=previous_average,
        vetoes=tuple(_vetoes(scoring_period=scoring_period, definition=definition, ranking=ranking)),
        problems=tuple(_problems(scoring_period=scoring_period, definition=definition)),
        corrections=tuple(corrections),
    )
