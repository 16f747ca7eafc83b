"""The ranking page and its XLSX: who may see it, the rows (vetoed last, change, sparkline, flags),
the category filter, the spreadsheet, a period not computed, staff standards and query counts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from wenming.org.models import Department, Role, RoleAssignment
from wenming.org.tests.factories import UserFactory
from wenming.scoring.models import Record, RecordKind, Result
from wenming.scoring.selectors.common import sparkline
from wenming.scoring.services import period_compute
from wenming.scoring.tests.helpers import MONTH, SAMPLE, load_month, run
from wenming.standards.models import Standard

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """Pages asked for in English (the language middleware follows the request, not
    ``translation.override``); the tests that read words wrap them in ``translation.override("en")``."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


STD = "WMKS-M-2026"
STAFF_STANDARD = """\
code: YDKP-M-2026
name: 职工医德月度考评
subject: staff
cycle: month
full_score: 10
grades: [{name: 优秀, min: 9}, {name: 合格, min: 6}, {name: 不合格, min: 0}]
veto_grade: 不合格
items:
  - code: M
    name: 医德表现
    points: 10
    rule: deduct
    deductions: [{code: M1, name: 服务态度生硬, points: 1}]
"""


def ranking_url(key: str = "2026-10", code: str = STD) -> str:
    return reverse("scoring:ranking", args=[code, key])


def office_user():
    user = UserFactory(username="office-sample")
    RoleAssignment.objects.get_or_create(user=user, role=Role.OFFICE)
    return user


# The set-ups below are shared with test_scorecard.py (which wraps them in fixtures of its own).


def load_sample() -> None:
    """The worked sample computed for 2026-10 (and 2026-09, with no records, for the change)."""
    load_month()
    run("import_records", str(SAMPLE / "records.jsonl"))
    period_compute(standard_code=STD, period_key="2026-09")
    period_compute(standard_code=STD, period_key="2026-10")


def score_scenario(scenario):
    """The standing scenario with the month standard computed for 2026-10."""
    run("import_standard", str(MONTH))
    standard = Standard.objects.get(code=STD)
    Record.objects.create(
        kind=RecordKind.FINDING, standard=standard, department=scenario.ortho, code="C1", date=dt.date(2026, 10, 5)
    )
    period_compute(standard_code=STD, period_key="2026-10")
    return scenario


def score_staff(scenario, folder: Path):
    """The scenario scored by a staff standard too: 郑爽 (E0102) lost 2 points in 2026-10."""
    path = folder / "staff.yaml"
    path.write_text(STAFF_STANDARD, encoding="utf-8")
    run("import_standard", str(path))
    standard = Standard.objects.get(code="YDKP-M-2026")
    Record.objects.create(
        kind=RecordKind.FINDING,
        standard=standard,
        staff=scenario.employee_staff,
        code="M1",
        count=2,
        date=dt.date(2026, 10, 9),
    )
    period_compute(standard_code="YDKP-M-2026", period_key="2026-10")
    return scenario


@pytest.fixture
def sample():
    load_sample()


@pytest.fixture
def scored(scenario):
    return score_scenario(scenario)


@pytest.fixture
def staff_scored(scored, tmp_path: Path):
    return score_staff(scored, tmp_path)


def rows_of(response) -> list:
    return response.context["ranking"].rows


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "leader", "inspector", "sysadmin"])
def test_whole_hospital_roles_see_the_ranking(scored, client_for, who):
    response = client_for(getattr(scored, who)).get(ranking_url())
    assert response.status_code == 200
    assert {row.code for row in rows_of(response)} == {"D01", "D0101", "D02", "D09"}


@pytest.mark.parametrize("who", ["head_cardio", "head_ortho", "employee"])
def test_heads_and_employees_may_not_see_the_ranking(scored, client_for, who):
    client = client_for(getattr(scored, who))
    assert client.get(ranking_url()).status_code == 403
    assert client.get(reverse("scoring:ranking_xlsx", args=[STD, "2026-10"])).status_code == 403


def test_anonymous_goes_to_the_login_page(scored, client):
    response = client.get(ranking_url())
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_unknown_standard_and_wrong_keys_are_404(scored, client_for):
    client = client_for(scored.office)
    assert client.get(ranking_url(code="NOPE")).status_code == 404
    assert client.get(ranking_url(key="2026-Q4")).status_code == 404
    assert client.get(ranking_url(key="2026-13")).status_code == 404


def test_a_period_not_computed_gets_a_friendly_page(scored, client_for):
    with translation.override("en"):
        response = client_for(scored.office).get(ranking_url(key="2026-11"))
    assert response.status_code == 200
    assert b'data-testid="not-computed"' in response.content
    assert b"have not been computed yet" in response.content
    period_url = reverse("scoring:period", args=[STD, "2026-11"])
    assert f'href="{period_url}"'.encode() in response.content
    assert client_for(scored.office).get(reverse("scoring:ranking_xlsx", args=[STD, "2026-11"])).status_code == 404


# --- the rows -----------------------------------------------------------------------------


def test_rows_follow_the_stored_ranks_with_vetoed_results_last(sample, client_for):
    response = client_for(office_user()).get(ranking_url())
    rows = rows_of(response)
    stored = list(Result.objects.filter(period__key="2026-10").order_by("vetoed", "rank", "subject_code"))
    assert [row.code for row in rows] == [r.subject_code for r in stored]
    assert rows[-1].code == "D09" and rows[-1].result.vetoed  # 100.00, yet last
    assert rows[-1].veto_reasons == ["V3 发生严重损害医院形象的负面舆情事件"]
    assert [row.result.rank for row in rows] == [1, 2, 3, 4, 4, 6, 7, 8, 9, 10]
    content = response.content.decode()
    assert content.count('data-testid="vetoed"') == 1
    assert "发生严重损害医院形象的负面舆情事件" in content
    d03 = reverse("scoring:scorecard", args=[STD, "2026-10", "D03"])
    assert f'href="{d03}"' in content


def test_change_against_the_previous_period(sample, client_for):
    rows = {row.code: row for row in rows_of(client_for(office_user()).get(ranking_url()))}
    september = dict(Result.objects.filter(period__key="2026-09").values_list("subject_code", "total"))
    october = dict(Result.objects.filter(period__key="2026-10").values_list("subject_code", "total"))
    for code, row in rows.items():
        assert row.change == october[code] - september[code]
    assert september["D01"] == Decimal("91.00")  # no manual score in September: A2 is 0 and pending
    assert rows["D01"].change_text == "▲ 7.00"
    assert rows["D05"].change_text == "▼ 5.50"  # 85.50 − 91.00
    # The first computed period has nothing to compare with.
    first = {row.code: row for row in rows_of(client_for(office_user()).get(ranking_url("2026-09")))}
    assert first["D01"].change is None and first["D01"].change_text == "—"


def test_sparklines_cover_the_last_twelve_periods(sample, client_for):
    rows = {row.code: row for row in rows_of(client_for(office_user()).get(ranking_url()))}
    spark = rows["D01"].spark
    assert spark.path.startswith("M") and spark.path.count("L") == 1  # September to October
    assert "98.00" in spark.title and "91.00" in spark.title
    with translation.override("en"):
        content = client_for(office_user()).get(ranking_url()).content.decode()
    assert content.count('data-testid="sparkline"') == 10


def test_sparkline_breaks_at_missing_periods_and_flattens_equal_values():
    values = [("a", Decimal("90")), ("b", None), ("c", Decimal("80")), ("d", Decimal("100"))]
    spark = sparkline(values)
    assert spark.path.count("M") == 1 and spark.path.count("L") == 1  # c–d; a stands alone
    assert len(spark.dots) == 2  # the lone a and the last point d
    flat = sparkline([("a", Decimal("5")), ("b", Decimal("5"))])
    assert flat.path.endswith(f" {flat.height / 2:.1f}")
    low = sparkline([("a", Decimal("0")), ("b", Decimal("0"))], (Decimal("0"), Decimal("100")))
    high = sparkline([("a", Decimal("100")), ("b", Decimal("100"))], (Decimal("0"), Decimal("100")))
    assert float(low.dots[-1][1]) > float(high.dots[-1][1])  # one scale for the page: 0 is drawn lower
    assert sparkline([("a", None)]) is None


def test_flags_and_summary(sample, client_for):
    with translation.override("en"):
        response = client_for(office_user()).get(ranking_url())
    rows = {row.code: row for row in rows_of(response)}
    assert [flag.text for flag in rows["D08"].flags] == ["Insufficient sample: S", "Over the quota for 优秀"]
    assert rows["D03"].flags == []
    board = response.context["ranking"]
    assert board.average == Decimal("96.19")  # 961.89 / 10 = 96.189
    assert board.grade_counts[:2] == [("优秀", "text-bg-success", 2), ("良好", "text-bg-primary", 7)]
    assert board.vetoed_count == 1
    summary = response.content.decode().split('data-testid="ranking-summary"')[1].split("</p>")[0]
    assert "10 departments" in summary and "average 96.19" in summary


def test_september_shows_pending_flags(sample, client_for):
    with translation.override("en"):
        rows = rows_of(client_for(office_user()).get(ranking_url("2026-09")))
    assert all("Awaiting score: A2" in [flag.text for flag in row.flags] for row in rows)


# --- the category filter -------------------------------------------------------------------


def test_category_filter_keeps_the_stored_ranks(sample, client_for):
    client = client_for(office_user())
    response = client.get(ranking_url(), {"category": "medtech"})
    rows = rows_of(response)
    assert [row.code for row in rows] == ["D07", "D06"]
    assert [row.result.rank for row in rows] == [1, 4]
    assert response.context["ranking"].in_scope == 10
    assert b'data-testid="rank-note"' in response.content
    assert {row.code for row in rows_of(client.get(ranking_url(), {"category": "admin"}))} == {"D09"}
    everything = rows_of(client.get(ranking_url(), {"category": "nonsense"}))
    assert len(everything) == 10
    assert b'data-testid="rank-note"' not in client.get(ranking_url()).content


# --- the spreadsheet -----------------------------------------------------------------------


def workbook_rows(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_xlsx_has_the_page_rows_as_numbers(sample, client_for):
    client = client_for(office_user())
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"  # the office's workbook, in Chinese
    page = rows_of(client.get(ranking_url()))
    rows = workbook_rows(client.get(reverse("scoring:ranking_xlsx", args=[STD, "2026-10"])))
    header = rows[0]
    assert header[:5] == ("排名", "编码", "名称", "类别", "总分")
    assert "较上期" in header and header[-1] == "标记"
    assert "A1 有科室创建计划、有分工、有记录" in header
    assert len(rows) == 1 + len(page)
    total, change, item_a1 = (
        header.index("总分"),
        header.index("较上期"),
        header.index("A1 有科室创建计划、有分工、有记录"),
    )
    for line, row in zip(rows[1:], page, strict=True):
        assert line[0] == row.result.rank and line[1] == row.code and line[2] == row.name
        assert isinstance(line[total], float | int) and Decimal(str(line[total])) == row.result.total
        assert Decimal(str(line[change])) == row.change
        assert isinstance(line[item_a1], float | int)
    assert rows[-1][1] == "D09" and rows[-1][header.index("一票否决")] == "是"
    assert rows[1][3] == "医技"  # D07, category in the active language (Chinese)


def test_xlsx_applies_the_category_filter(sample, client_for):
    client = client_for(office_user())
    response = client.get(reverse("scoring:ranking_xlsx", args=[STD, "2026-10"]), {"category": "medtech"})
    assert [line[1] for line in workbook_rows(response)[1:]] == ["D07", "D06"]
    assert "medtech" in response["Content-Disposition"]


# --- staff standards -----------------------------------------------------------------------


def test_staff_standards_rank_people_and_filter_by_their_department_category(staff_scored, client_for):
    client = client_for(staff_scored.office)
    response = client.get(ranking_url(code="YDKP-M-2026"))
    rows = rows_of(response)
    assert response.context["ranking"].is_staff
    assert rows[-1].code == "E0102" and rows[-1].result.total == Decimal("8.00")
    assert rows[-1].department.code == "D0101"
    admin = rows_of(client.get(ranking_url(code="YDKP-M-2026"), {"category": "admin"}))
    assert {row.code for row in admin} == {"E9001", "E9002", "E9003"}  # the staff of 院办公室
    sheet = workbook_rows(client.get(reverse("scoring:ranking_xlsx", args=["YDKP-M-2026", "2026-10"])))
    assert sheet[0][:5] == ("排名", "编码", "名称", "科室", "类别")
    assert sheet[-1][1] == "E0102" and sheet[-1][3] == "心内一病区"


# --- query counts --------------------------------------------------------------------------

MONTHS = [f"2025-{m:02d}" for m in range(11, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]


def grow(total: int) -> None:
    """Add clinical/medtech departments up to ``total`` active ones, each with findings, a manual
    score and (for some) a veto in every one of the twelve months, and compute those months."""
    have = Department.objects.count()
    Department.objects.bulk_create(
        Department(
            code=f"Q{i:03d}",
            name=f"科室{i:03d}",
            category=("clinical", "medtech", "nursing")[i % 3],
            path=f"Q{i:03d}/",
        )
        for i in range(have, total)
    )
    standard = Standard.objects.get(code=STD)
    departments = list(Department.objects.filter(is_active=True))
    records = []
    for month in MONTHS:
        year, number = (int(part) for part in month.split("-"))
        for index, department in enumerate(departments):
            records.append(
                Record(
                    kind=RecordKind.FINDING,
                    standard=standard,
                    department=department,
                    code=("A1a", "B1", "C1", "E2")[index % 4],
                    count=1 + index % 3,
                    date=dt.date(year, number, 1 + index % 27),
                )
            )
            records.append(
                Record(
                    kind=RecordKind.MANUAL,
                    standard=standard,
                    department=department,
                    code="A2",
                    period_key=month,
                    value=Decimal(7 + index % 3),
                )
            )
            if index % 7 == 1:
                records.append(
                    Record(
                        kind=RecordKind.VETO,
                        standard=standard,
                        department=department,
                        code="V1",
                        date=dt.date(year, number, 2),
                    )
                )
    Record.objects.filter(department__in=departments).delete()
    Record.objects.bulk_create(records)
    for month in MONTHS:
        period_compute(standard_code=STD, period_key=month)


def page_queries(context: CaptureQueriesContext) -> list[str]:
    """The queries of a page without the session's bookkeeping (whose count depends on timing)."""
    return [
        q["sql"] for q in context.captured_queries if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]


def test_ranking_queries_do_not_grow_with_departments_or_periods(scored, client_for, django_assert_max_num_queries):
    client = client_for(scored.office)
    grow(5)
    client.get(ranking_url())  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert len(rows_of(client.get(ranking_url()))) == 5
    with CaptureQueriesContext(connection) as small_filtered:
        client.get(ranking_url(), {"category": "clinical"})
    grow(30)
    with django_assert_max_num_queries(15):
        response = client.get(ranking_url())
    assert len(rows_of(response)) == 30
    assert all(row.spark is not None for row in rows_of(response))
    assert any(row.result.vetoed and row.veto_reasons for row in rows_of(response))
    with CaptureQueriesContext(connection) as large:
        client.get(ranking_url())
    with CaptureQueriesContext(connection) as large_filtered:
        client.get(ranking_url(), {"category": "clinical"})
    assert len(page_queries(large)) == len(page_queries(small))
    assert len(page_queries(large_filtered)) == len(page_queries(small_filtered))
    with django_assert_max_num_queries(15):
        client.get(ranking_url(), {"category": "clinical"})
    with django_assert_max_num_queries(15):
        client.get(reverse("scoring:ranking_xlsx", args=[STD, "2026-10"]))
