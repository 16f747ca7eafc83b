"""Reads behind the records pages: the standard and period a URL names (:class:`PeriodPage`), a
period's records and corrections as the person may see them, one record with its evidence and
history, and the subjects and means of the manual score grid.

Every read is scoped to the person (an ``Access`` from ``wenming.org.access``) and runs a fixed
number of queries (pinned in ``tests/test_records_views.py``). The lookups of one object return
None both for missing and for not-yours; the views answer 404 for either.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import Avg, Count, Q, QuerySet

from wenming.core.audit import describe, format_details
from wenming.core.models import AuditEntry
from wenming.org.access import access_for
from wenming.org.models import Department, DepartmentCategory, Staff, StaffStatus
from wenming.standards.definition import Cycle, StandardDef, Subject
from wenming.standards.models import Standard, StandardVersion
from wenming.standards.selectors import newest_version

from ..models import Evidence, Record, RecordKind, RecordStatus, ScoringPeriod
from ..periods import Period, parse_period, period_of
from ..services import finalized_period

DATED = (RecordKind.FINDING, RecordKind.BONUS, RecordKind.VETO)
LISTED = (*DATED, RecordKind.MANUAL)  # a period's record list; corrections have their own section
CATEGORY_ORDER = {value: index for index, value in enumerate(DepartmentCategory.values)}
RECORD_RELATED = (
    "standard",
    "department",
    "staff",
    "staff__department",
    "entered_by",
    "entered_by__staff",
    "decided_by",
    "decided_by__staff",
    "assessor",
    "corrects",
)


# --- A standard's codes -----------------------------------------------------------------------


@dataclass(frozen=True)
class CodeInfo:
    """What a code of a standard names: a deduction, bonus or veto (inside ``item``) or an item."""

    code: str
    name: str
    kind: str  # "deduction" | "bonus" | "veto" | "item"
    item_code: str
    item_name: str
    points: Decimal | None
    rule: str | None = None

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


def code_catalogue(definition: StandardDef) -> dict[str, CodeInfo]:
    """Every code of a standard (items, deductions, bonuses, vetoes) with its name and points."""
    index: dict[str, CodeInfo] = {}
    for item in definition.walk():
        rule = item.rule.value if item.rule else None
        index[item.code] = CodeInfo(item.code, item.name, "item", item.code, item.name, item.points, rule)
        for d in item.deductions:
            index[d.code] = CodeInfo(d.code, d.name, "deduction", item.code, item.name, d.points, rule)
        for b in item.bonuses:
            index[b.code] = CodeInfo(b.code, b.name, "bonus", item.code, item.name, b.points, rule)
        for v in item.vetoes:
            index[v.code] = CodeInfo(v.code, v.name, "veto", item.code, item.name, None, rule)
    return index


# --- What a URL names -------------------------------------------------------------------------


@dataclass
class PeriodPage:
    """The standard and period a URL names, with the version its records are read against: the
    one a finalized period kept, otherwise the newest."""

    standard: Standard
    version: StandardVersion
    period: Period
    scoring_period: ScoringPeriod | None

    @cached_property
    def definition(self) -> StandardDef:
        return self.version.definition

    @cached_property
    def catalogue(self) -> dict[str, CodeInfo]:
        return code_catalogue(self.definition)

    @property
    def finalized(self) -> bool:
        return self.scoring_period is not None and self.scoring_period.is_finalized

    @property
    def is_department(self) -> bool:
        return self.standard.subject == Subject.DEPARTMENT

    @property
    def args(self) -> tuple[str, str]:
        return (self.standard.code, self.period.key)

    def has(self, kind: str) -> bool:
        wanted = {RecordKind.FINDING: "deduction", RecordKind.BONUS: "bonus", RecordKind.VETO: "veto"}[kind]
        return any(info.kind == wanted for info in self.catalogue.values())


def period_page(*, standard_code: str, period_key: str) -> PeriodPage | None:
    """The standard and period of a URL; None for an unknown standard or a key of another cycle."""
    version = newest_version(standard_code)
    if version is None:
        return None
    standard = version.standard
    try:
        period = parse_period(period_key, Cycle(standard.cycle))
    except (ValueError, TypeError):
        return None
    scoring_period = ScoringPeriod.objects.select_related("version").filter(standard=standard, key=period.key).first()
    if scoring_period is not None and scoring_period.is_finalized and scoring_period.version is not None:
        version = scoring_period.version
        version.standard = standard
    return PeriodPage(standard, version, period, scoring_period)


def record_period(record: Record) -> Period:
    """The period a record belongs to: its manual key, the period a correction corrects, or the
    period of the standard's cycle that holds its date."""
    if record.kind == RecordKind.MANUAL:
        return parse_period(record.period_key, Cycle(record.standard.cycle))
    if record.kind == RecordKind.CORRECTION and record.corrects_id:
        return parse_period(record.corrects.key, Cycle(record.standard.cycle))
    return period_of(record.date, Cycle(record.standard.cycle))


def may_see_record(*, access, record: Record) -> bool:
    if record.department_id:
        return access.may_see_department(record.department)
    return access.may_see_department(record.staff.department)


def record_for_user(*, user, pk: int) -> Record | None:
    """The record if the person may see its subject; None for missing and not-yours alike."""
    record = Record.objects.select_related(*RECORD_RELATED).filter(pk=pk).first()
    if record is None or not may_see_record(access=access_for(user), record=record):
        return None
    return record


def evidence_for_user(*, user, pk: int) -> Evidence | None:
    """An evidence file if the person may see its record's subject; None for missing and not-yours."""
    evidence = Evidence.objects.select_related("record__department", "record__staff__department").filter(pk=pk).first()
    if evidence is None or not may_see_record(access=access_for(user), record=evidence.record):
        return None
    return evidence


def record_is_locked(record: Record) -> bool:
    """Is the period this record's changes are frozen by finalized?"""
    if record.kind == RecordKind.MANUAL:
        return finalized_period(standard=record.standard, period_key=record.period_key) is not None
    return finalized_period(standard=record.standard, day=record.date) is not None


# --- A period's records (scoped to the person) ------------------------------------------------


def scope_departments(*, access, definition: StandardDef) -> QuerySet[Department]:
    """Active departments the standard scores (its ``applies_to``) that the person may see."""
    departments = access.departments().filter(is_active=True)
    if definition.applies_to is not None:
        departments = departments.filter(category__in=definition.applies_to)
    return departments.order_by("path")


def scope_staff(*, access) -> QuerySet[Staff]:
    return access.staff().filter(status=StaffStatus.ACTIVE)


def filter_departments(*, access, page: PeriodPage) -> QuerySet[Department]:
    """The departments a period's records can be narrowed to: the active ones the person may see
    (for a department standard, those it scores)."""
    departments = access.departments().filter(is_active=True).order_by("path")
    if page.is_department and page.definition.applies_to is not None:
        departments = departments.filter(category__in=page.definition.applies_to)
    return departments


def _visible(records: QuerySet[Record], access, *, is_department: bool) -> QuerySet[Record]:
    if access.sees_whole_hospital:
        return records
    if is_department:
        return records.filter(department__in=access.departments())
    return records.filter(staff__in=access.staff())


def period_records(*, access, page: PeriodPage) -> QuerySet[Record]:
    """Findings, bonuses and vetoes dated in the period and manual scores for it, that the person may see."""
    dated = Q(kind__in=DATED, date__gte=page.period.start, date__lt=page.period.end)
    records = Record.objects.filter(standard=page.standard).filter(
        dated | Q(kind=RecordKind.MANUAL, period_key=page.period.key)
    )
    return _visible(records, access, is_department=page.is_department)


def period_corrections(*, access, page: PeriodPage) -> list[Record]:
    """The corrections of a finalized period that the person may see, oldest first."""
    if page.scoring_period is None:
        return []
    records = Record.objects.filter(kind=RecordKind.CORRECTION, corrects=page.scoring_period)
    records = _visible(records, access, is_department=page.is_department)
    rows = list(records.select_related(*RECORD_RELATED).order_by("created_at", "pk"))
    return decorate_records(rows, catalogue=page.catalogue, access=access)


def filtered_records(records: QuerySet[Record], *, filters: dict, page: PeriodPage) -> QuerySet[Record]:
    """``records`` narrowed by the list's filters: kind, department (and those under it), a search."""
    if kind := filters.get("kind"):
        records = records.filter(kind=kind)
    if department := filters.get("department"):
        if page.is_department:
            records = records.filter(department=department)
        else:
            records = records.filter(staff__department__path__startswith=department.path)
    if q := filters.get("q"):
        match = Q(note__icontains=q) | Q(code__iexact=q) | Q(reason__icontains=q)
        if page.is_department:
            match |= Q(department__name__icontains=q) | Q(department__code__iexact=q)
        else:
            match |= Q(staff__name__icontains=q) | Q(staff__staff_no__iexact=q)
        match |= Q(entered_by__username__iexact=q) | Q(entered_by__staff__name__icontains=q)
        records = records.filter(match)
    return records


def decorate_records(records: list[Record], *, catalogue: dict[str, CodeInfo], access) -> list[Record]:
    """Give each record what its row shows: the standard's name for its code, the evidence count
    (one query for the lot), and whether its author may be shown (evaluators are never shown to
    the evaluated: who entered a manual score only to the whole-hospital roles, and the inspector of
    an unannounced round neither)."""
    counts = dict(
        Evidence.objects.filter(record__in=[r.pk for r in records])
        .order_by()
        .values("record")
        .annotate(n=Count("pk"))
        .values_list("record", "n")
    )
    # Findings of an unannounced inspection (暗访) keep the inspector hidden from the department too.
    undisclosed: set[int] = set()
    if not access.sees_whole_hospital and any(r.kind == RecordKind.FINDING for r in records):
        undisclosed = set(
            Record.objects.filter(
                pk__in=[r.pk for r in records if r.kind == RecordKind.FINDING],
                inspection_finding__round__unannounced=True,
            ).values_list("pk", flat=True)
        )
    for record in records:
        record.info = catalogue.get(record.code)
        record.evidence_count = counts.get(record.pk, 0)
        record.show_author = access.sees_whole_hospital or (
            record.kind != RecordKind.MANUAL and record.pk not in undisclosed
        )
    return records


def status_counts(records: QuerySet[Record]) -> list[dict]:
    """How many of ``records`` are in each status, every status listed: one query."""
    counts = dict(records.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return [{"value": value, "label": label, "n": counts.get(value, 0)} for value, label in RecordStatus.choices]


# --- One record -------------------------------------------------------------------------------


def record_evidence(record: Record) -> list[Evidence]:
    return list(record.evidence.select_related("uploaded_by", "uploaded_by__staff"))


def record_history(*, access, record: Record) -> list:
    """The record's audit entries (entry, sentence, details), oldest first, for those who may read
    the audit log; empty for everyone else."""
    if not access.can_view_audit:
        return []
    entries = AuditEntry.objects.filter(target_type="scoring.record", target_id=str(record.pk)).order_by("at", "id")
    return [(entry, describe(entry), format_details(entry.data)) for entry in entries]


# --- The manual score grid and corrections ----------------------------------------------------


def grid_subjects(*, access, page: PeriodPage, department: Department | None) -> list[tuple[int, str, str, str]]:
    """(pk, code, name, group) of the grid's rows: the departments in scope grouped by category,
    or the staff in post of one department (and those under it) for a staff standard."""
    if page.is_department:
        labels = dict(DepartmentCategory.choices)
        rows = scope_departments(access=access, definition=page.definition).values_list(
            "pk", "code", "name", "category"
        )
        ordered = sorted(rows, key=lambda row: (CATEGORY_ORDER.get(row[3], 99), row[1]))
        return [(pk, code, name, str(labels.get(category, category))) for pk, code, name, category in ordered]
    if department is None:
        return []
    staff = (
        scope_staff(access=access)
        .filter(department__path__startswith=department.path)
        .order_by("department__path", "staff_no")
    )
    return list(staff.values_list("pk", "staff_no", "name", "department__name"))


def grid_stats(*, page: PeriodPage, user, subject_pks: list[int]) -> dict:
    """Per cell: the mean of the values that count, how many there are, and how many are the person's."""
    field_name = "department_id" if page.is_department else "staff_id"
    records = Record.objects.filter(
        standard=page.standard, kind=RecordKind.MANUAL, period_key=page.period.key, status=RecordStatus.COUNTS
    )
    if not page.is_department:
        records = records.filter(staff_id__in=subject_pks)
    rows = (
        records.order_by()
        .values(field_name, "code")
        .annotate(mean=Avg("value"), n=Count("pk"), mine=Count("pk", filter=Q(entered_by=user)))
    )
    return {(row[field_name], row["code"]): row for row in rows}


def correction_subjects(*, access, page: PeriodPage) -> tuple[QuerySet | None, QuerySet | None, dict | None]:
    """Who a correction of the (finalized) period can be about: (departments, staff, totals) — the
    departments with a result and their totals for a department standard, else the staff with a
    result; only those the person may see."""
    results = page.scoring_period.results
    if page.is_department:
        departments = access.departments().filter(pk__in=results.values("department_id")).order_by("path")
        return departments, None, dict(results.values_list("department_id", "total"))
    return None, access.staff().filter(pk__in=results.values("staff_id")), None
