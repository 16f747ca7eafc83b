"""A complaint from intake to 办结 through the pages, on a desktop as the office uses it: the office
receives a phoned-in complaint about a nurse of 心血管内科; the department's head takes it up,
records the investigation (substantiated) and the handling decision; the office records the C1
deduction, opens a rectification item, records the reply with the patient's satisfaction and
closes the case. The case shows what it recorded; the head sees the contact's phone masked."""

import pytest

from wenming.complaints.models import Case
from wenming.org.selectors import hospital_today
from wenming.rectification.models import RectificationItem
from wenming.scoring.models import Record
from wenming.standards.demo import load_example_standards

from .conftest import log_in, shot, switch_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTENT = "患者家属来电：3床护士夜间换药时态度生硬，不回答问题。"


def test_complaint_from_intake_to_closed(page, scenario):
    load_example_standards()
    log_in(page, "office")
    page.goto(f"{page.base_url}/complaints/")
    page.get_by_test_id("new-case").click()
    page.wait_for_url("**/complaints/new/")
    form = page.get_by_test_id("intake-form")
    form.locator("select[name=source]").select_option("phone")
    form.locator("select[name=department]").select_option("D01")
    form.locator("select[name=staff] option[value=E0102]").wait_for(state="attached")
    form.locator("select[name=staff]").select_option("E0102")
    form.locator("textarea[name=content]").fill(CONTENT)
    form.locator("input[name=contact_name]").fill("刘女士")
    form.locator("input[name=contact_phone]").fill("13907150001")
    shot(page, "complaint-1-intake")
    with page.expect_navigation(url="**/complaints/*/"):
        form.locator("button[type=submit]").click()
    case = Case.objects.get()
    assert case.number == f"TS-{hospital_today().year}-0001" and case.staff == scenario.employee_staff
    assert page.get_by_test_id("phone").inner_text() == "13907150001"
    detail = f"{page.base_url}/complaints/{case.pk}/"

    # The head of 心血管内科 investigates and decides; the contact's phone is masked for them.
    switch_user(page, "head_cardio")
    page.goto(detail)
    assert page.get_by_test_id("phone").inner_text() == "139****0001"
    with page.expect_navigation():
        page.get_by_test_id("start-form").locator("button[type=submit]").click()
    investigate = page.get_by_test_id("investigate-form")
    investigate.locator("textarea[name=investigate-investigation]").fill("调阅监控并约谈当班护士，情况属实。")
    investigate.locator("select[name=investigate-finding]").select_option("substantiated")
    with page.expect_navigation():
        investigate.locator("button[type=submit]").click()
    decide = page.get_by_test_id("decide-form")
    decide.locator("textarea").fill("当事护士书面检查，科室开展服务礼仪培训。")
    with page.expect_navigation():
        decide.locator("button[type=submit]").click()
    assert page.get_by_test_id("score-form").count() == 0 and page.get_by_test_id("reply-form").count() == 0
    shot(page, "complaint-2-head")

    # The office records C1, opens the ledger item, replies and closes.
    switch_user(page, "office")
    page.goto(detail)
    score = page.get_by_test_id("score-form")
    assert score.locator("input[name=score-code]").input_value() == "C1"
    with page.expect_navigation():
        score.locator("button[type=submit]").click()
    with page.expect_navigation():
        page.get_by_test_id("item-form").locator("button[type=submit]").click()
    reply = page.get_by_test_id("reply-form")
    reply.locator("textarea").fill("已电话向家属致歉并告知整改措施。")
    reply.locator("select[name=reply-method]").select_option("phone")
    reply.locator("select[name=reply-satisfaction]").select_option("fairly")
    with page.expect_navigation():
        reply.locator("button[type=submit]").click()
    close = page.get_by_test_id("close-form")
    close.locator("select[name=close-satisfaction]").select_option("satisfied")
    with page.expect_navigation():
        close.locator("button[type=submit]").click()
    shot(page, "complaint-3-closed")

    case.refresh_from_db()
    assert (case.state, case.finding, case.satisfaction) == ("closed", "substantiated", "satisfied")
    record = Record.objects.get()
    assert (record.kind, record.code, record.department) == ("finding", "C1", scenario.cardio)
    item = RectificationItem.objects.get()
    assert (case.record, case.item, item.source) == (record, item, "complaint")
    assert page.get_by_test_id("record").inner_text().count("C1") == 1
    assert page.get_by_test_id("item-link").is_visible()
    assert page.get_by_test_id("history").locator("li").count() == 8
    assert page.get_by_test_id("actions").count() == 0
