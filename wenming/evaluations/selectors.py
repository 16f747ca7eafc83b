"""Reads behind the 医德考评 pages, scoped to the person asking.

Who sees what: the office, system administrators and the leadership group see every person of a
cycle; a department head sees the people of their departments (and evaluates them at the
department step); a person sees their own self-evaluation, and their grade once it is published.
The publicity list (公示) is open to everyone signed in with a staff record while it runs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet

from wenming.org.access import Access
from wenming.org.models import Department
from wenming.scoring.models import Record, RecordKind, RecordStatus
from wenming.scoring.services.manual import own_manual_values, seen_token
from wenming.standards.definition import Item, Rule, StandardDef

from .models import CycleState, DailyRecord, DailyState, EthicsCycle, EthicsMember, Objection, ObjectionState
from .services.common import definition_of, may_decide, may_manage, may_open, may_read_all
from .services.cycles import quota_capacity

PUBLISHED_STATES = (CycleState.PUBLICITY, CycleState.ARCHIVED)


def cycle_for_user(*, access: Access, year: int) -> EthicsCycle | None:
    if not may_open(access):
        return None
    return EthicsCycle.objects.select_related("standard").filter(year=year).first()


def visible_members(*, access: Access, cycle: EthicsCycle) -> QuerySet[EthicsMember]:
    """The people of a cycle this person may look at in the lists (not their own row: that is
    :func:`own_member`)."""
    members = cycle.members.select_related("staff", "department")
    if may_read_all(access):
        return members
    if access.head_paths:
        return members.filter(access.headed("department__"))
    return members.none()


def own_member(*, access: Access, cycle: EthicsCycle) -> EthicsMember | None:
    if access.staff_id is None:
        return None
    return cycle.members.select_related("staff", "department").filter(staff_id=access.staff_id).first()


def headed_departments(*, access: Access, cycle: EthicsCycle) -> list[Department]:
    """The departments whose panel this person may open: the ones they head that have people in the
    cycle (the office: every such department at the top of its branch, i.e. every department)."""
    with_people = Department.objects.filter(pk__in=cycle.members.values("department_id")).only(
        "pk", "code", "name", "path"
    )
    if may_manage(access):
        return list(with_people.order_by("path"))
    return list(Department.objects.filter(path__in=access.head_paths).order_by("path"))


def department_for_panel(*, access: Access, cycle: EthicsCycle, code: str) -> Department | None:
    department = Department.objects.filter(code=code).first()
    if department is None:
        return None
    if may_manage(access) or access.heads_department(department):
        return department
    return None


@dataclass
class Progress:
    department: Department
    members: int = 0
    self_done: int = 0
    department_done: int = 0
    decided: int = 0

    @property
    def self_percent(self) -> int:
        return self.self_done * 100 // self.members if self.members else 0

    @property
    def department_percent(self) -> int:
        return self.department_done * 100 // self.members if self.members else 0


def progress_by_department(*, access: Access, cycle: EthicsCycle) -> list[Progress]:
    """How far each department (that the person may see) is with the three steps; one query."""
    rows = (
        visible_members(access=access, cycle=cycle)
        .values("department_id")
        .annotate(
            n=Count("pk"),
            self_done=Count("pk", filter=Q(self_at__isnull=False)),
            department_done=Count("pk", filter=Q(department_at__isnull=False)),
            decided=Count("pk", filter=~Q(final_grade="")),
        )
    )
    counts = {r["department_id"]: r for r in rows}
    departments = Department.objects.filter(pk__in=list(counts)).order_by("path")
    return [
        Progress(
            d,
            counts[d.pk]["n"],
            counts[d.pk]["self_done"],
            counts[d.pk]["department_done"],
            counts[d.pk]["decided"],
        )
        for d in departments
    ]


@dataclass
class GradeCount:
    grade: str
    count: int
    capacity: int | None


def grade_counts(*, cycle: EthicsCycle, field_name: str = "final_grade") -> list[GradeCount]:
    definition = definition_of(cycle)
    counts = Counter(cycle.members.values_list(field_name, flat=True))
    capacity = quota_capacity(cycle)
    return [GradeCount(g.name, counts.get(g.name, 0), capacity.get(g.name)) for g in definition.grades]


# --- 科室评价 grid ----------------------------------------------------------------------------


@dataclass
class PanelRow:
    member: EthicsMember
    cells: list[tuple[Item, Decimal | None, tuple | None]] = field(default_factory=list)


def manual_items(definition: StandardDef) -> list[Item]:
    return definition.leaves(Rule.MANUAL)


def department_panel(*, cycle: EthicsCycle, department: Department, user) -> tuple[list[Item], list[PanelRow]]:
    """The people of a department (and the departments under it) with the manual items' scores this
    person has entered, and the versions the grid shows (for the save's conflict check)."""
    definition = definition_of(cycle)
    items = manual_items(definition)
    members = list(
        cycle.members.filter(department__path__startswith=department.path)
        .select_related("staff", "department")
        .order_by("department__path", "staff__staff_no")
    )
    own = own_manual_values(standard=cycle.standard, period_key=cycle.period_key, user=user)
    rows = []
    for member in members:
        cells = []
        for item in items:
            mine = own.get((member.staff_id, item.code))
            cells.append((item, mine.value if mine else None, seen_token(mine)))
        rows.append(PanelRow(member, cells))
    return items, rows


# --- 单位评价 ---------------------------------------------------------------------------------


def vetoes_by_staff(*, cycle: EthicsCycle, staff_ids) -> dict[int, list[str]]:
    """{staff pk: [veto codes]} of the veto records that count in the cycle's year."""
    rows = Record.objects.filter(
        standard=cycle.standard,
        kind=RecordKind.VETO,
        status=RecordStatus.COUNTS,
        staff_id__in=staff_ids,
        date__year=cycle.year,
    ).values_list("staff_id", "code")
    vetoes: dict[int, list[str]] = defaultdict(list)
    for staff_id, code in rows:
        vetoes[staff_id].append(code)
    return vetoes


def committee_rows(
    *, cycle: EthicsCycle, department: Department | None = None, attention: bool = False
) -> list[EthicsMember]:
    """Every person of the cycle (or of one department) with the computed result, the department's
    proposal and the decision; ``veto_codes`` set on each from the veto records. ``attention``: only
    those a committee looks at first — vetoed, undecided, decided against the computed grade, or
    proposed by their department for another grade than the computed one."""
    members = cycle.members.select_related("staff", "department").order_by(
        "-engine_vetoed", "-engine_total", "staff__staff_no"
    )
    if department is not None:
        members = members.filter(department__path__startswith=department.path)
    if attention:
        members = members.filter(
            Q(engine_vetoed=True)
            | Q(final_grade="")
            | ~Q(override_reason="")
            | (~Q(department_grade="") & ~Q(department_grade=F("engine_grade")))
        )
    members = list(members)
    vetoes = vetoes_by_staff(cycle=cycle, staff_ids=[m.staff_id for m in members])
    for member in members:
        member.veto_codes = vetoes.get(member.staff_id, [])
    return members


# --- 公示与异议 -------------------------------------------------------------------------------


def may_see_publicity(access: Access, cycle: EthicsCycle) -> bool:
    return cycle.state in PUBLISHED_STATES and (
        may_read_all(access) or access.staff_id is not None or bool(access.head_paths)
    )


def publicity_rows(*, cycle: EthicsCycle) -> list[EthicsMember]:
    """The published list: each person's final grade, the department, with open objections counted."""
    return list(
        cycle.members.select_related("staff", "department")
        .annotate(open_objections=Count("objections", filter=Q(objections__state=ObjectionState.OPEN)))
        .order_by("department__path", "staff__staff_no")
    )


def objections_for(*, access: Access, cycle: EthicsCycle) -> QuerySet[Objection]:
    """The committee sees every objection; anyone else their own."""
    objections = Objection.objects.filter(member__cycle=cycle).select_related(
        "member__staff", "member__department", "raised_by", "reviewed_by"
    )
    if may_decide(access):
        return objections
    return objections.filter(raised_by_id=access.user_id)


# --- 日常记实 ---------------------------------------------------------------------------------


def daily_records_for(*, access: Access, cycle: EthicsCycle) -> QuerySet[DailyRecord]:
    """The office and the committee see every record, a head those entered for their departments."""
    records = cycle.daily_records.select_related("staff", "department", "entered_by").prefetch_related("evidence")
    if may_decide(access):  # the office and the committee; not inspectors: these are personal records
        return records
    if access.head_paths:
        return records.filter(access.headed("department__"))
    return records.none()


def daily_record_for_user(*, access: Access, pk: int) -> DailyRecord | None:
    record = DailyRecord.objects.select_related("cycle", "staff", "department").filter(pk=pk).first()
    if record is None:
        return None
    return daily_records_for(access=access, cycle=record.cycle).filter(pk=pk).first()


def daily_counts(*, access: Access, cycle: EthicsCycle) -> dict[str, int]:
    rows = daily_records_for(access=access, cycle=cycle).values("state").annotate(n=Count("pk"))
    counts = {r["state"]: r["n"] for r in rows}
    return {state.value: counts.get(state.value, 0) for state in DailyState}


def may_see_grades(access: Access, cycle: EthicsCycle, member: EthicsMember) -> bool:
    """The department and hospital grades of a person: the committee and the department's heads
    while the cycle runs; the person once published."""
    if may_read_all(access) or access.heads_department(member.department):
        return True
    return cycle.state in PUBLISHED_STATES and member.staff_id == access.staff_id
