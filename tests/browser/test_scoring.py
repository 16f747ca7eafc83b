"""A month from standard to bulletin through the pages: the civility office uploads a standard,
enters the manual scores and two findings, computes and finalizes last month; the head of 心血管内科
opens the department's scorecard and sees why points were lost (and not 骨科's); the office
downloads the bulletin and it opens as a Word document."""

import shutil
from datetime import timedelta
from pathlib import Path

import docx
import pytest

from wenming.org.selectors import hospital_today
from wenming.scoring.models import Record, RecordKind, ScoringPeriod
from wenming.scoring.periods import period_of
from wenming.standards.definition import Cycle
from wenming.standards.models import Standard

from .conftest import log_in, shot, switch_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STANDARD_FILE = Path(__file__).resolve().parents[2] / "wenming" / "standards" / "examples" / "wmks-month.yaml"
CODE = "WMKS-M-2026"
# A2 (科室负责人履职评议, 9 points) for every department the standard scores.
MANUAL_A2 = {"D01": "8", "D0101": "9", "D02": "7.5", "D09": "8.5"}
COMPLAINT_NOTE = "3号病房患者投诉护士态度生硬，经核实属实"
BADGE_NOTE = "夜查房发现2人未佩戴工作牌"


@pytest.fixture
def last_month():
    """The month before the current one in the hospital's time zone: over, so it can be computed."""
    return period_of(hospital_today(), Cycle.MONTH).previous()


def upload_standard(page, tmp_path) -> None:
    path = tmp_path / "文明科室月度考核细则.yaml"
    shutil.copyfile(STANDARD_FILE, path)
    page.goto(f"{page.base_url}/standards/upload/")
    form = page.get_by_test_id("upload-form")
    form.locator("input[type=file]").set_input_files(str(path))
    form.locator("button[type=submit]").click()
    outcome = page.get_by_test_id("outcome")
    assert CODE in outcome.inner_text()
    assert "文明科室月度考核细则.yaml" in page.locator("main").inner_text()
    shot(page, "scoring-1-standard-preview")
    assert not Standard.objects.filter(code=CODE).exists()  # nothing stored before confirming
    page.get_by_test_id("confirm-form").locator("button[type=submit]").click()
    page.wait_for_url(f"{page.base_url}/standards/{CODE}/")
    assert Standard.objects.get(code=CODE).versions.count() == 1


def enter_manual_scores(page, key: str) -> None:
    page.goto(f"{page.base_url}/scoring/{CODE}/{key}/manual/")
    grid = page.get_by_test_id("manual-grid")
    rows = grid.locator("tbody tr[data-testid^=row-]")
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.testid)")) == sorted(
        f"row-{code}" for code in MANUAL_A2
    )
    for code, value in MANUAL_A2.items():
        page.get_by_test_id(f"cell-{code}-A2").locator("input[type=number]").fill(value)
    shot(page, "scoring-2-manual-grid")
    page.get_by_test_id("grid-save").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("cell-D02-A2").locator("input[type=number]").input_value() == "7.50"
    assert Record.objects.filter(kind=RecordKind.MANUAL, period_key=key).count() == len(MANUAL_A2)


def enter_finding(page, key: str, *, code: str, day, count: int, note: str, another: bool) -> None:
    form = page.get_by_test_id("record-form")
    form.locator("select[name=subject]").select_option("D01")
    form.locator("select[name=code]").select_option(code)
    form.locator("input[name=date]").fill(day.isoformat())
    form.locator("input[name=count]").fill(str(count))
    form.locator("textarea[name=note]").fill(note)
    form.locator("button[name=another]" if another else "button[type=submit]:not([name])").click()
    page.wait_for_load_state()
    # Saving leads back to an empty form (another) or to the period's records.
    target = f"/scoring/{CODE}/{key}/records/new/" if another else f"/scoring/{CODE}/{key}/records/"
    assert page.url.startswith(page.base_url + target), page.url


def test_a_month_from_standard_to_bulletin(page, scenario, tmp_path, last_month):
    key = last_month.key
    year, month = last_month.start.year, last_month.start.month
    chinese_month = f"{year}年{month}月"

    # The office uploads the standard, enters the manual scores and two findings for 心血管内科.
    log_in(page, "office")
    upload_standard(page, tmp_path)
    enter_manual_scores(page, key)

    page.goto(f"{page.base_url}/scoring/{CODE}/{key}/records/new/?kind=finding")
    enter_finding(
        page, key, code="C1", day=last_month.start + timedelta(days=4), count=1, note=COMPLAINT_NOTE, another=True
    )
    enter_finding(
        page, key, code="D1a", day=last_month.start + timedelta(days=11), count=2, note=BADGE_NOTE, another=False
    )
    shot(page, "scoring-3-records")
    assert COMPLAINT_NOTE in page.locator("main").inner_text()
    assert Record.objects.filter(kind=RecordKind.FINDING, department__code="D01").count() == 2

    # Compute (the page polls the run's progress until the dashboard comes back), then finalize.
    page.goto(f"{page.base_url}/scoring/{CODE}/{key}/")
    assert page.get_by_test_id("period-not-computed").is_visible()
    page.get_by_test_id("compute-button").click()
    page.get_by_test_id("grade-table").wait_for(timeout=30_000)
    assert page.get_by_test_id("stat-subjects").inner_text() == str(len(MANUAL_A2))
    assert page.get_by_test_id("stat-pending").inner_text() == "0"
    assert page.get_by_test_id("no-pending").is_visible()
    shot(page, "scoring-4-computed")

    page.get_by_test_id("finalize").locator("summary").click()
    finalize_form = page.get_by_test_id("finalize-form")
    finalize_form.locator("textarea[name=reason]").fill("本月考核结果已经领导小组审定。")
    finalize_form.locator("input[name=confirm]").check()
    page.get_by_test_id("finalize-button").click()
    page.get_by_test_id("period-finalized").wait_for()
    shot(page, "scoring-5-finalized")
    assert ScoringPeriod.objects.get(standard__code=CODE, key=key).is_finalized

    # The head of 心血管内科 finds the department's scorecard and sees why it lost points.
    switch_user(page, "head_cardio")
    page.goto(f"{page.base_url}/scoring/mine/")
    row = page.locator("[data-testid=mine-row][data-subject=D01]")
    assert "95.00" in row.inner_text()
    shot(page, "scoring-6-mine")
    row.get_by_role("link").click()
    page.wait_for_url(f"{page.base_url}/scoring/{CODE}/{key}/s/D01/")
    assert page.get_by_test_id("total").inner_text() == "95.00"
    assert page.get_by_test_id("finalized").is_visible()
    losses = page.get_by_test_id("losses").inner_text()
    assert "C 医德医风与行风建设" in losses and "−3.00" in losses
    assert "A2 科室负责人履职评议（领导小组打分）" in losses and "−1.00" in losses
    complaint = page.locator("[data-testid=item][data-item=C]")
    group = complaint.locator("[data-testid=deduction-group][data-code=C1]").inner_text()
    assert "服务态度生硬被投诉并查实（每起）" in group
    assert "1 × 3.00 = 3.00" in group
    assert COMPLAINT_NOTE in complaint.get_by_test_id("records-finding").inner_text()
    assert complaint.get_by_test_id("item-lost").inner_text() == "−3.00"
    badges = page.locator("[data-testid=item][data-item=D1]")
    assert "2 × 0.50 = 1.00" in badges.get_by_test_id("records-finding").inner_text()
    assert BADGE_NOTE in badges.inner_text()
    complaint.scroll_into_view_if_needed()
    shot(page, "scoring-7-scorecard")

    # …but not 骨科's.
    response = page.goto(f"{page.base_url}/scoring/{CODE}/{key}/s/D02/")
    assert response.status == 404
    assert "骨科" not in page.locator("body").inner_text()

    # The office downloads the bulletin; it opens as a Word document with the month and the ranking.
    switch_user(page, "office")
    page.goto(f"{page.base_url}/scoring/{CODE}/{key}/bulletin/")
    assert chinese_month in page.get_by_test_id("bulletin-title").inner_text()
    assert "心血管内科" in page.get_by_test_id("bulletin-ranking").inner_text()
    shot(page, "scoring-8-bulletin")
    with page.expect_download() as download_info:
        page.get_by_test_id("bulletin-download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    assert chinese_month in download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    document = docx.Document(str(saved))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert any(text.startswith(f"关于{chinese_month}") and text.endswith("结果的通报") for text in texts), texts[:8]
    ranking = next(table for table in document.tables if table.rows[0].cells[0].text == "名次")
    names = [row.cells[1].text for row in ranking.rows[1:]]
    assert "心血管内科" in names
    assert "骨科" in names
    cardio = ranking.rows[1 + names.index("心血管内科")]
    assert cardio.cells[2].text == "95.00"
