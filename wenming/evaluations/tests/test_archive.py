"""The 医德档案 page ``/people/<工号>/ethics/``: who may open it, what each viewer sees of each year
by the cycle's step, its content, and its query count."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.complaints.models import CaseKind, CaseState
from wenming.evaluations.archive import GradeStatus, ethics_file, person_for_user
from wenming.evaluations.models import DailyState, ObjectionState
from wenming.org.access import access_for

from .test_archive_factories import (
    build_ethics,
    colleague_of,
    make_case,
    make_cycle,
    make_daily,
    make_member,
    make_objection,
    make_result,
    make_veto,
)

URL = "/people/E0102/ethics/"


@pytest.fixture
def ethics(scenario):
    return build_ethics(scenario)


# --- access --------------------------------------------------------------------------------------


def test_anonymous_goes_to_login(client, ethics):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["head_ortho", "inspector"])
def test_other_roles_get_404(scenario, ethics, client_for, who):
    assert client_for(getattr(scenario, who)).get(URL).status_code == 404


def test_a_colleague_in_the_same_department_gets_404(scenario, ethics, client_for):
    colleague = colleague_of(scenario.employee_staff)
    assert client_for(colleague).get(URL).status_code == 404


def test_an_unknown_staff_number_is_404_even_for_the_office(scenario, ethics, client_for):
    assert client_for(scenario.office).get("/people/NOPE/ethics/").status_code == 404


def test_the_employee_cannot_open_a_head_s_file(scenario, ethics, client_for):
    assert client_for(scenario.employee).get("/people/E0101/ethics/").status_code == 404


@pytest.mark.parametrize("who", ["employee", "head_cardio", "office", "leader", "sysadmin"])
def test_who_may_open_the_file(scenario, ethics, client_for, who):
    response = client_for(getattr(scenario, who)).get(URL)
    assert response.status_code == 200
    assert "郑爽" in response.content.decode()


def test_the_accessor_follows_the_same_rule(scenario, ethics):
    assert person_for_user(scenario.head_cardio, "E0102") == ethics.person
    with pytest.raises(Exception) as refused:
        person_for_user(scenario.head_ortho, "E0102")
    assert refused.typename == "Http404"


def test_my_ethics_redirects_to_the_own_file(scenario, ethics, client_for):
    response = client_for(scenario.employee).get("/people/me/ethics/")
    assert response.status_code == 302
    assert response["Location"] == URL
    assert client_for(scenario.sysadmin).get("/people/me/ethics/").status_code == 404  # no staff record


# --- visibility by step --------------------------------------------------------------------------


def _years(user, staff):
    return {year.year: year for year in ethics_file(access=access_for(user), staff=staff).years}


def test_before_publicity_the_person_sees_only_the_self_evaluation(scenario, ethics, client_for):
    years = _years(scenario.employee, ethics.person)
    current = years[2026]
    assert (current.visible.department, current.visible.hospital) == (False, False)
    assert (current.grade, current.grade_status) == ("", GradeStatus.PENDING)
    assert current.total is None and current.items == []
    page = client_for(scenario.employee).get(URL).content.decode()
    assert "2026年本人自我总结" in page
    assert "2026年科室评价意见" not in page
    assert "95.50" not in page
    year_2026 = page.split('data-testid="year-2026"')[1].split('data-testid="year-2025"')[0]
    assert 'data-testid="grade"' not in year_2026


def test_before_publicity_a_head_sees_the_department_step_but_not_the_hospital_s(scenario, ethics, client_for):
    current = _years(scenario.head_cardio, ethics.person)[2026]
    assert (current.visible.department, current.visible.hospital) == (True, False)
    assert current.grade_status == GradeStatus.PENDING
    page = client_for(scenario.head_cardio).get(URL).content.decode()
    assert "2026年科室评价意见" in page
    assert "95.50" not in page


@pytest.mark.parametrize("who", ["office", "leader", "sysadmin"])
def test_the_office_and_leadership_see_every_step_as_a_draft(scenario, ethics, client_for, who):
    current = _years(getattr(scenario, who), ethics.person)[2026]
    assert (current.visible.department, current.visible.hospital) == (True, True)
    assert (current.grade, current.grade_status) == ("优秀", GradeStatus.DRAFT)
    page = client_for(getattr(scenario, who)).get(URL).content.decode()
    assert "95.50" in page and "2026年科室评价意见" in page


def test_in_publicity_the_grade_is_published_not_final(scenario, ethics, client_for):
    ethics.current.state = "publicity"
    ethics.current.save()
    ethics.current_member.final_grade = "优秀"
    ethics.current_member.save()
    current = _years(scenario.employee, ethics.person)[2026]
    assert (current.grade, current.grade_status) == ("优秀", GradeStatus.PUBLISHED)
    assert current.total == ethics.current_member.engine_total
    page = client_for(scenario.employee).get(URL).content.decode()
    assert "2026年科室评价意见" in page and "95.50" in page


def test_archived_years_are_final(scenario, ethics):
    old = _years(scenario.employee, ethics.person)[2025]
    assert (old.grade, old.grade_status, old.is_final) == ("良好", GradeStatus.FINAL, True)


# --- content -------------------------------------------------------------------------------------


def test_page_shows_grades_items_steps_and_plan(scenario, ethics, client_for):
    page = client_for(scenario.employee).get(URL).content.decode()
    assert page.index('data-testid="year-2026"') < page.index('data-testid="year-2025"')  # newest first
    year_2025 = page.split('data-testid="year-2025"')[1]
    for text in (
        "良好",
        "救死扶伤，全心全意为人民服务",  # item names from the version the period used
        "顾全大局，团结协作，和谐共事",
        "12.00",
        "91.00",
        "2025年本人自我总结",
        "2025年科室评价意见",
        "2025年单位评价意见",
        "加强沟通技巧培训",
        "/people/E0102/ethics/2025/form.docx",
        "/people/E0102/ethics/2025/form.pdf",
    ):
        assert text in year_2025, text
    # The person cannot print the 2026 form before publicity; the office can (a draft).
    assert "/people/E0102/ethics/2026/form.docx" not in page
    office_page = client_for(scenario.office).get(URL).content.decode()
    assert "/people/E0102/ethics/2026/form.docx" in office_page


def test_vetoes_and_objections_show_with_their_review(scenario, ethics, client_for):
    make_veto(ethics.old, ethics.person, code="X1", day=date(2025, 7, 3), note="收受患者红包")
    make_veto(ethics.old, ethics.person, code="X2", day=date(2024, 7, 3), note="上一年度的记录")  # another year
    make_objection(
        ethics.archived_member,
        scenario.employee,
        text="本人对等级有异议",
        state=ObjectionState.DISMISSED,
        review_note="经复核维持原等级",
        grade_before="良好",
        grade_after="良好",
        reviewed_at=ethics.archived_member.decided_at,
    )
    page = client_for(scenario.employee).get(URL).content.decode()
    assert "在医疗服务活动中索要患者及其亲友财物" in page
    assert "收受患者红包" in page
    assert "上一年度的记录" not in page
    assert "本人对等级有异议" in page and "经复核维持原等级" in page


def test_vetoes_of_a_cycle_before_publicity_are_hidden_from_the_person(scenario, ethics, client_for):
    make_veto(ethics.current, ethics.person, code="X3", note="多收费情节严重")
    assert "多收费情节严重" not in client_for(scenario.employee).get(URL).content.decode()
    assert "多收费情节严重" in client_for(scenario.office).get(URL).content.decode()


def test_daily_records_only_approved_grouped_by_kind_and_awards(scenario, ethics, client_for):
    make_daily(ethics.old, ethics.person, kind="praise", description="患者送锦旗表扬")
    make_daily(ethics.current, ethics.person, kind="red_envelope", description="拒收红包并上交")
    make_daily(ethics.current, ethics.person, kind="award", description="获评优秀护士")
    make_daily(
        ethics.current, ethics.person, kind="criticism", description="尚未审核的批评", state=DailyState.SUBMITTED
    )
    make_daily(ethics.current, ethics.person, kind="violation", description="被退回的记录", state=DailyState.RETURNED)
    file = ethics_file(access=access_for(scenario.employee), staff=ethics.person)
    assert [group.kind for group in file.daily] == ["praise", "red_envelope"]
    assert [record.description for record in file.awards] == ["获评优秀护士"]
    page = client_for(scenario.employee).get(URL).content.decode()
    for text in ("患者送锦旗表扬", "拒收红包并上交", "获评优秀护士"):
        assert text in page
    assert "尚未审核的批评" not in page and "被退回的记录" not in page


def test_cases_concerning_the_person(scenario, ethics, client_for):
    make_case(ethics.person, kind=CaseKind.COMPLAINT, state=CaseState.CLOSED, content="服务态度生硬", finding="partly")
    make_case(ethics.person, kind=CaseKind.PRAISE, state=CaseState.CLOSED, content="细心照护表扬")
    make_case(ethics.person, kind=CaseKind.COMPLAINT, state=CaseState.INVESTIGATING, content="调查中的投诉")
    make_case(scenario.head_cardio_staff, kind=CaseKind.COMPLAINT, content="别人的投诉")
    own = client_for(scenario.employee).get(URL).content.decode()
    assert "服务态度生硬" in own and "细心照护表扬" in own
    assert "调查中的投诉" not in own  # still under investigation: not yet in the person's own file
    assert "别人的投诉" not in own
    head = client_for(scenario.head_cardio).get(URL).content.decode()
    assert "调查中的投诉" in head and "别人的投诉" not in head


def test_a_person_never_evaluated_has_an_empty_file(scenario, ethics, client_for):
    page = client_for(scenario.office).get("/people/E0201/ethics/").content.decode()
    assert 'data-testid="no-years"' in page


# --- queries -------------------------------------------------------------------------------------


def test_the_selector_takes_six_queries(scenario, ethics, django_assert_num_queries):
    access = access_for(scenario.employee)
    with django_assert_num_queries(6):
        ethics_file(access=access, staff=ethics.person)


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_page_queries_do_not_grow_with_years_and_records(scenario, ethics, client_for, django_assert_num_queries):
    client = client_for(scenario.head_cardio)
    client.get(URL)  # the first request fills the caches (hospital settings)
    few = _page_queries(client, URL)
    for year in (2021, 2022, 2023, 2024):
        cycle = make_cycle(year, "archived", ethics.standard)
        member = make_member(cycle, ethics.person)
        make_result(cycle, ethics.person)
        make_veto(cycle, ethics.person)
        make_objection(member, scenario.employee)
        for kind in ("praise", "criticism", "award", "red_envelope"):
            make_daily(cycle, ethics.person, kind=kind)
        make_case(ethics.person, received_on=date(year, 3, 1))
    with django_assert_num_queries(few):
        assert client.get(URL).status_code == 200
