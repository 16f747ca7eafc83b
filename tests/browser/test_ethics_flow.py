"""A year's 医德考评 through the pages: a nurse writes her self-evaluation; the office opens the
department step; the head of 心血管内科 scores his team on the standard's manual items and proposes
grades; the office computes; the leadership (the committee) gives the computed grades and
overrides one with a reason; the office publishes and, after publicity, archives; the nurse opens
her 医德档案 and finds the year's final grade with the three steps."""

from datetime import timedelta

import pytest

from wenming.evaluations.models import CycleState, EthicsCycle
from wenming.evaluations.services.cycles import cycle_advance, cycle_create
from wenming.org.selectors import hospital_today
from wenming.scoring.models import Record, RecordKind
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard

from .conftest import log_in, shot, switch_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "全年坚持以病人为中心，无投诉；拒收红包一次并上交；积极参加科室业务学习。"


def _advance(page, year: int) -> None:
    page.goto(f"{page.base_url}/evaluations/{year}/")
    with page.expect_navigation():
        page.get_by_test_id("advance").click()


def test_self_department_committee_archive_and_the_file(page, scenario):
    load_example_standards()
    year = hospital_today().year
    cycle = cycle_create(
        by=scenario.office,
        year=year,
        standard=Standard.objects.get(code="YDKP-2026"),
        categories=["clinical"],
        publicity_days=1,
    )
    cycle_advance(cycle=cycle, by=scenario.office)  # the self-evaluation is open

    # The nurse writes her self-evaluation.
    log_in(page, "employee")
    page.goto(f"{page.base_url}/evaluations/{year}/")
    page.get_by_test_id("write-self").click()
    form = page.get_by_test_id("self-form")
    form.locator("textarea[name=summary]").fill(SUMMARY)
    form.locator("select[name=grade]").select_option("良好")
    shot(page, "ethics-1-self")
    with page.expect_navigation():
        page.get_by_test_id("submit-self").click()
    member = cycle.members.get(staff=scenario.employee_staff)
    assert (member.self_summary, member.self_grade) == (SUMMARY, "良好")

    # The office moves on to the department step.
    switch_user(page, "office")
    _advance(page, year)
    assert EthicsCycle.objects.get(pk=cycle.pk).state == CycleState.DEPARTMENT

    # The head of 心血管内科 scores his team (himself and the nurse) and proposes grades.
    switch_user(page, "head_cardio")
    page.goto(f"{page.base_url}/evaluations/{year}/")
    page.get_by_test_id("panels").get_by_role("link", name="心血管内科").click()
    grid = page.get_by_test_id("department-grid")
    assert "吴敏" not in grid.inner_text()  # orthopaedics is not his
    for staff_no, y7, y8, grade in (("E0102", "10", "9.5", "良好"), ("E0101", "9", "9", "良好")):
        row = grid.get_by_test_id(f"row-{staff_no}")
        row.locator("input[name$='-Y7']").fill(y7)
        row.locator("input[name$='-Y8']").fill(y8)
        row.locator("select[name^='g-']").select_option(grade)
        row.locator("textarea[name^='c-']").fill("服务热情，团结同事。")
    assert SUMMARY[:20] in grid.get_by_test_id("row-E0102").inner_text()  # her self-evaluation, beside
    shot(page, "ethics-2-department")
    with page.expect_navigation():
        page.get_by_test_id("submit-grid").click()
    assert Record.objects.filter(kind=RecordKind.MANUAL, staff=scenario.employee_staff).count() == 2

    # The office computes; the committee decides.
    switch_user(page, "office")
    _advance(page, year)
    switch_user(page, "leader")
    page.goto(f"{page.base_url}/evaluations/{year}/committee/")
    row = page.get_by_test_id("decide-E0201")
    row.locator("select[name$='-grade']").select_option("一般")
    row.locator("textarea[name$='-reason']").fill("年内服务态度投诉两次，委员会研究降为一般。")
    row.locator("button[type=submit]").click()
    page.get_by_test_id("decide-E0201").get_by_test_id("decided").wait_for()
    with page.expect_navigation():
        page.get_by_test_id("accept-computed").click()
    shot(page, "ethics-3-committee")
    decided = {m.staff.staff_no: m.final_grade for m in cycle.members.select_related("staff")}
    assert decided["E0201"] == "一般" and decided["E0102"] == "良好" and all(decided.values())

    # Publicity, then (its day over) the archive.
    switch_user(page, "office")
    _advance(page, year)
    yesterday = hospital_today() - timedelta(days=1)
    EthicsCycle.objects.filter(pk=cycle.pk).update(publicity_start=yesterday, publicity_end=yesterday)
    _advance(page, year)
    assert EthicsCycle.objects.get(pk=cycle.pk).state == CycleState.ARCHIVED

    # The nurse opens her ethics file.
    switch_user(page, "employee")
    page.goto(f"{page.base_url}/people/me/ethics/")
    section = page.get_by_test_id(f"year-{year}")
    assert section.get_by_test_id("grade").inner_text() == "良好"
    assert SUMMARY[:20] in section.get_by_test_id("self").inner_text()
    assert "服务热情" in section.get_by_test_id("department").inner_text()
    shot(page, "ethics-4-file")
