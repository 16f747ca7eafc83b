"""The 医德考评 pages: each step's screen works for the people it is for and refuses everyone else."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from wenming.evaluations.models import CycleState, DailyKind, DailyState, EthicsCycle, ObjectionState
from wenming.evaluations.services import cycles, daily, steps
from wenming.org.tests.factories import StaffFactory
from wenming.scoring.models import Record, RecordKind

from .cycle_helpers import make_cycle, on

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(scenario, monkeypatch):
    on(monkeypatch, date(2026, 11, 20))
    return make_cycle(scenario)


def _at(cycle, state, by):
    while cycle.state != state:
        cycle = cycles.cycle_advance(cycle=cycle, by=by)
    return cycle


def test_pages_need_a_login_and_a_place_in_the_hospital(scenario, cycle, client, client_for):
    assert client.get(reverse("evaluations:list")).status_code == 302
    stranger = get_user_model().objects.create_user("stranger", password="x")
    assert client_for(stranger).get(reverse("evaluations:list")).status_code == 404
    assert client_for(scenario.employee).get(reverse("evaluations:detail", args=[2031])).status_code == 404
    page = client_for(scenario.employee).get(reverse("evaluations:list"))
    assert page.status_code == 200 and cycle.title in page.content.decode()


def test_only_the_office_starts_a_cycle(scenario, client_for, monkeypatch):
    on(monkeypatch, date(2026, 1, 5))
    from .cycle_helpers import ethics_standard

    ethics_standard()
    for user in (scenario.head_cardio, scenario.leader, scenario.employee):
        assert client_for(user).post(reverse("evaluations:new"), {"year": 2026}).status_code == 403
    client = client_for(scenario.office)
    page = client.post(reverse("evaluations:new"), {"year": 2026, "standard": "YDKP-2026", "publicity_days": 5})
    assert page.status_code == 302
    assert EthicsCycle.objects.get(year=2026).members.count() == 6
    again = client.post(reverse("evaluations:new"), {"year": 2026, "standard": "YDKP-2026", "publicity_days": 5})
    assert "already exists" in again.content.decode() or "已存在" in again.content.decode()


def test_moving_the_cycle_is_for_the_office(scenario, cycle, client_for):
    url = reverse("evaluations:move", args=[2026, "next"])
    for user in (scenario.leader, scenario.head_cardio, scenario.employee):
        assert client_for(user).post(url, {"version": cycle.version}).status_code == 403
    assert client_for(scenario.office).post(url, {"version": cycle.version}).status_code == 302
    cycle.refresh_from_db()
    assert cycle.state == CycleState.SELF
    # A stale version is refused with a message, not applied.
    client_for(scenario.office).post(url, {"version": 1})
    cycle.refresh_from_db()
    assert cycle.state == CycleState.SELF


def test_self_evaluation_page(scenario, cycle, client_for):
    url = reverse("evaluations:self", args=[2026])
    client = client_for(scenario.employee)
    assert client.post(url, {"summary": "早了", "grade": "良好", "version": 1}).status_code == 403
    cycle = _at(cycle, CycleState.SELF, scenario.office)
    assert client_for(scenario.sysadmin).get(url).status_code == 404  # not evaluated
    client = client_for(scenario.employee)
    page = client.post(url, {"summary": "", "grade": "良好", "version": 1})
    assert page.status_code == 200 and 'name="grade"' in page.content.decode()
    assert client.post(url, {"summary": "全年无投诉，积极参加义诊。", "grade": "良好", "version": 1}).status_code == 302
    member = cycle.members.get(staff=scenario.employee_staff)
    assert member.self_summary == "全年无投诉，积极参加义诊。"
    # A second tab with the old version: refused, what was typed stays.
    stale = client.post(url, {"summary": "改过的总结", "grade": "优秀", "version": 1})
    assert stale.status_code == 200 and "改过的总结" in stale.content.decode()


def test_department_panel_is_the_heads_own(scenario, cycle, client_for):
    cycle = _at(cycle, CycleState.DEPARTMENT, scenario.office)
    d01 = reverse("evaluations:department", args=[2026, "D01"])
    d02 = reverse("evaluations:department", args=[2026, "D02"])
    assert client_for(scenario.head_cardio).get(d02).status_code == 404
    assert client_for(scenario.employee).get(d01).status_code == 404
    assert client_for(scenario.leader).get(d01).status_code == 404
    client = client_for(scenario.head_cardio)
    page = client.get(d01)
    text = page.content.decode()
    assert page.status_code == 200 and "郑爽" in text and "吴敏" not in text
    member = cycle.members.get(staff=scenario.employee_staff)
    bad = client.post(
        d01, {f"s-{member.pk}-Y7": "12", f"g-{member.pk}": "良好", f"c-{member.pk}": "意见保留", "submit": "1"}
    )
    assert bad.status_code == 200
    assert 'value="12"' in bad.content.decode() and "意见保留" in bad.content.decode()
    assert not Record.objects.filter(kind=RecordKind.MANUAL).exists()
    ok = client.post(
        d01,
        {
            f"s-{member.pk}-Y7": "9",
            f"s-{member.pk}-Y8": "8.5",
            f"g-{member.pk}": "良好",
            f"c-{member.pk}": "服务热情",
            f"v-{member.pk}": member.version,
            "submit": "1",
        },
    )
    assert ok.status_code == 302
    member.refresh_from_db()
    assert (member.department_grade, member.department_comment) == ("良好", "服务热情")
    assert Record.objects.filter(kind=RecordKind.MANUAL, staff=scenario.employee_staff).count() == 2


def test_committee_page_for_office_and_leadership(scenario, cycle, client_for, django_assert_num_queries):
    for n in range(8):
        StaffFactory(staff_no=f"E04{n:02d}", name=f"护士{n}", department=scenario.ward)
    cycle = _at(cycle, CycleState.HOSPITAL, scenario.office)
    url = reverse("evaluations:committee", args=[2026])
    for user in (scenario.head_cardio, scenario.employee, scenario.inspector):
        assert client_for(user).get(url).status_code == 403
    client = client_for(scenario.leader)
    client.get(url)
    with django_assert_num_queries(17):
        page = client.get(url)
    assert page.status_code == 200
    member = cycle.members.get(staff=scenario.employee_staff)
    decide = reverse("evaluations:decide", args=[2026, member.pk])
    row = client.post(
        decide,
        {f"m{member.pk}-grade": "良好", f"m{member.pk}-reason": "", f"m{member.pk}-version": member.version},
        HTTP_HX_REQUEST="true",
    )
    body = row.content.decode()
    assert row.status_code == 200 and f'id="member-{member.pk}"' in body
    member.refresh_from_db()
    assert member.final_grade == "良好"
    assert client_for(scenario.head_cardio).post(decide, {}).status_code == 403


def test_publicity_and_objections(scenario, cycle, client_for):
    url = reverse("evaluations:publicity", args=[2026])
    assert client_for(scenario.employee).get(url).status_code == 404  # not published yet
    cycle = _at(cycle, CycleState.HOSPITAL, scenario.office)
    steps.hospital_accept_computed(by=scenario.office, cycle=cycle)
    cycle = _at(cycle, CycleState.PUBLICITY, scenario.office)
    client = client_for(scenario.employee)
    assert client.get(url).status_code == 200
    member = cycle.members.get(staff=scenario.head_ortho_staff)
    assert client.post(url, {"member": member.pk, "text": "对该等次有异议，请复核"}).status_code == 302
    objection = member.objections.get()
    review = reverse("evaluations:review", args=[2026, objection.pk])
    assert client.post(review, {}).status_code == 403
    # Nobody but the committee and the person who objected sees an objection.
    card = f'data-testid="objection-{objection.pk}"'
    assert card not in client_for(scenario.head_ortho).get(url).content.decode()
    assert card in client_for(scenario.employee).get(url).content.decode()
    office = client_for(scenario.office)
    assert card in office.get(url).content.decode()
    prefix = f"o{objection.pk}"
    office.post(review, {f"{prefix}-outcome": "dismissed", f"{prefix}-note": "维持", f"{prefix}-version": 1})
    objection.refresh_from_db()
    assert objection.state == ObjectionState.DISMISSED


def test_daily_records_pages(scenario, cycle, client_for):
    url = reverse("evaluations:records", args=[2026])
    assert client_for(scenario.employee).get(url).status_code == 404
    client = client_for(scenario.head_cardio)
    page = client.post(
        url,
        {"staff": "E0102", "kind": DailyKind.PRAISE, "date": "2026-04-02", "code": "P2", "count": 1, "description": ""},
    )
    assert page.status_code == 200  # description missing: the form comes back with what was typed
    assert client.post(
        url,
        {"staff": "E0102", "kind": DailyKind.PRAISE, "date": "2026-04-02", "code": "P2", "count": 1,
         "description": "患者送锦旗"},
    ).status_code == 302  # fmt: skip
    record = cycle.daily_records.get()
    detail = reverse("evaluations:record", args=[2026, record.pk])
    assert client_for(scenario.head_ortho).get(detail).status_code == 404
    client = client_for(scenario.head_cardio)
    assert client.post(detail, {"action": "approve", "version": record.version}).status_code == 302
    record.refresh_from_db()
    assert record.state == DailyState.DEPARTMENT_APPROVED
    # Someone else's stale approval is refused with a message, the state unchanged.
    client_for(scenario.office).post(detail, {"action": "approve", "version": 1})
    record.refresh_from_db()
    assert record.state == DailyState.DEPARTMENT_APPROVED
    client_for(scenario.office).post(detail, {"action": "approve", "version": record.version})
    record.refresh_from_db()
    assert record.state == DailyState.APPROVED and record.record is not None
    # A head of orthopaedics cannot enter a record about a cardiology nurse.
    other = client_for(scenario.head_ortho).post(
        url, {"staff": "E0102", "kind": DailyKind.PRAISE, "date": "2026-04-02", "count": 1, "description": "x"}
    )
    assert other.status_code == 200 and cycle.daily_records.count() == 1


def test_daily_records_returned_and_resubmitted_on_the_page(scenario, cycle, client_for):
    record = daily.daily_record_create(
        by=scenario.head_cardio, cycle=cycle, staff=scenario.employee_staff, kind=DailyKind.CRITICISM,
        day=date(2026, 3, 3), description="迟到",
    )  # fmt: skip
    detail = reverse("evaluations:record", args=[2026, record.pk])
    client = client_for(scenario.head_cardio)
    client.post(detail, {"action": "return", "reason": "事实不清", "version": record.version})
    record.refresh_from_db()
    assert record.state == DailyState.RETURNED
    page = client.get(detail)
    assert "事实不清" in page.content.decode()
    client.post(
        detail,
        {"action": "resubmit", "kind": DailyKind.CRITICISM, "date": "2026-03-03", "count": 1,
         "description": "晨会迟到两次", "version": record.version},
    )  # fmt: skip
    record.refresh_from_db()
    assert (record.state, record.description) == (DailyState.SUBMITTED, "晨会迟到两次")


def test_inspectors_do_not_read_personal_daily_records(scenario, cycle, client_for):
    record = daily.daily_record_create(
        by=scenario.head_cardio, cycle=cycle, staff=scenario.employee_staff, kind=DailyKind.CRITICISM,
        day=date(2026, 3, 3), description="迟到",
    )  # fmt: skip
    assert client_for(scenario.inspector).get(reverse("evaluations:records", args=[2026])).status_code == 404
    detail = reverse("evaluations:record", args=[2026, record.pk])
    assert client_for(scenario.inspector).get(detail).status_code == 404
    assert client_for(scenario.leader).get(detail).status_code == 200


def test_garbled_versions_are_conflicts_not_errors(scenario, cycle, client_for):
    record = daily.daily_record_create(
        by=scenario.head_cardio, cycle=cycle, staff=scenario.employee_staff, kind=DailyKind.PRAISE,
        day=date(2026, 3, 3), description="表扬",
    )  # fmt: skip
    detail = reverse("evaluations:record", args=[2026, record.pk])
    assert client_for(scenario.head_cardio).post(detail, {"action": "approve", "version": "x"}).status_code == 302
    record.refresh_from_db()
    assert record.state == DailyState.SUBMITTED
    cycle = _at(cycle, CycleState.DEPARTMENT, scenario.office)
    member = cycle.members.get(staff=scenario.employee_staff)
    d01 = reverse("evaluations:department", args=[2026, "D01"])
    page = client_for(scenario.head_cardio).post(
        d01, {f"s-{member.pk}-Y7": "9", f"seen-{member.pk}-Y7": "garbled", f"v-{member.pk}": "?", "save": "1"}
    )
    assert page.status_code == 200 and 'value="9"' in page.content.decode()  # back with what was typed
    assert not Record.objects.filter(kind=RecordKind.MANUAL).exists()  # all or nothing: nothing saved


def test_someone_who_left_does_not_block_the_panel(scenario, cycle, client_for):
    nurse = StaffFactory(staff_no="E0450", name="离职护士", department=scenario.ward)
    cycle.members.create(staff=nurse, department=scenario.ward)
    cycle = _at(cycle, CycleState.DEPARTMENT, scenario.office)
    nurse.status = "left"
    nurse.save()
    member = cycle.members.get(staff=scenario.employee_staff)
    left = cycle.members.get(staff=nurse)
    page = client_for(scenario.head_cardio).post(
        reverse("evaluations:department", args=[2026, "D01"]),
        {
            f"s-{member.pk}-Y7": "9", f"v-{member.pk}": member.version, f"g-{member.pk}": "良好",
            f"s-{left.pk}-Y7": "", f"v-{left.pk}": left.version, "submit": "1",
        },
    )  # fmt: skip
    assert page.status_code == 302
    assert Record.objects.filter(kind=RecordKind.MANUAL, staff=scenario.employee_staff, code="Y7").exists()


def test_committee_filters_by_department_and_attention(scenario, cycle, client_for):
    cycle = _at(cycle, CycleState.HOSPITAL, scenario.office)
    url = reverse("evaluations:committee", args=[2026])
    client = client_for(scenario.office)
    ortho = client.get(url, {"department": "D02"}).content.decode()
    assert 'data-testid="decide-E0201"' in ortho and 'data-testid="decide-E0102"' not in ortho
    steps.hospital_accept_computed(by=scenario.office, cycle=cycle)
    member = cycle.members.get(staff=scenario.employee_staff)
    steps.hospital_decide(by=scenario.office, member=member, grade="一般", reason="投诉两次")
    attention = client.get(url, {"show": "attention"}).content.decode()
    assert 'data-testid="decide-E0102"' in attention and 'data-testid="decide-E0201"' not in attention
