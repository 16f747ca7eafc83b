"""Factories for the 医德档案, 登记表 and eligibility tests (cycles, members, results, daily records,
vetoes, cases written directly with the ORM), and the fixtures built on the standing scenario.

Imported by ``test_archive*.py``, ``test_registration*.py`` and ``test_eligibility*.py``; it holds
no tests of its own."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from wenming.complaints.models import Case, CaseKind, CaseState
from wenming.evaluations.models import DailyRecord, DailyState, EthicsCycle, EthicsMember, Objection
from wenming.org.tests.factories import StaffFactory, UserFactory
from wenming.scoring.models import Record, RecordKind, Result, ScoringPeriod
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard

SHANGHAI = ZoneInfo("Asia/Shanghai")
_sequence = itertools.count(1)

# The item scores of a result of 91.00 on YDKP-2026 (Y4 lost 3 points, the manual items 9 and 8).
ITEMS = {
    "Y1": "15.00",
    "Y2": "10.00",
    "Y3": "10.00",
    "Y4": "12.00",
    "Y5": "15.00",
    "Y6": "15.00",
    "Y7": "9.00",
    "Y8": "8.00",
}


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=SHANGHAI)


def ethics_standard() -> Standard:
    load_example_standards()
    return Standard.objects.get(code="YDKP-2026")


def make_cycle(year: int, state: str, standard: Standard | None = None) -> EthicsCycle:
    return EthicsCycle.objects.create(
        year=year,
        standard=standard or ethics_standard(),
        title=f"{year}年度医德考评",
        state=state,
    )


def make_member(cycle: EthicsCycle, staff, **fields) -> EthicsMember:
    """A member with all three steps filled in (override with ``fields``)."""
    year = cycle.year
    values = {
        "department": staff.department,
        "self_summary": f"{year}年本人自我总结",
        "self_grade": "优秀",
        "self_at": at(year, 12, 1),
        "department_comment": f"{year}年科室评价意见",
        "department_grade": "良好",
        "department_at": at(year, 12, 10),
        "engine_total": Decimal("91.00"),
        "engine_grade": "良好",
        "final_grade": "良好",
        "hospital_comment": f"{year}年单位评价意见",
        "decided_at": at(year, 12, 20),
    }
    values.update(fields)
    return EthicsMember.objects.create(cycle=cycle, staff=staff, **values)


def make_result(cycle: EthicsCycle, staff, *, items=None, total="91.00", grade="良好", vetoed=False) -> Result:
    standard = cycle.standard
    period, _ = ScoringPeriod.objects.get_or_create(
        standard=standard,
        key=str(cycle.year),
        defaults={
            "cycle": "year",
            "start": date(cycle.year, 1, 1),
            "end": date(cycle.year + 1, 1, 1),
            "version": standard.versions.order_by("-number").first(),
            "computed_at": at(cycle.year, 12, 15),
        },
    )
    return Result.objects.create(
        period=period,
        staff=staff,
        subject_code=staff.staff_no,
        name=staff.name,
        total=Decimal(total),
        bonus=Decimal(0),
        deducted=Decimal(0),
        grade=grade,
        vetoed=vetoed,
        rank=1,
        items=dict(items or ITEMS),
    )


def make_daily(cycle: EthicsCycle, staff, *, kind="praise", state=DailyState.APPROVED, **fields) -> DailyRecord:
    values = {"date": date(cycle.year, 5, 1), "description": "患者送锦旗表扬", "department": staff.department}
    values.update(fields)
    return DailyRecord.objects.create(cycle=cycle, staff=staff, kind=kind, state=state, **values)


def make_veto(cycle: EthicsCycle, staff, *, code="X1", day=None, note="收受患者红包") -> Record:
    return Record.objects.create(
        kind=RecordKind.VETO,
        standard=cycle.standard,
        staff=staff,
        code=code,
        date=day or date(cycle.year, 6, 1),
        note=note,
    )


def make_case(staff, *, kind=CaseKind.COMPLAINT, state=CaseState.CLOSED, content="服务态度生硬", **fields) -> Case:
    number = next(_sequence)
    received = fields.pop("received_on", date(2026, 4, 1))
    return Case.objects.create(
        kind=kind,
        number=f"T{number:05d}",
        year=received.year,
        sequence=number,
        source="phone",
        department=staff.department,
        staff=staff,
        content=content,
        received_on=received,
        deadline=received + timedelta(days=15),
        state=state,
        **fields,
    )


def make_objection(member: EthicsMember, by, **fields) -> Objection:
    return Objection.objects.create(member=member, raised_by=by, text=fields.pop("text", "对评定等级有异议"), **fields)


def colleague_of(staff, username="colleague", staff_no="E0109"):
    """Another employee of the same department, with a login."""
    user = UserFactory(username=username)
    StaffFactory(staff_no=staff_no, name="同事甲", department=staff.department, user=user)
    return user


def build_ethics(scenario) -> SimpleNamespace:
    """The YDKP-2026 standard and the employee's file: 2025 archived (良好, 91.00, an improvement
    plan), 2026 at the department step (the engine has computed 95.00 / 优秀, not yet published)."""
    standard = ethics_standard()
    old = make_cycle(2025, "archived", standard)
    current = make_cycle(2026, "department", standard)
    person = scenario.employee_staff
    archived_member = make_member(old, person, improvement_plan="加强沟通技巧培训")
    make_result(old, person)
    current_member = make_member(
        current,
        person,
        self_summary="2026年本人自我总结",
        engine_total=Decimal("95.50"),
        engine_grade="优秀",
        final_grade="",
        hospital_comment="",
        decided_at=None,
    )
    make_result(current, person, items={**ITEMS, "Y4": "15.00", "Y7": "10.00"}, total="95.50", grade="优秀")
    return SimpleNamespace(
        standard=standard,
        old=old,
        current=current,
        person=person,
        archived_member=archived_member,
        current_member=current_member,
    )
