"""The patrol loop on a phone-sized screen, through the pages: an inspector records a round with a
photo; the head of 心血管内科 is notified, appeals one finding and opens a rectification item from
the other; the head fixes it and someone else (the inspector) verifies and closes it out; the
leadership accepts the appeal; the ward's score for the month goes back up by the voided points."""

import re
from decimal import Decimal

import pytest

from wenming.inspections.models import Appeal, AppealState, InspectionPlan, InspectionRound
from wenming.inspections.tests.images import jpeg_with_gps
from wenming.org.selectors import hospital_today
from wenming.rectification.models import ItemState, RectificationItem
from wenming.scoring.models import Record, RecordStatus, Result
from wenming.scoring.services import period_compute
from wenming.standards.demo import load_example_standards
from wenming.standards.models import Standard

from .conftest import log_in, shot, switch_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
CODE = "WMKS-M-2026"
C1_NOTE = "3床家属反映护士解释不耐心，经核实属实"
E1_NOTE = "治疗室地面有积水、杂物"


@pytest.fixture
def plan(scenario):
    load_example_standards()
    plan = InspectionPlan.objects.create(name="每周拉网巡查", standard=Standard.objects.get(code=CODE))
    plan.departments.set([scenario.ward])
    plan.inspectors.set([scenario.inspector])
    return plan


def ward_total(scenario) -> Decimal:
    today = hospital_today()
    key = f"{today.year}-{today.month:02d}"
    period_compute(standard_code=CODE, period_key=key, by=scenario.office)
    return Result.objects.get(period__standard__code=CODE, period__key=key, subject_code="D0101").total


def record_round(page, scenario, plan, tmp_path) -> InspectionRound:
    photo = tmp_path / "IMG_0042.jpg"
    photo.write_bytes(jpeg_with_gps())
    log_in(page, "inspector")
    page.goto(f"{page.base_url}/inspections/")
    page.get_by_test_id(f"start-{plan.pk}-D0101").click()
    page.wait_for_url("**/inspections/rounds/new/?plan=*")
    c1 = page.get_by_test_id("finding-C1")
    plus = c1.locator(".wm-step button").last
    plus.click()
    plus.click()
    c1.locator("textarea[name=f-C1-note]").fill(C1_NOTE)
    e1 = page.get_by_test_id("finding-E1")
    e1.locator(".wm-step button").last.click()
    e1.locator("textarea[name=f-E1-note]").fill(E1_NOTE)
    e1.locator("input[name=f-E1-photos]").set_input_files(str(photo))
    e1.locator(".wm-photos").wait_for()
    shot(page, "patrol-1-round")
    with page.expect_navigation(url="**/done/"):
        page.get_by_test_id("submit-round").click()
    shot(page, "patrol-2-done")
    return InspectionRound.objects.get()


def test_round_appeal_rectification_and_the_month_score(page, scenario, plan, tmp_path):
    page.set_viewport_size(PHONE)
    inspection_round = record_round(page, scenario, plan, tmp_path)
    c1 = inspection_round.findings.get(code="C1")
    e1 = inspection_round.findings.get(code="E1")
    assert (c1.count, e1.count, e1.photos.count()) == (2, 1, 1)
    before = ward_total(scenario)  # C1 2 × 3 and E1 1 × 1 deducted

    # The head is told, opens the round from the notification and appeals C1.
    switch_user(page, "head_cardio")
    page.goto(f"{page.base_url}/notifications/")
    assert "心内一病区" in page.locator("main").inner_text()
    page.get_by_test_id("notification-open").first.click()
    page.wait_for_url(re.compile(rf"/inspections/rounds/{inspection_round.pk}/(#.*)?$"))
    assert page.get_by_test_id(f"finding-{e1.pk}").get_by_test_id("photos").locator("img").count() == 1
    page.get_by_test_id(f"finding-{c1.pk}").get_by_test_id("appeal-link").click()
    form = page.get_by_test_id("appeal-form")
    form.locator("textarea").fill("当班护士已向家属解释检查流程，家属误解，申请撤销扣分。")
    shot(page, "patrol-3-appeal")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/inspections/rounds/{inspection_round.pk}/(#.*)?$"))
    c1.record.refresh_from_db()
    assert c1.record.status == RecordStatus.PENDING  # does not count while appealed
    assert ward_total(scenario) == before + 6

    # …and opens a rectification item from E1, starts it and submits the fix with a photo.
    page.get_by_test_id(f"finding-{e1.pk}").get_by_test_id("item-new").click()
    page.wait_for_url("**/rectification/new/?finding=*")
    item_form = page.get_by_test_id("item-form")
    assert E1_NOTE in item_form.locator("textarea").first.input_value()
    item_form.locator("button[type=submit]").click()
    page.wait_for_url("**/rectification/*/")
    item = RectificationItem.objects.get()
    assert (item.finding_id, item.department, item.state) == (e1.record_id, scenario.ward, ItemState.LISTED)
    page.get_by_test_id("start-form").locator("button[type=submit]").click()
    submit = page.get_by_test_id("submit-form")
    submit.wait_for()
    submit.locator("textarea").fill("已清理积水，安排专人每日两次巡查地面。")
    submit.locator("input[type=file]").set_input_files(str(tmp_path / "IMG_0042.jpg"))
    submit.locator("button[type=submit]").click()
    page.get_by_test_id("state").filter(has_text="待验收").wait_for()
    assert page.get_by_test_id("own-fix").is_visible()  # the head may not verify their own fix
    shot(page, "patrol-4-fix-submitted")

    # Someone else verifies and closes it out.
    switch_user(page, "inspector")
    page.goto(f"{page.base_url}/rectification/{item.pk}/")
    verify = page.get_by_test_id("verify-form")
    verify.locator("textarea").fill("复查合格")
    verify.locator("button[value=pass]").click()
    page.get_by_test_id("state").filter(has_text="已销号").wait_for()
    shot(page, "patrol-5-closed")
    item.refresh_from_db()
    assert item.state == ItemState.CLOSED and item.closed_by == scenario.inspector

    # The leadership accepts the appeal: C1 is voided and the ward keeps the 6 points.
    switch_user(page, "leader")
    page.goto(f"{page.base_url}/inspections/appeals/")
    appeal = Appeal.objects.get()
    page.goto(f"{page.base_url}/inspections/appeals/{appeal.pk}/decide/")
    decide = page.get_by_test_id("decide-form")
    decide.locator("input[value=void]").check()
    decide.locator("textarea").fill("经调阅监控，护士已按规定解释，撤销该扣分。")
    decide.locator("button[type=submit]").click()
    page.wait_for_load_state()
    appeal.refresh_from_db()
    assert appeal.state == AppealState.VOIDED
    assert Record.objects.get(pk=c1.record_id).status == RecordStatus.VOIDED
    after = ward_total(scenario)
    assert after == before + 6

    # The head's scorecard for the month shows E1 and no longer C1.
    switch_user(page, "head_cardio")
    today = hospital_today()
    page.goto(f"{page.base_url}/scoring/{CODE}/{today.year}-{today.month:02d}/s/D0101/")
    text = page.locator("main").inner_text()
    assert "E 环境卫生与安全: −1.00" in text  # lost points: only E1 (1 × 1.00)
    assert "C 医德医风与行风建设\n25.00 / 25.00" in text  # C1 no longer deducted…
    assert "不计入：已作废: 经调阅监控" in text  # …and listed apart with the leadership's reason
    shot(page, "patrol-6-scorecard")
