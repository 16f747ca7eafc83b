"""A year of 医德考评 through the services: daily records with two approvals and returns, the
three steps, the engine's grade with a veto and the 优秀 quota, overrides with reasons,
publicity, an objection reviewed, and the archive that finalizes the scoring period."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from wenming.core.models import AuditEntry
from wenming.evaluations.models import CycleState, DailyKind, DailyState, ObjectionState
from wenming.evaluations.services import cycles, daily, steps
from wenming.evaluations.services.common import EvaluationConflict, EvaluationError
from wenming.org.tests.factories import StaffFactory
from wenming.scoring.models import Record, RecordKind, RecordStatus, ScoringPeriod
from wenming.scoring.services.manual import ManualScoresInvalid

from .cycle_helpers import make_cycle, on

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages matched below are the English msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def year(scenario, monkeypatch):
    """A cycle over the whole scenario plus ten more cardiology staff: 16 people, so 优秀 (≤15%)
    has two places."""
    on(monkeypatch, date(2026, 11, 20))
    for n in range(10):
        StaffFactory(staff_no=f"E03{n:02d}", name=f"心内医生{n}", department=scenario.cardio)
    return make_cycle(scenario)


def _approved(scenario, cycle, staff, code, kind=DailyKind.OTHER, day=date(2026, 6, 1)):
    record = daily.daily_record_create(
        by=scenario.office, cycle=cycle, staff=staff, kind=kind, day=day, code=code, description="经核实"
    )
    return daily.daily_record_approve(by=scenario.office, record=record)


def test_a_cycle_covers_the_staff_chosen_and_pins_the_period(scenario, year):
    assert year.members.count() == 16
    period = ScoringPeriod.objects.get(standard=year.standard, key="2026")
    assert len(period.scope) == 16
    assert AuditEntry.objects.filter(action="evaluations.cycle.created").count() == 1
    with pytest.raises(EvaluationError, match="already exists"):
        make_cycle(scenario)


def test_only_clinical_departments(scenario, monkeypatch):
    on(monkeypatch, date(2026, 3, 1))
    cycle = make_cycle(scenario, categories=["clinical"])
    assert sorted(cycle.members.values_list("staff__staff_no", flat=True)) == ["E0101", "E0102", "E0201"]


def test_daily_record_goes_department_then_hospital(scenario, year):
    record = daily.daily_record_create(
        by=scenario.head_cardio,
        cycle=year,
        staff=scenario.employee_staff,
        kind=DailyKind.RED_ENVELOPE,
        day=date(2026, 5, 4),
        code="P1",
        description="拒收患者家属红包并上交",
    )
    assert record.state == DailyState.SUBMITTED and record.record is None
    with pytest.raises(EvaluationError):  # another department's head
        daily.daily_record_approve(by=scenario.head_ortho, record=record)
    record = daily.daily_record_approve(by=scenario.head_cardio, record=record)
    assert record.state == DailyState.DEPARTMENT_APPROVED
    with pytest.raises(EvaluationError, match="civility office"):
        daily.daily_record_approve(by=scenario.head_cardio, record=record)
    record = daily.daily_record_approve(by=scenario.office, record=record)
    assert record.state == DailyState.APPROVED
    counting = Record.objects.get(pk=record.record_id)
    assert (counting.kind, counting.code, counting.status) == (RecordKind.BONUS, "P1", RecordStatus.COUNTS)
    # Returned after approval: the scoring record is voided.
    record = daily.daily_record_return(by=scenario.office, record=record, reason="重复登记")
    counting.refresh_from_db()
    assert record.state == DailyState.RETURNED and counting.status == RecordStatus.VOIDED


def test_returned_record_is_corrected_and_resubmitted(scenario, year):
    record = daily.daily_record_create(
        by=scenario.head_cardio,
        cycle=year,
        staff=scenario.employee_staff,
        kind=DailyKind.PRAISE,
        day=date(2026, 5, 4),
        code="P2",
        description="锦旗",
    )
    with pytest.raises(EvaluationError):
        daily.daily_record_return(by=scenario.head_cardio, record=record, reason="")
    record = daily.daily_record_return(by=scenario.head_cardio, record=record, reason="请补充锦旗照片")
    assert record.state == DailyState.RETURNED and record.return_reason == "请补充锦旗照片"
    with pytest.raises(EvaluationConflict):
        daily.daily_record_resubmit(
            by=scenario.head_cardio, record=record, kind=DailyKind.PRAISE, day=date(2026, 5, 4),
            description="锦旗一面", code="P2", expected_version=1,
        )  # fmt: skip
    record = daily.daily_record_resubmit(
        by=scenario.head_cardio, record=record, kind=DailyKind.PRAISE, day=date(2026, 5, 4),
        description="锦旗一面", code="P2", expected_version=record.version,
    )  # fmt: skip
    assert record.state == DailyState.SUBMITTED and record.description == "锦旗一面"


def test_daily_record_refusals(scenario, year):
    with pytest.raises(EvaluationError, match="your own departments"):
        daily.daily_record_create(
            by=scenario.head_ortho, cycle=year, staff=scenario.employee_staff, kind=DailyKind.PRAISE,
            day=date(2026, 5, 4), description="x",
        )  # fmt: skip
    with pytest.raises(EvaluationError) as error:
        daily.daily_record_create(
            by=scenario.head_cardio, cycle=year, staff=scenario.employee_staff, kind=DailyKind.PRAISE,
            day=date(2025, 12, 31), code="Y7", description="",
        )  # fmt: skip
    assert set(error.value.error_dict) == {"date", "code", "description"}
    with pytest.raises(EvaluationError):
        daily.daily_record_create(
            by=scenario.employee, cycle=year, staff=scenario.employee_staff, kind=DailyKind.PRAISE,
            day=date(2026, 5, 4), description="自己表扬自己",
        )  # fmt: skip


def test_self_evaluation_only_by_the_person_and_only_in_its_step(scenario, year):
    member = year.members.get(staff=scenario.employee_staff)
    with pytest.raises(EvaluationError, match="only while"):
        steps.self_evaluation_submit(by=scenario.employee, member=member, summary="本年度……", grade="良好")
    year = cycles.cycle_advance(cycle=year, by=scenario.office)
    assert year.state == CycleState.SELF
    with pytest.raises(EvaluationError, match="Only the person"):
        steps.self_evaluation_submit(by=scenario.head_cardio, member=member, summary="代写", grade="优秀")
    with pytest.raises(EvaluationError):
        steps.self_evaluation_submit(by=scenario.employee, member=member, summary="本年度……", grade="特优")
    member = steps.self_evaluation_submit(by=scenario.employee, member=member, summary="本年度……", grade="良好")
    assert (member.self_grade, member.self_at is not None) == ("良好", True)


def _to(cycle, state, by):
    while cycle.state != state:
        cycle = cycles.cycle_advance(cycle=cycle, by=by)
    return cycle


def test_department_panel_scores_manual_items_and_proposes_grades(scenario, year):
    year = _to(year, CycleState.DEPARTMENT, scenario.office)
    cardio = list(year.members.filter(department__path__startswith=scenario.cardio.path))
    employee = next(m for m in cardio if m.staff_id == scenario.employee_staff.pk)
    scores = {(employee.staff_id, "Y7"): Decimal("9"), (employee.staff_id, "Y8"): Decimal("8.5")}
    opinions = {employee.pk: ("良好", "团结同事，服务热情", employee.version)}
    with pytest.raises(ManualScoresInvalid):
        steps.department_evaluation_save(
            by=scenario.head_cardio, cycle=year, members=cardio,
            scores={(employee.staff_id, "Y7"): Decimal("11")}, seen={}, opinions={},
        )  # fmt: skip
    ortho = list(year.members.filter(department=scenario.ortho))
    with pytest.raises(EvaluationError, match="your own departments"):
        steps.department_evaluation_save(
            by=scenario.head_cardio, cycle=year, members=ortho, scores={}, seen={}, opinions={}
        )
    changed = steps.department_evaluation_save(
        by=scenario.head_cardio, cycle=year, members=cardio, scores=scores, seen={}, opinions=opinions, submit=True
    )
    assert changed == 1
    employee.refresh_from_db()
    assert (employee.department_grade, employee.department_at is not None) == ("良好", True)
    values = Record.objects.filter(kind=RecordKind.MANUAL, staff=scenario.employee_staff).values_list("code", "value")
    assert sorted(values) == [("Y7", Decimal("9.00")), ("Y8", Decimal("8.50"))]
    # A stale version of the row: nothing is saved.
    with pytest.raises(EvaluationError, match="someone else"):
        steps.department_evaluation_save(
            by=scenario.head_cardio, cycle=year, members=cardio, scores={}, seen={},
            opinions={employee.pk: ("优秀", "", employee.version - 1)},
        )  # fmt: skip


@pytest.fixture
def decided_year(scenario, year):
    """Daily records (a veto for 督查员, a bonus for 郑爽), full manual scores for everyone,
    then the hospital step."""
    _approved(scenario, year, StaffFactory._meta.model.objects.get(staff_no="E9003"), "X1", DailyKind.VIOLATION)
    _approved(scenario, year, scenario.employee_staff, "P1", DailyKind.RED_ENVELOPE)
    year = _to(year, CycleState.DEPARTMENT, scenario.office)
    members = list(year.members.all())
    scores = {(m.staff_id, code): Decimal("10") for m in members for code in ("Y7", "Y8")}
    # 郑爽 and two colleagues score full marks; the others lose two points on Y8.
    for m in members:
        if m.staff.staff_no not in ("E0102", "E0300", "E0301"):
            scores[(m.staff_id, "Y8")] = Decimal("8")
    steps.department_evaluation_save(
        by=scenario.office, cycle=year, members=members, scores=scores, seen={}, opinions={}
    )
    return cycles.cycle_advance(cycle=year, by=scenario.office)


def test_hospital_step_shows_the_engines_grade_quota_and_veto(scenario, decided_year):
    year = decided_year
    assert year.state == CycleState.HOSPITAL
    rows = {m.staff.staff_no: m for m in year.members.select_related("staff")}
    assert rows["E0102"].engine_total == Decimal("101.00") and rows["E0102"].engine_grade == "优秀"
    # Two 优秀 places for 16 people; E0300 and E0301 tie at 100 and do not fit after E0102.
    assert rows["E0300"].engine_grade == "良好" and "quota:优秀" in rows["E0300"].engine_flags
    assert rows["E9003"].engine_vetoed and rows["E9003"].engine_grade == "较差"
    assert cycles.quota_capacity(year) == {"优秀": 2}


def test_committee_decisions_need_reasons_and_respect_vetoes_and_quotas(scenario, decided_year):
    year = decided_year
    rows = {m.staff.staff_no: m for m in year.members.select_related("staff")}
    with pytest.raises(EvaluationError, match="veto"):
        steps.hospital_decide(by=scenario.leader, member=rows["E9003"], grade="良好", reason="情节轻微")
    with pytest.raises(EvaluationError) as error:
        steps.hospital_decide(by=scenario.leader, member=rows["E0300"], grade="优秀")
    assert "reason" in error.value.error_dict
    steps.hospital_decide(by=scenario.leader, member=rows["E0102"], grade="优秀")
    steps.hospital_decide(by=scenario.leader, member=rows["E0300"], grade="优秀", reason="抗疫一线表现突出")
    with pytest.raises(EvaluationError, match="all places are taken"):
        steps.hospital_decide(by=scenario.leader, member=rows["E0301"], grade="优秀", reason="同上")
    with pytest.raises(EvaluationError, match="committee"):
        steps.hospital_decide(by=scenario.head_cardio, member=rows["E0301"], grade="良好")
    # The rest get their computed grades (none of them 优秀: both places are taken).
    accepted = steps.hospital_accept_computed(by=scenario.office, cycle=year)
    assert accepted == 14
    assert year.members.filter(final_grade="优秀").count() == 2
    assert year.members.get(staff__staff_no="E9003").final_grade == "较差"


def test_publicity_objection_review_and_archive(scenario, decided_year, monkeypatch):
    year = decided_year
    with pytest.raises(EvaluationError, match="no final grade"):
        cycles.cycle_advance(cycle=year, by=scenario.office)
    steps.hospital_accept_computed(by=scenario.office, cycle=year)
    year = cycles.cycle_advance(cycle=year, by=scenario.office)
    assert year.state == CycleState.PUBLICITY
    assert (year.publicity_start, year.publicity_end) == (date(2026, 11, 20), date(2026, 11, 26))
    member = year.members.get(staff__staff_no="E0300")
    objection = steps.objection_raise(by=scenario.employee, member=member, text_="该同志全年无投诉且获表彰，应评优秀")
    assert member.final_grade == "良好"
    objection = steps.objection_review(by=scenario.office, objection=objection, upheld=True, note="属实", grade="优秀")
    member.refresh_from_db()
    assert (objection.state, objection.grade_before, objection.grade_after) == (ObjectionState.UPHELD, "良好", "优秀")
    assert (member.final_grade, member.override_reason) == ("优秀", "属实")
    # The second 优秀 place is now taken: an objection for E0301 cannot raise them too.
    other = year.members.get(staff__staff_no="E0301")
    objection = steps.objection_raise(by=scenario.employee, member=other, text_="同样应评优秀")
    with pytest.raises(EvaluationError, match="limited to 2"):
        steps.objection_review(by=scenario.office, objection=objection, upheld=True, note="属实", grade="优秀")
    with pytest.raises(EvaluationError, match="Publicity runs until"):
        cycles.cycle_advance(cycle=year, by=scenario.office)
    objection = steps.objection_review(by=scenario.office, objection=objection, upheld=False, note="经复核维持原等次")
    assert objection.state == ObjectionState.DISMISSED and objection.grade_after == "良好"
    on(monkeypatch, date(2026, 11, 27))
    with pytest.raises(EvaluationError, match="Publicity has ended"):
        steps.objection_raise(by=scenario.employee, member=member, text_="补充异议材料")
    year = cycles.cycle_advance(cycle=year, by=scenario.office)
    assert year.state == CycleState.ARCHIVED and year.archived_by == scenario.office
    assert ScoringPeriod.objects.get(standard=year.standard, key="2026").is_finalized
    with pytest.raises(EvaluationError, match="archived"):
        cycles.cycle_advance(cycle=year, by=scenario.office)


def test_archive_waits_for_open_objections(scenario, decided_year, monkeypatch):
    year = decided_year
    steps.hospital_accept_computed(by=scenario.office, cycle=year)
    year = cycles.cycle_advance(cycle=year, by=scenario.office)
    steps.objection_raise(by=scenario.employee, member=year.members.first(), text_="请复核此等次")
    on(monkeypatch, date(2026, 12, 1))
    with pytest.raises(EvaluationError, match="not been reviewed"):
        cycles.cycle_advance(cycle=year, by=scenario.office)


def test_step_back_needs_a_reason_and_stops_before_publicity(scenario, year):
    year = cycles.cycle_advance(cycle=year, by=scenario.office)
    with pytest.raises(EvaluationError):
        cycles.cycle_step_back(cycle=year, by=scenario.office, reason=" ")
    year = cycles.cycle_step_back(cycle=year, by=scenario.office, reason="推迟自评")
    assert year.state == CycleState.OPEN
    with pytest.raises(EvaluationError, match="cannot go back"):
        cycles.cycle_step_back(cycle=year, by=scenario.office, reason="x")
    with pytest.raises(EvaluationConflict):
        cycles.cycle_advance(cycle=year, by=scenario.office, expected_version=1)


def test_a_veto_approved_after_the_decisions_cannot_be_published_past(scenario, decided_year):
    year = decided_year
    steps.hospital_accept_computed(by=scenario.office, cycle=year)
    person = year.members.get(staff=scenario.employee_staff)
    assert person.final_grade == "优秀"
    # A veto about her is approved while the committee's step is still open.
    _approved(scenario, year, scenario.employee_staff, "X2", DailyKind.VIOLATION)
    with pytest.raises(EvaluationError, match="no longer hold"):
        cycles.cycle_advance(cycle=year, by=scenario.office)
    person.refresh_from_db()
    assert person.final_grade == "优秀"  # the refusal changed nothing
    cycles.cycle_recompute(cycle=year, by=scenario.office)
    person.refresh_from_db()
    assert (person.final_grade, person.engine_vetoed, person.decided_by) == ("", True, None)
    with pytest.raises(EvaluationError, match="veto"):
        steps.hospital_decide(by=scenario.leader, member=person, grade="良好", reason="情节轻微")
    steps.hospital_decide(by=scenario.leader, member=person, grade="较差")
    # Her 优秀 place freed, E0300 and E0301 (tied at 100) now fit the two places: their earlier
    # 良好, taken without a reason, no longer matched the computed grade and were cleared with hers.
    assert steps.hospital_accept_computed(by=scenario.office, cycle=year) == 2
    assert set(year.members.filter(final_grade="优秀").values_list("staff__staff_no", flat=True)) == {"E0300", "E0301"}
    assert cycles.cycle_advance(cycle=year, by=scenario.office).state == CycleState.PUBLICITY


def test_records_are_closed_once_decided_even_for_returning(scenario, decided_year):
    year = decided_year
    approved = year.daily_records.filter(state=DailyState.APPROVED).first()
    steps.hospital_accept_computed(by=scenario.office, cycle=year)
    year = cycles.cycle_advance(cycle=year, by=scenario.office)
    with pytest.raises(EvaluationError, match="closed"):
        daily.daily_record_return(by=scenario.office, record=approved, reason="发现有误")
    approved.refresh_from_db()
    assert approved.state == DailyState.APPROVED and approved.record.status == RecordStatus.COUNTS


def test_a_record_stays_with_the_department_it_was_entered_for(scenario, year):
    record = daily.daily_record_create(
        by=scenario.head_cardio, cycle=year, staff=scenario.employee_staff, kind=DailyKind.PRAISE,
        day=date(2026, 5, 4), description="锦旗",
    )  # fmt: skip
    # She moves to orthopaedics: the cardiology head who entered it still decides it, not the new head.
    scenario.employee_staff.department = scenario.ortho
    scenario.employee_staff.save()
    with pytest.raises(EvaluationError):
        daily.daily_record_approve(by=scenario.head_ortho, record=record)
    record = daily.daily_record_approve(by=scenario.head_cardio, record=record)
    assert record.state == DailyState.DEPARTMENT_APPROVED
