"""The eligibility list and export of one cycle (职称晋升、评先评优、绩效、医师定期考核): the rules,
who may export, and the refusal before the cycle is archived."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from wenming.evaluations.eligibility import (
    OFFICE_HEADERS,
    Review,
    eligibility_rows,
    row_values,
    sheet_title,
)
from wenming.org.tests.factories import StaffFactory

from .test_archive_factories import ethics_standard, make_cycle, make_member

XLSX = "/evaluations/2026/eligibility.xlsx"
PAGE = "/evaluations/2026/eligibility/"


@pytest.fixture
def cycles(scenario):
    """Cycles 2022–2026 (all archived) on YDKP-2026."""
    standard = ethics_standard()
    return {year: make_cycle(year, "archived", standard) for year in range(2022, 2027)}


def person(staff_no: str, department, name="某医生"):
    return StaffFactory(staff_no=staff_no, name=name, department=department, title="主治医师")


def graded(cycle, staff, grade: str, **fields):
    return make_member(cycle, staff, final_grade=grade, engine_grade=grade, **fields)


def rows_by_staff(cycle):
    return {row.staff_no: row for row in eligibility_rows(cycle=cycle)}


# --- rules ---------------------------------------------------------------------------------------


def test_grades_give_promotion_commendation_and_coefficient(scenario, cycles):
    staff = {
        grade: person(f"P{index}", scenario.cardio) for index, grade in enumerate(["优秀", "良好", "一般", "较差"])
    }
    for grade, member_staff in staff.items():
        graded(cycles[2026], member_staff, grade, engine_vetoed=grade == "较差")
    rows = rows_by_staff(cycles[2026])
    outcome = {
        grade: (row.promotion, row.commendation, row.coefficient, row.review, row.vetoed)
        for grade, row in ((r.grade, r) for r in rows.values())
    }
    assert outcome == {
        "优秀": (True, True, Decimal("1.1"), Review.PASS, False),
        "良好": (True, True, Decimal("1.0"), Review.PASS, False),
        "一般": (True, False, Decimal("0.9"), Review.PASS, False),
        "较差": (False, False, Decimal("0.7"), Review.WATCH, True),
    }


def test_two_poor_grades_within_three_years_fail_the_review(scenario, cycles):
    doctor = person("P1", scenario.cardio)
    graded(cycles[2024], doctor, "较差")
    graded(cycles[2025], doctor, "良好")
    graded(cycles[2026], doctor, "较差")
    row = rows_by_staff(cycles[2026])["P1"]
    assert (row.review, row.poor_years) == (Review.FAIL, [2024, 2026])
    with translation.override("en"):
        assert row.review_label == "Fail"
        assert "2024、2026" in row.notes


def test_a_poor_grade_four_years_ago_does_not_count(scenario, cycles):
    doctor = person("P1", scenario.cardio)
    graded(cycles[2022], doctor, "较差")
    graded(cycles[2023], doctor, "良好")
    graded(cycles[2026], doctor, "较差")
    row = rows_by_staff(cycles[2026])["P1"]
    assert (row.review, row.poor_years) == (Review.WATCH, [2026])


def test_one_earlier_poor_grade_needs_attention(scenario, cycles):
    doctor = person("P1", scenario.cardio)
    graded(cycles[2025], doctor, "较差")
    graded(cycles[2026], doctor, "良好")
    row = rows_by_staff(cycles[2026])["P1"]
    assert (row.review, row.promotion, row.commendation) == (Review.WATCH, True, True)


def test_only_archived_cycles_count_as_earlier_grades(scenario, cycles):
    doctor = person("P1", scenario.cardio)
    cycles[2025].state = "publicity"
    cycles[2025].save()
    graded(cycles[2025], doctor, "较差")
    graded(cycles[2026], doctor, "较差")
    assert rows_by_staff(cycles[2026])["P1"].review == Review.WATCH


def test_settings_change_the_coefficients_and_the_window(scenario, cycles, settings):
    settings.WENMING_ETHICS_PERFORMANCE = {"优秀": "1.2", "良好": "1.05"}
    settings.WENMING_PHYSICIAN_REVIEW_YEARS = 5
    doctor = person("P1", scenario.cardio)
    graded(cycles[2022], doctor, "较差")
    graded(cycles[2026], doctor, "较差")
    other = person("P2", scenario.cardio)
    graded(cycles[2026], other, "良好")
    rows = rows_by_staff(cycles[2026])
    assert (rows["P1"].review, rows["P1"].coefficient) == (Review.FAIL, None)
    assert rows["P2"].coefficient == Decimal("1.05")


def test_a_member_without_a_final_grade_has_no_outcomes(scenario, cycles):
    doctor = person("P1", scenario.cardio)
    make_member(cycles[2026], doctor, final_grade="", engine_grade="良好")
    row = rows_by_staff(cycles[2026])["P1"]
    assert (row.grade, row.promotion, row.commendation, row.coefficient, row.review) == ("", None, None, None, None)
    with translation.override("en"):
        assert row.notes == "No grade for this year."


def test_a_draft_uses_the_grade_as_it_stands(scenario, cycles):
    cycles[2026].state = "hospital"
    cycles[2026].save()
    doctor = person("P1", scenario.cardio)
    make_member(cycles[2026], doctor, final_grade="", engine_grade="一般")
    row = rows_by_staff(cycles[2026])["P1"]
    assert (row.grade, row.commendation, row.coefficient) == ("一般", False, Decimal("0.9"))


def test_rows_take_three_queries(scenario, cycles, django_assert_num_queries):
    for index in range(5):
        doctor = person(f"P{index}", scenario.cardio)
        graded(cycles[2025], doctor, "较差")
        graded(cycles[2026], doctor, "良好")
    with django_assert_num_queries(3):
        rows = eligibility_rows(cycle=cycles[2026])
    assert len(rows) == 5


# --- the pages -----------------------------------------------------------------------------------


@pytest.fixture
def graded_cycle(scenario, cycles):
    graded(cycles[2025], scenario.employee_staff, "较差")
    graded(cycles[2026], scenario.employee_staff, "较差", engine_vetoed=True, engine_total=Decimal("88.00"))
    graded(cycles[2026], scenario.head_cardio_staff, "优秀", engine_total=Decimal("96.50"))
    return cycles[2026]


@pytest.mark.parametrize("who", ["employee", "head_cardio", "head_ortho", "inspector"])
@pytest.mark.parametrize("url", [XLSX, PAGE])
def test_others_are_refused(scenario, graded_cycle, client_for, who, url):
    assert client_for(getattr(scenario, who)).get(url).status_code == 403


def test_anonymous_goes_to_login(client, graded_cycle):
    assert client.get(XLSX).status_code == 302


def test_an_unknown_year_is_404(scenario, graded_cycle, client_for):
    assert client_for(scenario.office).get("/evaluations/2030/eligibility.xlsx").status_code == 404


@pytest.mark.parametrize("who", ["office", "leader", "sysadmin"])
def test_the_export(scenario, graded_cycle, client_for, who):
    response = client_for(getattr(scenario, who)).get(XLSX)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert tuple(rows[0]) == OFFICE_HEADERS
    assert sheet.title == sheet_title(graded_cycle, draft=False)
    by_no = {row[0]: row for row in rows[1:]}
    assert by_no.keys() == {"E0101", "E0102"}
    employee = by_no["E0102"]
    assert employee[:6] == ["E0102", "郑爽", "心内一病区", None, "较差", "88.00"]
    expected = row_values(rows_by_staff(graded_cycle)["E0102"])
    assert employee[6:] == expected[6:]
    assert by_no["E0101"][4:6] == ["优秀", "96.50"]


def test_the_page_lists_the_rows(scenario, graded_cycle, client_for):
    response = client_for(scenario.leader).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="row-E0102"' in page and 'data-testid="row-E0101"' in page
    assert 'href="/evaluations/2026/eligibility.xlsx"' in page
    assert "/people/E0102/ethics/" in page


@pytest.mark.parametrize("url", [XLSX, PAGE])
def test_a_cycle_not_archived_is_refused(scenario, graded_cycle, client_for, url):
    graded_cycle.state = "publicity"
    graded_cycle.save()
    response = client_for(scenario.office).get(url)
    assert response.status_code == 409
    assert 'data-testid="not-archived"' in response.content.decode()
    assert 'data-testid="draft-link"' in response.content.decode()
    # The leadership cannot ask for a draft.
    refused = client_for(scenario.leader).get(url, {"draft": "1"})
    assert refused.status_code == 409
    assert 'data-testid="draft-link"' not in refused.content.decode()


def test_the_office_exports_a_draft_marked_as_such(scenario, graded_cycle, client_for):
    graded_cycle.state = "hospital"
    graded_cycle.save()
    response = client_for(scenario.office).get(XLSX, {"draft": "1"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == sheet_title(graded_cycle, draft=True)[:31]
    assert sheet.title != sheet_title(graded_cycle, draft=False)
    with translation.override("en"):
        assert sheet_title(graded_cycle, draft=True) == "Ethics 2026 eligibility (draft)"
    page = client_for(scenario.office).get(PAGE, {"draft": "1"})
    assert page.status_code == 200 and 'data-testid="draft"' in page.content.decode()


def test_the_rules_follow_the_standards_grades(scenario):
    """A standard with other grade names: its veto grade makes a person ineligible, its two highest
    grades may be commended."""
    from wenming.evaluations.eligibility import grade_rules
    from wenming.standards.services import standard_import

    outcome = standard_import(
        text="""
code: YDKP-X
name: 另一家医院的医德考评
subject: staff
cycle: year
full_score: 10
grades: [{name: 优秀, min: 9}, {name: 合格, min: 6}, {name: 不合格, min: 0}]
veto_grade: 不合格
items: [{code: A, name: 综合评价, points: 10, rule: manual}]
"""
    )
    cycle = make_cycle(2026, "archived", outcome.version.standard)
    graded(cycle, scenario.employee_staff, "不合格")
    graded(cycle, scenario.head_cardio_staff, "合格")
    assert grade_rules(cycle) == ("不合格", ("优秀", "合格"))
    rows = rows_by_staff(cycle)
    poor, fair = rows[scenario.employee_staff.staff_no], rows[scenario.head_cardio_staff.staff_no]
    assert (poor.promotion, poor.commendation, poor.review) == (False, False, Review.WATCH)
    assert (fair.promotion, fair.commendation, fair.review) == (True, True, Review.PASS)
