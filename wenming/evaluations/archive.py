"""Reads of each person's 医德档案 (ethics file): every year's 医德考评 with its three steps, the
engine's scores by item, vetoes, objections and the improvement plan; the approved 日常记实, the
complaints and praise concerning the person, and their awards.

Who may open a file (:func:`person_for_user`, 404 for everyone else — a colleague in the same
department too): the person themselves (their login account), heads of the person's department
(or of a department above it), the civility office, the leadership group and system administrators.

What each of them sees of a year (:class:`Visibility`): the office, the leadership group and system
administrators everything at every step. Before a cycle reaches 公示 ``publicity``, the person sees
their own self-evaluation only, a head the self-evaluation and the department's step; the engine's
scores, vetoes, the committee's grade and the improvement plan appear to them from publicity on
(published but not final), final once the cycle is archived.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _

from wenming.complaints.models import Case, CaseState
from wenming.org.access import Access, access_for
from wenming.org.models import Role, Staff
from wenming.scoring.models import Record, RecordKind, RecordStatus, Result
from wenming.standards.definition import Rule, StandardDef

from .models import CYCLE_STEPS, CycleState, DailyKind, DailyRecord, DailyState, EthicsCycle, EthicsMember

PUBLICITY_STEP = CYCLE_STEPS.index(CycleState.PUBLICITY)

# Cases the person concerned sees in their own file: those with a reply or closed (the office and
# heads see cases under investigation too, as they do in the complaints register).
CONCLUDED_CASE_STATES = (CaseState.REPLIED, CaseState.CLOSED)


# --- who may see what ---------------------------------------------------------------------------


def sees_every_file(access: Access) -> bool:
    """The civility office, the leadership group and system administrators open every file."""
    return access.is_office or access.is_system_admin or access.has(Role.LEADERSHIP)


def prints_drafts(access: Access) -> bool:
    """Only the office and system administrators print a 登记表 before the cycle's publicity."""
    return access.is_office or access.is_system_admin


def may_open_file(access: Access, staff: Staff) -> bool:
    if sees_every_file(access):
        return True
    if access.staff_id is not None and access.staff_id == staff.pk:
        return True
    return access.heads_department(staff.department)


def person_for_user(user, staff_no: str) -> Staff:
    """The staff member whose file ``user`` may open, else 404 (missing and not yours alike)."""
    staff = Staff.objects.select_related("department").filter(staff_no=staff_no).first()
    if staff is None or not may_open_file(access_for(user), staff):
        raise Http404
    return staff


@dataclass(frozen=True)
class Visibility:
    """Which steps of one year's evaluation a viewer sees."""

    department: bool  # the department's comment and proposed grade (and its date)
    hospital: bool  # scores, vetoes, the committee's grade and comment, the improvement plan

    @classmethod
    def of(cls, access: Access, member: EthicsMember, *, cycle: EthicsCycle) -> Visibility:
        if sees_every_file(access) or cycle.step >= PUBLICITY_STEP:
            return cls(department=True, hospital=True)
        heads = access.heads_department(member.department)
        return cls(department=heads, hospital=False)


# --- one year -----------------------------------------------------------------------------------


@dataclass
class ItemScore:
    code: str
    name: str
    points: Decimal | None
    score: Decimal | None
    depth: int
    manual: bool


@dataclass
class VetoLine:
    date: date | None
    code: str
    name: str
    note: str


class GradeStatus:
    FINAL = "final"  # archived: the grade that counts
    PUBLISHED = "published"  # in publicity: published, not final
    DRAFT = "draft"  # before publicity, shown to the office and the leadership only
    PENDING = "pending"  # before publicity, not shown


@dataclass
class YearFile:
    """One year of a person's file, already cut to what the viewer may see."""

    cycle: EthicsCycle
    member: EthicsMember
    visible: Visibility
    grade: str
    grade_status: str
    result: Result | None = None
    items: list[ItemScore] = field(default_factory=list)
    vetoes: list[VetoLine] = field(default_factory=list)
    objections: list = field(default_factory=list)
    daily: list[DailyRecord] = field(default_factory=list)  # filled for the 登记表 only

    @property
    def year(self) -> int:
        return self.cycle.year

    @property
    def total(self) -> Decimal | None:
        if not self.visible.hospital:
            return None
        if self.member.engine_total is not None:
            return self.member.engine_total
        return self.result.total if self.result else None

    @property
    def vetoed(self) -> bool:
        return self.visible.hospital and (self.member.engine_vetoed or bool(self.vetoes))

    @property
    def manual_items(self) -> list[ItemScore]:
        return [item for item in self.items if item.manual]

    @property
    def status_label(self) -> str:
        return {
            GradeStatus.FINAL: _("Final"),
            GradeStatus.PUBLISHED: _("Published, not final"),
            GradeStatus.DRAFT: _("Draft: not yet published"),
            GradeStatus.PENDING: _("Not yet published"),
        }[self.grade_status]

    @property
    def is_final(self) -> bool:
        return self.grade_status == GradeStatus.FINAL


def _grade(member: EthicsMember, cycle: EthicsCycle, visible: Visibility) -> tuple[str, str]:
    if cycle.state == CycleState.ARCHIVED:
        return member.final_grade or member.grade, GradeStatus.FINAL
    if cycle.step >= PUBLICITY_STEP:
        return member.final_grade or member.grade, GradeStatus.PUBLISHED
    if visible.hospital:
        return member.grade, GradeStatus.DRAFT
    return "", GradeStatus.PENDING


def _item_scores(definition: StandardDef | None, result: Result) -> list[ItemScore]:
    """The scored items of the version the period used, in tree order, with this result's scores."""
    if definition is None:
        return []
    scores: list[ItemScore] = []

    def visit(items, depth: int) -> None:
        for item in items:
            if not item.is_scored:
                continue
            stored = result.items.get(item.code)
            scores.append(
                ItemScore(
                    code=item.code,
                    name=item.name,
                    points=item.points,
                    score=None if stored is None else Decimal(stored),
                    depth=depth,
                    manual=item.rule == Rule.MANUAL,
                )
            )
            visit(item.children, depth + 1)

    visit(definition.items, 0)
    return scores


def _veto_names(definition: StandardDef | None) -> dict[str, str]:
    if definition is None or definition.veto_item is None:
        return {}
    return {veto.code: veto.name for veto in definition.veto_item.vetoes}


def _year_files(*, access: Access, staff: Staff, members: list[EthicsMember]) -> list[YearFile]:
    """The files of these members (one person's, cycles loaded): two queries whatever their number
    (the stored results with their versions, the vetoes)."""
    if not members:
        return []
    cycles = [member.cycle for member in members]
    keys = {cycle.period_key for cycle in cycles}
    standards = {cycle.standard_id for cycle in cycles}
    results: dict[tuple[int, str], Result] = {}
    for result in Result.objects.filter(
        staff=staff, period__standard_id__in=standards, period__key__in=keys
    ).select_related("period__version"):
        results[(result.period.standard_id, result.period.key)] = result
    first, last = min(c.year for c in cycles), max(c.year for c in cycles)
    vetoes: dict[tuple[int, int], list[Record]] = defaultdict(list)
    for record in Record.objects.filter(
        staff=staff,
        kind=RecordKind.VETO,
        status=RecordStatus.COUNTS,
        standard_id__in=standards,
        date__gte=date(first, 1, 1),
        date__lt=date(last + 1, 1, 1),
    ).order_by("date", "pk"):
        vetoes[(record.standard_id, record.date.year)].append(record)

    files = []
    for member in members:
        cycle = member.cycle
        visible = Visibility.of(access, member, cycle=cycle)
        grade, status = _grade(member, cycle, visible)
        year = YearFile(cycle=cycle, member=member, visible=visible, grade=grade, grade_status=status)
        year.objections = list(member.objections.all()) if visible.hospital else []
        if visible.hospital:
            result = results.get((cycle.standard_id, cycle.period_key))
            definition = result.period.version.definition if result and result.period.version else None
            if result is not None:
                year.result = result
                year.items = _item_scores(definition, result)
            names = _veto_names(definition)
            year.vetoes = [
                VetoLine(date=record.date, code=record.code, name=names.get(record.code, ""), note=record.note)
                for record in vetoes.get((cycle.standard_id, cycle.year), [])
            ]
        files.append(year)
    return files


def _members(staff: Staff):
    return (
        EthicsMember.objects.filter(staff=staff)
        .select_related("cycle__standard", "department")
        .prefetch_related("objections")
        .order_by("-cycle__year")
    )


# --- the whole file -----------------------------------------------------------------------------


@dataclass
class DailyGroup:
    kind: str
    label: str
    records: list[DailyRecord]


@dataclass
class EthicsFile:
    staff: Staff
    is_self: bool
    years: list[YearFile]
    daily: list[DailyGroup]  # approved 日常记实 by kind (awards apart)
    awards: list[DailyRecord]
    cases: list[Case]


def ethics_file(*, access: Access, staff: Staff) -> EthicsFile:
    """The person's whole file as ``access`` may see it. Six queries whatever the number of years
    and records: members, their objections, results, vetoes, daily records, cases."""
    years = _year_files(access=access, staff=staff, members=list(_members(staff)))
    by_kind: dict[str, list[DailyRecord]] = defaultdict(list)
    for record in (
        DailyRecord.objects.filter(staff=staff, state=DailyState.APPROVED)
        .select_related("cycle")
        .order_by("-date", "-pk")
    ):
        by_kind[record.kind].append(record)
    daily = [
        DailyGroup(kind=value, label=label, records=by_kind[value])
        for value, label in DailyKind.choices
        if value != DailyKind.AWARD and by_kind.get(value)
    ]
    is_self = access.staff_id is not None and access.staff_id == staff.pk
    cases = Case.objects.filter(staff=staff).order_by("-received_on", "-pk")
    if is_self and not (sees_every_file(access) or access.heads_department(staff.department)):
        cases = cases.filter(state__in=CONCLUDED_CASE_STATES)
    return EthicsFile(
        staff=staff,
        is_self=is_self,
        years=years,
        daily=daily,
        awards=by_kind.get(DailyKind.AWARD, []),
        cases=list(cases),
    )


def year_file(*, access: Access, staff: Staff, year: int) -> YearFile:
    """One year of the file with that year's approved daily records (for the 登记表); 404 when the
    person was not evaluated that year."""
    members = list(_members(staff).filter(cycle__year=year))
    if not members:
        raise Http404
    (file,) = _year_files(access=access, staff=staff, members=members)
    file.daily = list(
        DailyRecord.objects.filter(staff=staff, cycle=file.cycle, state=DailyState.APPROVED).order_by("date", "pk")
    )
    return file
