"""Pay linkage: coefficients (both methods, half-up rounding, the veto coefficient), the pay rule
(service and page: validation, conflicts, audit), the XLSX for the finance office and who may see it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from fractions import Fraction
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from wenming.core.models import AuditEntry
from wenming.org.models import Department, Staff, StaffStatus
from wenming.scoring.models import PayMethod, PayRule, Record, ScoringPeriod
from wenming.scoring.pay import (
    DEFAULT_SPEC,
    MissingGradeError,
    PaySpec,
    describe_spec,
    pay_coefficient,
    round_places,
)
from wenming.scoring.selectors.publishing import pay_rows
from wenming.scoring.services import (
    PayRuleConflictError,
    ScoringError,
    pay_rule_save,
    period_compute,
    period_finalize,
)
from wenming.scoring.tests.helpers import SAMPLE, load_month, run
from wenming.standards.models import Standard

STD = "WMKS-M-2026"
D = Decimal
GRADES = {"优秀": D("1.10"), "良好": D("1.00"), "合格": D("0.90"), "不合格": D("0.80")}
# The worked sample of October, in rank order (shared/data/sample/expected-…-2026-10.json).
RANK_ORDER = ["D07", "D04", "D08", "D01", "D06", "D0101", "D03", "D02", "D05", "D09"]


def coefficient(total, grade="良好", *, vetoed=False, full_score="100", **spec) -> Decimal:
    return pay_coefficient(total=D(total), grade=grade, vetoed=vetoed, full_score=D(full_score), spec=PaySpec(**spec))


# --- coefficients (pure) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "full_score", "places", "expected"),
    [
        ("89.39", "100", 4, "0.8939"),
        ("89.39", "100", 2, "0.89"),
        ("89.50", "100", 0, "1"),
        ("95.45", "100", 3, "0.955"),  # a tie: half-up gives 0.955 where half-even would give 0.954
        ("100.38", "120", 3, "0.837"),  # 0.8365 exactly: half-up
        ("2", "3", 4, "0.6667"),  # 2/3 is exact as a fraction until the end
        ("102.00", "100", 4, "1.0200"),  # bonus points take it above 1
        ("0", "100", 4, "0.0000"),
    ],
)
def test_ratio_is_total_over_full_score_rounded_half_up(total, full_score, places, expected):
    value = coefficient(total, full_score=full_score, places=places)
    assert value == D(expected) and str(value) == expected


def test_round_places_is_exact_and_rounds_halves_away_from_zero():
    assert round_places(Fraction(1, 8), 2) == D("0.13")
    assert round_places(D("-0.125"), 2) == D("-0.13")
    assert str(round_places(D("0.00004"), 4)) == "0.0000"
    assert str(round_places(D("2.5"), 0)) == "3"


def test_grade_table_uses_the_grade_coefficient():
    spec = {"method": PayMethod.GRADE_TABLE, "grade_coefficients": GRADES, "places": 2}
    assert coefficient("97.00", "良好", **spec) == D("1.00")
    assert coefficient("99.00", "优秀", **spec) == D("1.10")
    assert str(coefficient("99.00", "优秀", **{**spec, "places": 4})) == "1.1000"
    with pytest.raises(MissingGradeError) as error:
        coefficient("60", "待定", **spec)
    assert error.value.grade == "待定"


def test_a_vetoed_result_gets_the_veto_coefficient_when_set():
    assert coefficient("100.00", "不合格", vetoed=True, veto_coefficient=D("0.8")) == D("0.8000")
    table = {"method": PayMethod.GRADE_TABLE, "grade_coefficients": GRADES}
    assert coefficient("100.00", "不合格", vetoed=True, veto_coefficient=D("0.5"), **table) == D("0.5000")
    # Without one, a vetoed result is computed like the others (ratio: its total; table: its grade).
    assert coefficient("100.00", "不合格", vetoed=True) == D("1.0000")
    assert coefficient("100.00", "不合格", vetoed=True, **table) == D("0.8000")
    # The veto coefficient is not applied to results that are not vetoed.
    assert coefficient("90.00", veto_coefficient=D("0.5")) == D("0.9000")


def test_the_rule_in_words():
    lines = describe_spec(DEFAULT_SPEC, full_score=D(100))
    assert lines[0].startswith("绩效系数 = 总分 ÷ 满分（100分）")
    assert "保留4位小数，四舍五入" in "".join(lines) and "默认规则" in lines[-1]
    spec = PaySpec(method=PayMethod.GRADE_TABLE, grade_coefficients=GRADES, veto_coefficient=D("0.8"), places=2)
    text = "".join(describe_spec(spec, full_score=D(100), grades=list(GRADES)))
    assert "优秀 1.10，良好 1.00，合格 0.90，不合格 0.80" in text and "一律为 0.80" in text


# --- the database ------------------------------------------------------------------------------


def load_sample_org() -> None:
    """The sample organisation and month standard over the standing scenario. The org import marks
    the scenario's people (not in the sample's staff file) as left and locks their accounts; they
    are brought back so that the scenario's logins work."""
    load_month()
    Staff.objects.update(status=StaffStatus.ACTIVE)
    get_user_model().objects.update(is_active=True)


def publish_sample(*, finalize_october: bool = True) -> tuple[ScoringPeriod, ScoringPeriod]:
    """The worked sample over the standing scenario: September computed and finalized (no
    records), October computed (and finalized unless told otherwise)."""
    load_sample_org()
    run("import_records", str(SAMPLE / "records.jsonl"))
    period_compute(standard_code=STD, period_key="2026-09")
    september = period_finalize(standard_code=STD, period_key="2026-09", reason="九月无领导小组打分")
    period_compute(standard_code=STD, period_key="2026-10")
    if finalize_october:
        period_finalize(standard_code=STD, period_key="2026-10", reason="个别科室未打分")
    october = ScoringPeriod.objects.select_related("standard", "version").get(standard__code=STD, key="2026-10")
    return september, october


def correction(period: ScoringPeriod, department: str, value: str, reason: str, day=dt.date(2026, 10, 20), code="B"):
    return Record.objects.create(
        kind="correction",
        corrects=period,
        value=D(value),
        reason=reason,
        date=day,
        department=Department.objects.get(code=department),
        standard=period.standard,
        code=code,
        status="counts",
    )


def workbook(response):
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    return book


def table_rows(sheet) -> tuple[list, list[list]]:
    """The header row (the one starting with 名次) and the data rows under it."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == "名次")
    return rows[start], [r for r in rows[start + 1 :] if any(v is not None for v in r)]


@pytest.mark.django_db
def test_xlsx_has_the_header_block_rows_in_rank_order_numbers_and_corrections(scenario, client_for):
    september, _ = publish_sample()
    correction(september, "D03", "1.50", "复核后撤销B1扣分")
    correction(september, "D03", "-0.50", "补扣未亮牌", code="D1a")
    correction(september, "D05", "2.00", "申诉成立")
    correction(september, "D05", "9.00", "九月内的更正，已在十月通报前发布", day=dt.date(2026, 9, 30))
    voided = correction(september, "D01", "3.00", "作废的更正")
    Record.objects.filter(pk=voided.pk).update(status="voided")

    response = client_for(scenario.office).get(f"/scoring/{STD}/2026-10/pay.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "filename*=UTF-8''" + quote("2026年10月绩效挂钩系数（WMKS-M-2026）.xlsx") in response["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == ["绩效系数", "挂钩规则"]
    sheet = book["绩效系数"]
    head = "\n".join(str(c) for row in sheet.iter_rows(max_row=7, values_only=True) for c in row if c)
    assert "测试人民医院" in head and "文明科室月度考核细则（2026年版）" in head and "2026年10月" in head
    assert "已定稿" in head and "绩效系数 = 总分 ÷ 满分（100分）" in head and "生成时间" in head
    header, rows = table_rows(sheet)
    assert header == [
        "名次",
        "科室编码",
        "科室名称",
        "类别",
        "总分",
        "等次",
        "一票否决",
        "绩效系数",
        "更正分值",
        "更正说明",
    ]
    assert [r[1] for r in rows] == RANK_ORDER
    by_code = {r[1]: r for r in rows}
    assert by_code["D02"][4] == pytest.approx(89.39) and by_code["D02"][7] == pytest.approx(0.8939)
    assert isinstance(by_code["D02"][4], float) and isinstance(by_code["D02"][0], int)
    assert by_code["D07"][2:4] == ["药剂科", "医技"]
    assert by_code["D09"][5:7] == ["不合格", "是"] and by_code["D09"][7] == pytest.approx(1.0)
    # Corrections recorded in October for September, summed with their reasons; others not.
    assert by_code["D03"][8] == pytest.approx(1.0)
    assert "2026年9月 B 思想道德与学习 +1.50：复核后撤销B1扣分" in by_code["D03"][9]
    assert "D1a 未佩戴工作牌（每人次） -0.50：补扣未亮牌" in by_code["D03"][9]
    assert by_code["D05"][8] == pytest.approx(2.0) and "九月内" not in by_code["D05"][9]
    assert by_code["D01"][8] is None and by_code["D01"][9] is None
    # Formats: totals with 2 decimals, coefficients with the rule's places.
    cells = {c.column_letter: c for c in next(r for r in sheet.iter_rows() if r[1].value == "D02")}
    assert cells["E"].number_format == "0.00" and cells["H"].number_format == "0.0000"
    rules = "\n".join(str(c) for row in book["挂钩规则"].iter_rows(values_only=True) for c in row if c)
    assert "保留4位小数" in rules and "更正" in rules


@pytest.mark.django_db
def test_xlsx_with_a_grade_table_and_veto_coefficient(scenario, client_for):
    _, october = publish_sample()
    pay_rule_save(
        standard=october.standard,
        method=PayMethod.GRADE_TABLE,
        grade_coefficients=GRADES,
        veto_coefficient=D("0.5"),
        places=2,
        by=scenario.office,
        version=0,
    )
    response = client_for(scenario.leader).get(f"/scoring/{STD}/2026-10/pay.xlsx")
    assert response.status_code == 200
    book = workbook(response)
    _, rows = table_rows(book["绩效系数"])
    coefficients = {r[1]: r[7] for r in rows}
    assert coefficients["D07"] == pytest.approx(1.10) and coefficients["D02"] == pytest.approx(1.00)
    assert coefficients["D09"] == pytest.approx(0.5)
    cell = next(r for r in book["绩效系数"].iter_rows() if r[1].value == "D07")[7]
    assert cell.number_format == "0.00"
    assert ("优秀", pytest.approx(1.1)) in [tuple(r[:2]) for r in book["挂钩规则"].iter_rows(values_only=True)]


@pytest.mark.django_db
def test_a_period_not_finalized_is_a_marked_preview(scenario, client_for):
    publish_sample(finalize_october=False)
    client = client_for(scenario.office)
    response = client.get(f"/scoring/{STD}/2026-10/pay.xlsx")
    assert response.status_code == 200
    head = [c for row in workbook(response)["绩效系数"].iter_rows(max_row=7, values_only=True) for c in row if c]
    assert "未定稿（仅供预览）" in head
    page = client.get(f"/scoring/{STD}/2026-10/pay/")
    assert page.status_code == 200
    assert 'data-testid="pay-state"' in page.content.decode() and not page.context["stored"].is_finalized


@pytest.mark.django_db
def test_a_grade_missing_from_the_table_leaves_the_coefficient_empty_with_a_warning(scenario, client_for):
    _, october = publish_sample()
    PayRule.objects.create(standard=october.standard, method=PayMethod.GRADE_TABLE, grade_coefficients={"优秀": "1.1"})
    client = client_for(scenario.office)
    page = client.get(f"/scoring/{STD}/2026-10/pay/")
    assert page.status_code == 200 and page.context["sheet"].missing_grades == ("良好", "不合格")
    assert 'data-testid="missing-grades"' in page.content.decode()
    _, rows = table_rows(workbook(client.get(f"/scoring/{STD}/2026-10/pay.xlsx"))["绩效系数"])
    coefficients = {r[1]: r[7] for r in rows}
    assert coefficients["D07"] == pytest.approx(1.1) and coefficients["D08"] is None


@pytest.mark.django_db
def test_a_correction_for_a_subject_without_a_result_comes_last(scenario, client_for):
    september, october = publish_sample()
    Department.objects.create(code="D10", name="新设科室", category="admin", path="D10/")
    correction(september, "D10", "-1.00", "补记扣分")
    rows, missing = pay_rows(scoring_period=october, spec=DEFAULT_SPEC)
    assert missing == [] and [r.code for r in rows] == [*RANK_ORDER, "D10"]
    last = rows[-1]
    assert (last.rank, last.total, last.coefficient, last.correction_value) == (None, None, None, D("-1.00"))
    assert last.category == "行政后勤"


def grow(october: ScoringPeriod, september: ScoringPeriod, n: int = 30) -> None:
    """Add ``n`` departments with findings, vetoes and corrections, then recompute October."""
    Department.objects.bulk_create(
        [Department(code=f"X{i:02d}", name=f"科室{i}", category="clinical", path=f"X{i:02d}/") for i in range(n)]
    )
    departments = list(Department.objects.filter(code__startswith="X"))
    records = []
    for i, dept in enumerate(departments):
        common = {"standard": october.standard, "department": dept, "status": "counts"}
        records.append(
            Record(kind="finding", code=["E1", "B1", "D3b"][i % 3], date=dt.date(2026, 10, 3), count=2, **common)
        )
        if i % 5 == 0:
            records.append(Record(kind="veto", code="V1", date=dt.date(2026, 10, 4), note="事故", **common))
        records.append(
            Record(
                kind="correction",
                corrects=september,
                value=D("0.50"),
                reason="更正",
                date=dt.date(2026, 10, 9),
                code="B",
                **common,
            )
        )
    Record.objects.bulk_create(records)
    period_compute(standard_code=STD, period_key="2026-10")


@pytest.mark.django_db
def test_pay_rows_query_count_does_not_grow(scenario):
    september, october = publish_sample(finalize_october=False)
    correction(september, "D03", "1.50", "复核")
    with CaptureQueriesContext(connection) as small:
        rows, _ = pay_rows(scoring_period=october, spec=DEFAULT_SPEC)
    assert len(rows) == 10
    grow(october, september)
    october = ScoringPeriod.objects.select_related("standard", "version").get(pk=october.pk)
    with CaptureQueriesContext(connection) as large:
        rows, _ = pay_rows(scoring_period=october, spec=DEFAULT_SPEC)
    assert len(rows) == 40
    assert len(small.captured_queries) == len(large.captured_queries) == 2  # results, corrections


@pytest.mark.django_db
def test_pay_page_shows_the_table_with_pinned_queries(scenario, client_for, django_assert_max_num_queries):
    september, october = publish_sample(finalize_october=False)
    correction(september, "D03", "1.50", "复核后撤销B1扣分")
    client = client_for(scenario.office)
    client.get(f"/scoring/{STD}/2026-10/pay/")  # warm the hospital cache
    with django_assert_max_num_queries(14):
        response = client.get(f"/scoring/{STD}/2026-10/pay/")
    assert response.status_code == 200
    body = response.content.decode()
    assert [r.code for r in response.context["sheet"].rows] == RANK_ORDER
    assert "0.8939" in body and "复核后撤销B1扣分" in body and f"/scoring/{STD}/2026-10/pay.xlsx" in body
    grow(october, september)
    with django_assert_max_num_queries(14):
        response = client.get(f"/scoring/{STD}/2026-10/pay/")
    assert len(response.context["sheet"].rows) == 40


# --- the pay rule: service -----------------------------------------------------------------------


@pytest.fixture
def standard(scenario):
    """The month standard, loaded after the standing scenario (whose departments the import updates)."""
    load_sample_org()
    return Standard.objects.get(code=STD)


def save(standard, by=None, **changes):
    arguments = {
        "method": PayMethod.GRADE_TABLE,
        "grade_coefficients": dict(GRADES),
        "veto_coefficient": None,
        "places": 4,
        "version": 0,
        **changes,
    }
    return pay_rule_save(standard=standard, by=by, **arguments)


def messages_of(error: ScoringError) -> str:
    return " ".join(str(m) for m in error.messages)


@pytest.mark.django_db
def test_saving_a_rule_stores_it_audits_and_bumps_the_version(standard, scenario):
    rule = save(standard, by=scenario.office, veto_coefficient=D("0.8"))
    assert (rule.version, rule.method, rule.places, rule.veto_coefficient) == (1, "grade_table", 4, D("0.8"))
    assert rule.grade_coefficients == {"优秀": "1.10", "良好": "1.00", "合格": "0.90", "不合格": "0.80"}
    assert rule.updated_by == scenario.office
    entry = AuditEntry.objects.get(action="scoring.pay_rule.saved")
    assert entry.target_repr == STD and entry.data["method"] == [None, "grade_table"]
    # Saving the same again changes nothing and leaves no entry.
    again = save(standard, by=scenario.office, veto_coefficient=D("0.80"), version=1)
    assert again.version == 1 and AuditEntry.objects.filter(action="scoring.pay_rule.saved").count() == 1
    changed = save(standard, by=scenario.office, method=PayMethod.RATIO, places=2, version=1)
    assert changed.version == 2
    assert AuditEntry.objects.filter(action="scoring.pay_rule.saved").first().data["places"] == [4, 2]


@pytest.mark.django_db
def test_a_grade_table_missing_a_grade_is_refused_at_save(standard):
    with translation.override("en"), pytest.raises(ScoringError) as error:
        save(standard, grade_coefficients={"优秀": "1.1", "良好": "1", "合格": ""})
    assert "needs a coefficient for every grade; 合格、不合格 has none" in messages_of(error.value)
    assert "grade_coefficients" in error.value.message_dict
    assert not PayRule.objects.exists()
    # With the ratio method the grades are optional.
    assert save(standard, method=PayMethod.RATIO, grade_coefficients={}).grade_coefficients == {}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"grade_coefficients": {**GRADES, "良好": "10.5"}}, "grade_coefficients", "良好 must be numbers from 0 to 10"),
        ({"grade_coefficients": {**GRADES, "良好": "-1"}}, "grade_coefficients", "from 0 to 10"),
        ({"grade_coefficients": {**GRADES, "良好": "1.00001"}}, "grade_coefficients", "at most 4 decimals"),
        ({"grade_coefficients": {**GRADES, "良好": "abc"}}, "grade_coefficients", "from 0 to 10"),
        ({"grade_coefficients": {**GRADES, "特等": "2"}}, "grade_coefficients", "no grade named 特等"),
        ({"veto_coefficient": "11"}, "veto_coefficient", "when vetoed must be a number"),
        ({"places": 5}, "places", "from 0 to 4"),
        ({"method": "bonus"}, "method", "how the coefficient is computed"),
    ],
)
@pytest.mark.django_db
def test_bad_rules_are_refused_with_a_clear_message(standard, changes, field, words):
    with translation.override("en"), pytest.raises(ScoringError) as error:
        save(standard, **changes)
    assert field in error.value.message_dict and words in messages_of(error.value)
    assert not PayRule.objects.exists()


@pytest.mark.django_db
def test_a_stale_version_is_refused(standard, scenario):
    save(standard, by=scenario.office)
    with pytest.raises(PayRuleConflictError):
        save(standard, method=PayMethod.RATIO, version=0)
    with pytest.raises(PayRuleConflictError):
        save(standard, method=PayMethod.RATIO, version=2)
    assert PayRule.objects.get().method == PayMethod.GRADE_TABLE
    assert save(standard, method=PayMethod.RATIO, version=None).version == 2  # commands skip the check


# --- the pay rule: page --------------------------------------------------------------------------


def form_data(**changes) -> dict:
    data = {
        "method": "grade_table",
        "grade_0": "1.1",
        "grade_1": "1",
        "grade_2": "0.9",
        "grade_3": "0.8",
        "veto_coefficient": "",
        "places": "2",
        "version": "0",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_the_office_sees_the_default_and_saves_a_rule(standard, scenario, client_for, django_assert_max_num_queries):
    client = client_for(scenario.office)
    client.get(f"/scoring/{STD}/pay-rule/")
    with django_assert_max_num_queries(11):
        response = client.get(f"/scoring/{STD}/pay-rule/")
    assert response.status_code == 200 and response.context["is_default"]
    form = response.context["form"]
    assert form["method"].value() == "ratio" and form["places"].value() == 4 and form["version"].value() == 0
    assert [f.label for f in form.grade_fields()] == ["优秀", "良好", "合格", "不合格"]
    response = client.post(f"/scoring/{STD}/pay-rule/", form_data(veto_coefficient="0.8"))
    assert response.status_code == 302 and response["Location"] == f"/scoring/{STD}/pay-rule/"
    rule = PayRule.objects.get()
    assert rule.method == "grade_table" and rule.grade_coefficients["优秀"] == "1.1" and rule.places == 2
    assert rule.veto_coefficient == D("0.8") and rule.updated_by == scenario.office
    assert AuditEntry.objects.filter(action="scoring.pay_rule.saved", actor=scenario.office).count() == 1
    page = client.get(f"/scoring/{STD}/pay-rule/")
    assert page.context["form"]["version"].value() == 1 and page.context["form"]["grade_0"].value() == D("1.1")


@pytest.mark.django_db
def test_the_form_keeps_what_was_typed_on_errors(standard, scenario, client_for):
    client = client_for(scenario.office)
    response = client.post(
        f"/scoring/{STD}/pay-rule/", form_data(grade_1="", grade_2="12", veto_coefficient="0.75", places="7")
    )
    assert response.status_code == 200 and not PayRule.objects.exists()
    form = response.context["form"]
    assert set(form.errors) >= {"grade_1", "grade_2", "places"}
    body = response.content.decode()
    assert 'value="0.75"' in body and 'value="1.1"' in body and 'value="12"' in body
    # A ratio rule does not need the grade coefficients.
    response = client.post(f"/scoring/{STD}/pay-rule/", form_data(method="ratio", grade_0="", grade_1="", places="3"))
    assert response.status_code == 302 and PayRule.objects.get().places == 3


@pytest.mark.django_db
def test_a_conflict_keeps_the_input_shows_the_stored_rule_and_a_second_save_wins(standard, scenario, client_for):
    client = client_for(scenario.office)
    client.get(f"/scoring/{STD}/pay-rule/")  # the office opens the form (version 0)
    save(standard, by=scenario.sysadmin, method=PayMethod.RATIO, places=3)  # someone saves first
    response = client.post(f"/scoring/{STD}/pay-rule/", form_data(grade_0="1.25"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.conflict_lines and any("保留3位小数" in line for line in form.conflict_lines)
    assert form.non_field_errors() and form["version"].value() == "1" and form["grade_0"].value() == "1.25"
    assert 'data-testid="conflict"' in response.content.decode()
    assert PayRule.objects.get().method == "ratio"
    response = client.post(f"/scoring/{STD}/pay-rule/", form_data(grade_0="1.25", version="1"))
    assert response.status_code == 302
    assert PayRule.objects.get().grade_coefficients["优秀"] == "1.25"


@pytest.mark.django_db
def test_the_leader_reads_the_rule_but_cannot_change_it(standard, scenario, client_for):
    save(standard, by=scenario.office, veto_coefficient=D("10.0000"))
    client = client_for(scenario.leader)
    response = client.get(f"/scoring/{STD}/pay-rule/")
    assert response.status_code == 200 and not response.context["can_edit"]
    body = response.content.decode()
    assert response.context["veto_text"] == "10" and "1E+1" not in body
    assert "优秀 1.1000，良好 1.0000" in body  # the rule in words, as finance reads it
    assert 'data-testid="read-only"' in body and 'data-testid="pay-rule-form"' not in body
    assert client.post(f"/scoring/{STD}/pay-rule/", form_data(version="1")).status_code == 403
    assert PayRule.objects.get().version == 1


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_who_may_see_pay_linkage(scenario, client_for, client):
    publish_sample()
    urls = [f"/scoring/{STD}/2026-10/pay.xlsx", f"/scoring/{STD}/2026-10/pay/", f"/scoring/{STD}/pay-rule/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    for user in (scenario.head_cardio, scenario.employee):
        logged_in = client_for(user)
        for url in urls:
            assert logged_in.get(url).status_code == 403, url
        assert logged_in.post(f"/scoring/{STD}/pay-rule/", form_data()).status_code == 403
    for user in (scenario.leader, scenario.inspector, scenario.office, scenario.sysadmin):
        logged_in = client_for(user)
        for url in urls:
            assert logged_in.get(url).status_code == 200, (user, url)
    office = client_for(scenario.office)
    assert office.get("/scoring/NOPE/2026-10/pay.xlsx").status_code == 404
    assert office.get("/scoring/NOPE/2026-10/pay/").status_code == 404
    assert office.get("/scoring/NOPE/pay-rule/").status_code == 404
    assert office.get(f"/scoring/{STD}/2026-Q4/pay.xlsx").status_code == 404  # not a month
    assert office.get(f"/scoring/{STD}/2026-12/pay.xlsx").status_code == 404  # not computed
    assert office.get(f"/scoring/{STD}/2026-12/pay/").status_code == 404
